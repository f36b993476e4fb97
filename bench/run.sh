#!/usr/bin/env bash
# bench/run.sh: evictsim's benchmark (issue 7). Builds the floor server, the
# load generator and the in-model eviction driver into build/bench/, makes the
# clusters (bench/gen-cluster.mjs), runs every measurement against 127.0.0.1,
# prints a table and writes it as JSON (bench/results/latest.json, or $BENCH_RESULTS).
#   bash bench/run.sh             (make bench runs this)
#   BENCH_SECONDS=3  seconds of load per throughput run
#   BENCH_QUICK=1    skip the 100,000-pod figures
# Nothing here is asserted: the figures are measured and reported.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
EVICTSIM=${EVICTSIM:-$ROOT/build/evictsim}
OUT=${BENCH_OUT:-$ROOT/build/bench}
SECS=${BENCH_SECONDS:-3}
RESULTS=${BENCH_RESULTS:-$ROOT/bench/results/latest.json}
QUICK=${BENCH_QUICK:-0}
mkdir -p "$OUT"

# ---- build ---------------------------------------------------------------
[ -x "$EVICTSIM" ] || make -s evictsim
CF="-std=gnu11 -O2 -g -Wall -Wextra -Werror"
PC="$(pkg-config --cflags libmicrohttpd libcjson check yaml-0.1)"
LIBS="$(pkg-config --libs libmicrohttpd libcjson yaml-0.1) -lpthread -lm"
cc $CF $PC -o "$OUT/floor" bench/floor.c $LIBS
cc $CF -o "$OUT/loadgen" bench/loadgen.c
MODEL_OBJ=$(find build/model -name '*.o' | sort)
MODEL_INC=$(find model -name '*.h' -printf '-I%h\n' | sort -u)
cc $CF $MODEL_INC $PC -o "$OUT/evictcost" bench/evictcost.c $MODEL_OBJ $LIBS

# ---- clusters ------------------------------------------------------------
gen() { # name args...
  local name=$1; shift
  [ -s "$OUT/$name.json" ] && [ "$OUT/$name.json" -nt bench/gen-cluster.mjs ] && return
  node bench/gen-cluster.mjs "$@" --out "$OUT/$name.json" --targets "$OUT/$name.targets"
}
echo "bench: generating clusters in $OUT" >&2
gen deny-1k   --pods 1000   --pdb 'minAvailable=100%'
gen dry-1k    --pods 1000   --pdb 'maxUnavailable=1'
gen deny-10k  --pods 10000  --pdb 'minAvailable=100%'
gen dry-10k   --pods 10000  --pdb 'maxUnavailable=1'
gen real-10k  --pods 10000  --pdb 'maxUnavailable=50%' --grace 0
gen drain-1k  --pods 1100   --nodes 10 --spare-nodes 2 --pdb 'maxUnavailable=1'
if [ "$QUICK" != 1 ]; then
  gen deny-100k --pods 100000 --nodes 1000 --pdb 'minAvailable=100%'
  gen dry-100k  --pods 100000 --nodes 1000 --pdb 'maxUnavailable=1'
fi
: > "$OUT/empty.json"
echo '{"apiVersion":"v1","kind":"List","items":[]}' > "$OUT/empty.json"

# ---- helpers -------------------------------------------------------------
PID=; PORT=
start() { # command args... (gets --listen and --port-file)
  rm -f "$OUT/port"
  "$@" --listen 127.0.0.1:0 --port-file "$OUT/port" -q >/dev/null 2>"$OUT/server.log" &
  PID=$!
  for _ in $(seq 1 1200); do [ -s "$OUT/port" ] && break; sleep 0.1; done
  PORT=$(cat "$OUT/port")
}
stop() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=; }
trap 'stop' EXIT
warm() { # one request, which waits until the start-up syncs are done
  "$OUT/loadgen" evict -p "$PORT" -t "$1" -c 1 -n 1 --dry >/dev/null
}
load() { # targets extra-args...
  local t=$1; shift
  "$OUT/loadgen" evict -p "$PORT" -t "$t" -c 32 -d "$SECS" "$@"
}
J=$OUT/results.tmp
: > "$J"
put() { echo "\"$1\": $2," >> "$J"; }
num() { node -e 'const o=JSON.parse(process.argv[1]); console.log(o[process.argv[2]])' "$1" "$2"; }
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# ---- throughput: floor and evictsim --------------------------------------
# Three interleaved rounds (floor, denied, dry-run), the best of each kept:
# the machine is shared and 2-core, so one round alone is noisy.
echo "bench: throughput ($SECS s each, 32 connections, best of 3 rounds)" >&2
best() { node -e 'const a=process.argv.slice(1).map(JSON.parse); a.sort((x,y)=>y.rps-x.rps); console.log(JSON.stringify(a[0]))' "$@"; }
FD=(); FY=(); ED=(); EY=()
for round in 1 2 3; do
  start "$OUT/floor"
  FD+=("$(load "$OUT/deny-10k.targets")")
  FY+=("$(load "$OUT/dry-10k.targets" --dry)")
  stop
  start "$EVICTSIM" "$OUT/deny-10k.json"; warm "$OUT/deny-10k.targets"
  ED+=("$(load "$OUT/deny-10k.targets")")
  stop
  start "$EVICTSIM" "$OUT/dry-10k.json"; warm "$OUT/dry-10k.targets"
  EY+=("$(load "$OUT/dry-10k.targets" --dry)")
  stop
