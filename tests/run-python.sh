#!/usr/bin/env bash
# Runs the Python client tests (tests/python, pytest) with the first python3
# on the PATH that has Debian's python3-kubernetes and python3-pytest (the
# system one, even when a pyenv or venv python3 comes first), and prints
# `N passed, N failed` last.  Usage: tests/run-python.sh DIR  (EVICTSIM=binary)
set -u
dir=$1
py=""
IFS=: read -ra path <<<"$PATH"
for d in "${path[@]}"; do
  if [ -x "$d/python3" ] && "$d/python3" -c 'import kubernetes, pytest' >/dev/null 2>&1; then py="$d/python3"; break; fi
done
if [ -z "$py" ]; then
  echo "the Python client tests need python3-kubernetes and python3-pytest (apt-get install python3-kubernetes python3-pytest)"
  echo "0 passed, 1 failed"
  exit 1
fi
log=$(mktemp)
"$py" -m pytest -q -p no:cacheprovider "$dir" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
pass=$(grep -Eo '[0-9]+ passed' "$log" | tail -1 | awk '{print $1+0}')
fail=$(grep -Eo '[0-9]+ (failed|error)' "$log" | awk '{s+=$1} END {print s+0}')
rm -f "$log"
echo "${pass:-0} passed, ${fail:-0} failed"
[ "$rc" = 0 ]
