#!/usr/bin/env bash
# Runs the node:test files under a folder and prints `N passed, N failed` last.
# Usage: tests/run-node.sh DIR   (EVICTSIM=path/to/binary)
set -u
dir=$1
if ! command -v node >/dev/null 2>&1; then
  echo "the HTTP and client tests need Node.js 20 (node on the PATH); install it and run again"
  echo "0 passed, 1 failed"
  exit 1
fi
files=$(find "$dir" -name node_modules -prune -o -name '*.test.mjs' -print | sort)
if [ -z "$files" ]; then echo "0 passed, 0 failed"; exit 0; fi
log=$(mktemp)
node --test --test-concurrency="${TEST_CONCURRENCY:-3}" --test-reporter=spec $files 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
pass=$(grep -E '^ℹ pass [0-9]+' "$log" | awk '{s+=$3} END {print s+0}')
fail=$(grep -E '^ℹ fail [0-9]+' "$log" | awk '{s+=$3} END {print s+0}')
rm -f "$log"
echo "$pass passed, $fail failed"
[ "$rc" = 0 ] && [ "$fail" = 0 ]
