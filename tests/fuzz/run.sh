#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/fuzz_*.c) with clang, ASan and UBSan
# and runs each over its seed corpus for a fixed number of runs.
#
#   tests/fuzz/run.sh                  # CI: every target, -runs=$FUZZ_RUNS (20000;
#                                      #   a tenth of that for fuzz_request and fuzz_eviction)
#   tests/fuzz/run.sh fuzz_patch       # only the named targets
#   FUZZ_SECONDS=3600 tests/fuzz/run.sh fuzz_request   # a long run (see README)
#
# Objects go to $FUZZ_BUILD (build/fuzz). New inputs found go to
# $FUZZ_BUILD/corpus/<target> (the seeds in tests/fuzz/corpus/ are only read);
# a crash is written to $FUZZ_BUILD/crash-<target>-* and the script fails.
set -eu
cd "$(dirname "$0")/../.."
CLANG=${CLANG:-clang}
B=${FUZZ_BUILD:-build/fuzz}
RUNS=${FUZZ_RUNS:-20000}
JOBS=${FUZZ_JOBS:-$(nproc)}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
make -s pbgen # the C protoc-c generates from proto/, in build/pb
# the include flags and libraries of the Makefile's build
CFLAGS="-std=gnu11 -O1 -g -fno-omit-frame-pointer $SAN -Wall -Wextra ${FUZZ_WERROR--Werror}
        $(make -s print-incs) -Itests/fuzz"
LIBS="$(make -s print-libs)"

targets=("$@")
if [ ${#targets[@]} = 0 ]; then
  # the two slow targets (a whole cluster per input) first, so they overlap
  targets=(fuzz_request fuzz_eviction)
  for f in tests/fuzz/fuzz_*.c; do
    t=$(basename "$f" .c)
    case $t in fuzz_request|fuzz_eviction) ;; *) targets+=("$t") ;; esac
  done
fi

# Library objects: every model/ and server/ file but main.c, built for fuzzing.
srcs="$(ls model/*.c model/*/*.c server/*.c server/*/*.c | grep -v '^server/main.c$') $(find build/pb -name '*.c' | sort)"
objs=()
pids=()
for s in $srcs ${FUZZ_EXTRA_SRC:-}; do
  o="$B/obj/${s%.c}.o"
  objs+=("$o")
  if [ ! -f "$o" ] || [ "$s" -nt "$o" ] || [ -n "$(find model server tests/fuzz build/pb -name '*.h' -newer "$o" 2>/dev/null | head -1)" ]; then
    mkdir -p "$(dirname "$o")"
    $CLANG $CFLAGS -fsanitize=fuzzer-no-link -c "$s" -o "$o" &
    pids+=($!)
    if [ ${#pids[@]} -ge "$JOBS" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  fi
done
for p in "${pids[@]}"; do wait "$p"; done

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# every document goes back to its compact form at each unlock, and is checked
export EVICTSIM_DOC_CACHE=${EVICTSIM_DOC_CACHE:-0}
export EVICTSIM_DOC_CHECK=${EVICTSIM_DOC_CHECK:-1}
for t in "${targets[@]}"; do
  $CLANG $CFLAGS -fsanitize=fuzzer "tests/fuzz/$t.c" "${objs[@]}" $LIBS -o "$B/$t"
  mkdir -p "$B/corpus/$t" "tests/fuzz/corpus/$t"
done

# One target: run it, print one line, leave its status in $B/$t.rc.
run_one() {
  local t=$1 limit start rc=0
  local runs=$RUNS
  # a whole cluster per input, snapshotted around every request: ~25 ms an input
  case $t in fuzz_request|fuzz_eviction) runs=$(( RUNS / 10 )) ;; esac
  if [ -n "${FUZZ_SECONDS:-}" ]; then limit="-max_total_time=$FUZZ_SECONDS"; else limit="-runs=$runs"; fi
  start=$(date +%s)
  "$B/$t" $limit -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
    -artifact_prefix="$B/crash-$t-" "$B/corpus/$t" "tests/fuzz/corpus/$t" >"$B/$t.log" 2>&1 || rc=$?
  echo $rc >"$B/$t.rc"
  if [ $rc = 0 ]; then
    echo "fuzz $t: ok ($(( $(date +%s) - start ))s, $(grep -o 'cov: [0-9]*' "$B/$t.log" | tail -1))"
  else
    echo "fuzz $t: FAILED (log $B/$t.log, artifacts $B/crash-$t-*)"
    grep -E 'ERROR|FUZZ INVARIANT|SUMMARY|runtime error' "$B/$t.log" | head -5
  fi
}

# Run the targets $JOBS at a time.
running=()
for t in "${targets[@]}"; do
  run_one "$t" &
  running+=($!)
  if [ ${#running[@]} -ge "$JOBS" ]; then wait "${running[0]}" || true; running=("${running[@]:1}"); fi
done
for p in "${running[@]}"; do wait "$p" || true; done
fail=0
for t in "${targets[@]}"; do [ "$(cat "$B/$t.rc" 2>/dev/null)" = 0 ] || fail=1; done
exit $fail