done
put floor_denied "$(best "${FD[@]}")"
put floor_dry "$(best "${FY[@]}")"
put evictsim_denied "$(best "${ED[@]}")"
put evictsim_dry "$(best "${EY[@]}")"
start "$EVICTSIM" "$OUT/real-10k.json"; warm "$OUT/real-10k.targets"
put evictsim_real "$(load "$OUT/real-10k.targets" --once)"
stop
# watch fan-out: 100 watchers, each on one Deployment's pods
for i in $(seq 0 99); do echo "/api/v1/namespaces/bench/pods?watch=1&labelSelector=app%3Dapp-$i"; done > "$OUT/watches"
start "$EVICTSIM" "$OUT/real-10k.json"; warm "$OUT/real-10k.targets"
put evictsim_real_watched "$(load "$OUT/real-10k.targets" --once -W 100 -w "$OUT/watches")"
stop

# ---- start-up and memory ---------------------------------------------------
echo "bench: start-up and memory" >&2
startup() { # cluster.json runs: the median start-up, in ms
  local f=$1 runs=${2:-5} all=()
  for _ in $(seq 1 "$runs"); do
    local p; p=$(free_port)
    local r; r=$("$OUT/loadgen" startup -p "$p" -- "$EVICTSIM" --listen "127.0.0.1:$p" -q "$f")
    local ms pid; ms=$(num "$r" startup_ms); pid=$(num "$r" pid)
    case $ms in ''|*[!0-9.]*) echo "bench: start-up of $f failed: $r" >&2; exit 1;; esac
    all+=("$ms")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 200); do # freeing a big cluster must not overlap the next start (up to 10 s)
      kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || break
      sleep 0.05
    done
    sleep 0.2
  done
  printf '%s\n' "${all[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
put startup_empty_ms "$(startup "$OUT/empty.json" 5)"
if [ "$QUICK" != 1 ]; then
  put startup_100k_ms "$(startup "$OUT/deny-100k.json" 3)"
  start "$EVICTSIM" "$OUT/deny-100k.json"; warm "$OUT/deny-100k.targets"
  put rss_100k_kib "$(awk '/VmRSS/ {print $2}' /proc/$PID/status)"
  put hwm_100k_kib "$(awk '/VmHWM/ {print $2}' /proc/$PID/status)"
  stop
  # the same once the tree cache is full: GETs of 20,000 different pods
  # each build (and keep, up to the cache size) a pod's tree
  start "$EVICTSIM" "$OUT/deny-100k.json"; warm "$OUT/deny-100k.targets"
  node bench/get-pods.mjs "$PORT" "$OUT/deny-100k.targets" 20000
  put rss_100k_cache_full_kib "$(awk '/VmRSS/ {print $2}' /proc/$PID/status)"
  stop
fi
start "$EVICTSIM" "$OUT/deny-10k.json"; warm "$OUT/deny-10k.targets"
put rss_10k_kib "$(awk '/VmRSS/ {print $2}' /proc/$PID/status)"
stop
start "$EVICTSIM"; warm "$OUT/deny-1k.targets" || true
put rss_empty_kib "$(awk '/VmRSS/ {print $2}' /proc/$PID/status)"
stop

