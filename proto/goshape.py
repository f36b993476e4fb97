#!/usr/bin/env python3
"""goshape: derive proto/goshape.tsv from upstream Go types (k8s.io/api and
k8s.io/apimachinery at the tags named in proto/README.md).

The .proto files say which fields a message has; they do not say how Go's
JSON encoder writes them. This reads the Go struct tags and writes, per
message and in Go declaration order (the order Go writes JSON keys), each
protobuf field's number, JSON name and flags:
  p  the Go field is a pointer (written in JSON whenever set, even at zero)
  o  the JSON tag has omitempty (a zero value is left out)
  i  the field is embedded with json:",inline" (its fields are the parent's)

Usage: goshape.py API_CHECKOUT APIMACHINERY_CHECKOUT > proto/goshape.tsv
(a checkout, or `git worktree`, of each repository at its tag). Developers run
it when the .proto files are updated; the build only reads its output.
"""
import os
import re
import sys

API_GROUPS = ["core/v1", "apps/v1", "policy/v1", "batch/v1", "scheduling/v1", "coordination/v1",
              "autoscaling/v1", "rbac/v1", "networking/v1", "authorization/v1",
              "autoscaling/v2", "discovery/v1", "events/v1", "storage/v1", "authentication/v1"]
AM_PKGS = ["pkg/apis/meta/v1", "pkg/runtime", "pkg/util/intstr", "pkg/api/resource"]

FIELD = re.compile(r'^\s*(?:(\w+)\s+)?(\S+)\s+`([^`]*)`')
TAG = re.compile(r'(\w+):"([^"]*)"')


def structs(path, package):
    text = open(path).read()
    for m in re.finditer(r'^type (\w+) struct \{\n(.*?)^\}', text, re.S | re.M):
        name, body = m.group(1), m.group(2)
        rows = []
        for line in body.split("\n"):
            if line.strip().startswith("//"):
                continue
            f = FIELD.match(line)
            if not f:
                continue
            gotype = f.group(2)
            tags = dict(TAG.findall(f.group(3)))
            if "protobuf" not in tags or "json" not in tags:
                continue
            parts = tags["protobuf"].split(",")
            number = int(parts[1])
            jparts = tags["json"].split(",")
            if jparts[0] == "-":
                continue
            flags = ""
            if f.group(1) is None and "inline" in jparts[1:]:
                flags += "i"
            if gotype.startswith("*"):
                flags += "p"
            if "omitempty" in jparts[1:]:
                flags += "o"
            goname = f.group(1) or gotype.lstrip("*").split(".")[-1]
            rows.append((package + "." + name, number, jparts[0] or "-", flags or "-", goname))
        yield from rows


def main():
    api, am = sys.argv[1], sys.argv[2]
    out = []
    for g in API_GROUPS:
        d = os.path.join(api, g)
        for fn in sorted(os.listdir(d)):
            if fn.endswith(".go") and not fn.endswith("_test.go") and not fn.startswith("zz_") \
                    and not fn.startswith("generated"):
                out += structs(os.path.join(d, fn), "k8s.io.api." + g.replace("/", "."))
    for p in AM_PKGS:
        d = os.path.join(am, p)
        for fn in sorted(os.listdir(d)):
            if fn.endswith(".go") and not fn.endswith("_test.go") and not fn.startswith("zz_") \
                    and not fn.startswith("generated"):
                out += structs(os.path.join(d, fn), "k8s.io.apimachinery." + p.replace("/", "."))
    print("# message\tnumber\tjson\tflags (p pointer, o omitempty, i inline)\tGo name -- written by proto/goshape.py")
    for r in out:
        print("%s\t%d\t%s\t%s\t%s" % r)


main()
