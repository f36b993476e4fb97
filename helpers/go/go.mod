module evictsimtest

go 1.19