# ---- cost of one eviction in the model ------------------------------------
# All sizes in one process, their calls interleaved (100 on each in turn), so
# that they see the same machine. Three working sets:
#  - the target's: the same 1,000 pods of the same 10 Deployments and budgets
#    at every size (the 1k cluster's targets; every cluster has these pods,
#    by the same names), so that only the cluster around them grows;
#  - "spread": the first 1,000 targets of each cluster, one pod of each of
#    10 / 100 / 1,000 budgets (the budgets evicted against grow too);
#  - "distinct": a new pod on every call.
echo "bench: cost of one eviction" >&2
sizes="1k 10k"; [ "$QUICK" != 1 ] && sizes="1k 10k 100k"
cost() { # kind(deny|dry) key targets(same|own) extra-args...
  local kind=$1 key=$2 tg=$3; shift 3
  local args=() i=0 t
  for s in $sizes; do
    t="$OUT/$kind-$s.targets"; [ "$tg" = same ] && t="$OUT/$kind-1k.targets"
    args+=("$OUT/$kind-$s.json" "$t")
  done
  local out; out=$("$OUT/evictcost" "${args[@]}" -n 3000 "$@")
  for s in $sizes; do
    put "${key}_$s" "$(node -e 'const o=JSON.parse(process.argv[1]); console.log(JSON.stringify(o.clusters[+process.argv[2]]))' "$out" "$i")"
    i=$((i + 1))
  done
}
cost deny cost_denied same
cost dry cost_dry same --dry
cost deny cost_denied_spread own -w 1000
cost dry cost_dry_spread own --dry -w 1000
cost deny cost_denied_distinct own
cost dry cost_dry_distinct own --dry

# ---- drain of a 110-pod node, manual clock --------------------------------
echo "bench: drain" >&2
cat > "$OUT/drain.yaml" <<YAML
name: bench-drain
description: drain node-0 (110 pods of 11 Deployments, PDBs maxUnavailable 1)
manifests:
  - include: drain-1k.json
steps:
  - drain: {node: node-0, ignoreDaemonSets: true, force: true, timeout: 1h}
    expect: {result: drained}
YAML
t0=$(date +%s.%N)
"$EVICTSIM" run "$OUT/drain.yaml" > "$OUT/drain.out" 2>&1 || { cat "$OUT/drain.out" >&2; }
t1=$(date +%s.%N)
virt=$(grep -o 'drained in [^ ]*' "$OUT/drain.out" | head -1 | cut -d' ' -f3 || true)
put drain_110 "{\"wall_ms\": $(node -e "console.log(Math.round(($t1-$t0)*1000))"), \"virtual\": \"${virt:-?}\", \"ok\": $(grep -q 'drained in' "$OUT/drain.out" && echo true || echo false)}"

# ---- evictsim plan drain of a dump (issue 20; issue 21's target is 100k) ----
plan_bench() { # key dump nodes parallel
  local key=$1 dump=$2 nodes=$3 par=$4 args=() i
  for i in $(seq 0 $((nodes - 1))); do args+=("node-$i"); done
  local t0 t1 rss=0 ok
  t0=$(date +%s.%N)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%M' -o "$OUT/plan.rss" "$EVICTSIM" plan drain -q --output json --parallel "$par" --force \
      "${args[@]}" "$dump" > "$OUT/plan.out" 2>&1 || true
    rss=$(tail -1 "$OUT/plan.rss")
  else
    "$EVICTSIM" plan drain -q --output json --parallel "$par" --force "${args[@]}" "$dump" > "$OUT/plan.out" 2>&1 || true
  fi
  t1=$(date +%s.%N)
  ok=$(grep -Eq '"outcome":[[:space:]]*"completes"' "$OUT/plan.out" && echo true || echo false)
  put "$key" "{\"wall_ms\": $(node -e "console.log(Math.round(($t1-$t0)*1000))"), \"rss_kb\": ${rss:-0}, \"nodes\": $nodes, \"parallel\": $par, \"ok\": $ok}"
}
echo "bench: plan" >&2
plan_bench plan_10k "$OUT/real-10k.json" 10 5
[ "$QUICK" != 1 ] && plan_bench plan_100k "$OUT/dry-100k.json" 100 10

# ---- table -----------------------------------------------------------------
{ echo "{"; echo "\"machine\": {\"cpus\": $(nproc), \"date\": \"$(date -u +%Y-%m-%d)\", \"seconds\": $SECS},"; sed '$ s/,$//' "$J"; echo "}"; } > "$RESULTS"
node bench/table.mjs "$RESULTS"
