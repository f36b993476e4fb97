#!/usr/bin/env bash
# bench/run.sh: evictsim's benchmark (issue 7). Builds the floor server, the
# load generator and the in-model eviction driver into build/bench/, makes the
# clusters (bench/gen-cluster.mjs), runs every measurement against 127.0.0.1,
# prints a table and writes it as JSON (bench/results/latest.json, or $BENCH_RESULTS).
#   bash bench/run.sh             (make bench runs this)
#   BENCH_SECONDS=3  seconds of load per throughput run
#   BENCH_QUICK=1    skip the 100,000-pod figures
#   BENCH_PB_PAIRS=14, BENCH_PB_SECONDS=1  the protobuf-against-JSON pairs
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
LIBS="$(make -s print-libs)"
cc $CF $PC -o "$OUT/floor" bench/floor.c $LIBS
cc $CF -o "$OUT/loadgen" bench/loadgen.c
MODEL_OBJ=$(find build/model -name '*.o' | sort)
cc $CF $(make -s print-incs) -o "$OUT/evictcost" bench/evictcost.c $MODEL_OBJ $LIBS

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

# ---- throughput: wrk against the floors and evictsim -----------------------
# wrk (2 threads, 32 connections, bench/wrk-evict.lua) drives every figure.
# The floor is the fastest plain libmicrohttpd configuration of this run:
# each of FLOORS is a bench/floor.c --options list ("plain": the library's
# defaults), and the one with the best denied + dry-run figures is the floor
# evictsim's ratios are taken against. "noparse" (no body parse at all) is
# the generator's ceiling: it shows that wrk can drive a server well past
# what evictsim reaches. Rounds are interleaved (every server once per
# round, ROUNDS of them); each figure keeps the best and the median. An
# answer with another status than expected, or a socket error, is fatal.
command -v wrk >/dev/null || { echo "bench: wrk is missing (make bench installs it: apt-get install wrk)" >&2; exit 1; }
ROUNDS=${BENCH_ROUNDS:-3}
FLOORS=(plain turbo pool8 turbo,pool8 suspend,turbo)
echo "bench: throughput (wrk, $SECS s each, 2 threads, 32 connections, $ROUNDS interleaved rounds)" >&2
declare -A RUNS=()
# CPU per request, which no generator can change: the server's user + system
# time (/proc/PID/stat, in clock ticks) over a run, and wrk's own (the
# children's line of bash's `times` in the subshell that ran it), each divided
# by the requests answered.
HZ=$(getconf CLK_TCK)
cputicks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
wrk1() { # what targets dry(0|1) expect protobuf(0|1) seconds: one run against $PORT, its JSON line
  local r c0 c1 n
  c0=$(cputicks "$PID")
  r=$(WRK_TARGETS=$2 WRK_DRY=$3 WRK_EXPECT=$4 WRK_PROTOBUF=$5 wrk -t2 -c32 -d"$6s" -s bench/wrk-evict.lua "http://127.0.0.1:$PORT" | tail -1; times)
  c1=$(cputicks "$PID")
  case $r in *'"wrong":0,"socket_errors":0'*) ;; *) echo "bench: $1: wrong answers or socket errors: $r" >&2; exit 1;; esac
  n=$(sed -n '1s/.*"requests":\([0-9]*\).*/\1/p' <<<"$r")
  awk -v t=$((c1 - c0)) -v hz="$HZ" -v n="$n" 'NR == 1 { line = $0 }
    NR == 3 { g = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); g += a[1] * 60 + a[2] } } # "0m1.234s 0m0.567s"
    END { sub(/}$/, "", line); printf "%s,\"server_cpu_us\":%.3f,\"wrk_cpu_us\":%.3f}\n", line, t * 1e6 / hz / n, g * 1e6 / n }' <<<"$r"
}
wrkrun() { # key targets dry(0|1) expect: one run of $SECS against $PORT, kept under key
  local r
  r=$(wrk1 "$1" "$2" "$3" "$4" 0 "$SECS")
  RUNS[$1]+="$r "
}
summary() { # runs... -> {"best","median","p99_us","runs","cpu"}: p99 of the median run; cpu: the server's and wrk's µs per request, lowest and median
  node -e 'const a=process.argv.slice(1).map(JSON.parse).sort((x,y)=>y.rps-x.rps);
    const m=a[Math.floor(a.length/2)];
    const lm=(k)=>{const v=a.map(x=>x[k]).sort((x,y)=>x-y); return {lowest:v[0], median:v[Math.floor(v.length/2)], runs:v};};
    console.log(JSON.stringify({best:a[0].rps, median:m.rps, p99_us:m.p99_us, requests:a.reduce((s,x)=>s+x.requests,0), runs:a.map(x=>x.rps),
      server_cpu_us:lm("server_cpu_us"), wrk_cpu_us:lm("wrk_cpu_us")}))' "$@"
}
for round in $(seq 1 "$ROUNDS"); do
  for o in "${FLOORS[@]}" noparse; do
    start "$OUT/floor" --options "${o#plain}"
    wrkrun "floor:$o:denied" "$OUT/deny-10k.targets" 0 429
    wrkrun "floor:$o:dry" "$OUT/dry-10k.targets" 1 201
    stop
  done
  start "$EVICTSIM" "$OUT/deny-10k.json"; warm "$OUT/deny-10k.targets"
  wrkrun evictsim:denied "$OUT/deny-10k.targets" 0 429
  stop
  start "$EVICTSIM" "$OUT/dry-10k.json"; warm "$OUT/dry-10k.targets"
  wrkrun evictsim:dry "$OUT/dry-10k.targets" 1 201
  stop
done
best_floor= best_sum=0
for o in "${FLOORS[@]}"; do
  # shellcheck disable=SC2086
  d=$(summary ${RUNS[floor:$o:denied]}); y=$(summary ${RUNS[floor:$o:dry]})
  put "floor_config_${o//,/_}" "{\"denied\": $d, \"dry\": $y}"
  sum=$(( $(num "$d" best) + $(num "$y" best) ))
  if [ "$sum" -gt "$best_sum" ]; then best_sum=$sum; best_floor=$o; fi
done
# shellcheck disable=SC2086
{
  put floor_config "\"$best_floor\""
  put floor_denied "$(summary ${RUNS[floor:$best_floor:denied]})"
  put floor_dry "$(summary ${RUNS[floor:$best_floor:dry]})"
  put generator_ceiling "$(summary ${RUNS[floor:noparse:denied]})"
  put evictsim_denied "$(summary ${RUNS[evictsim:denied]})"
  put evictsim_dry "$(summary ${RUNS[evictsim:dry]})"
}

# ---- protobuf against JSON (issue 18): paired runs on one server -----------
# For each case, one server, and on it PB_PAIRS pairs of runs: JSON bodies
# and answers, and protobuf bodies and answers (what a client-go program set
# up for protobuf sends), one right after the other, the order alternating
# from pair to pair. Both sides have the same wrk settings (2 threads, 32
# connections), the same pods and the same expected answers; a wrong answer
# or a socket error is fatal. Each pair gives one ratio, protobuf req/s over
# JSON req/s, taken seconds apart on the same server, so that the machine's
# drift between runs mostly cancels: the median of the ratios is the figure,
# and the best and worst are shown beside it.
PB_PAIRS=${BENCH_PB_PAIRS:-14}
PB_SECS=${BENCH_PB_SECONDS:-1}
echo "bench: protobuf against JSON ($PB_PAIRS pairs of $PB_SECS s runs on one server, the order alternating)" >&2
PB_RESULT=
pb_pairs() { # case targets-name dry(0|1) expect: the pairs' figures in $PB_RESULT
  local k=$1 t="$OUT/$2.targets" pairs="" i pb r j p
  start "$EVICTSIM" "$OUT/$2.json"; warm "$t"
  wrk1 "$k warm-up" "$t" "$3" "$4" 0 1 >/dev/null; wrk1 "$k warm-up" "$t" "$3" "$4" 1 1 >/dev/null
  for i in $(seq 1 "$PB_PAIRS"); do
    for pb in $(( i % 2 )) $(( 1 - i % 2 )); do
      r=$(wrk1 "$k pair $i" "$t" "$3" "$4" "$pb" "$PB_SECS")
      if [ "$pb" = 1 ]; then p=$r; else j=$r; fi
    done
    pairs+="${pairs:+,}[$j,$p]"
  done
  stop
  PB_RESULT=$(node -e 'const pairs = JSON.parse(process.argv[1]), secs = +process.argv[2];
    const summary = (a) => { a = [...a].sort((x, y) => y.rps - x.rps); const m = a[Math.floor(a.length / 2)];
      const cpu = a.map((x) => x.server_cpu_us).sort((x, y) => x - y);
      return {best: a[0].rps, median: m.rps, p99_us: m.p99_us, requests: a.reduce((s, x) => s + x.requests, 0), runs: a.map((x) => x.rps),
        server_cpu_us: {lowest: cpu[0], median: cpu[Math.floor(cpu.length / 2)]}}; };
    const f = (x) => +x.toFixed(3), med = (r) => { const n = r.length; return n % 2 ? r[(n - 1) / 2] : (r[n / 2 - 1] + r[n / 2]) / 2; };
    const r = pairs.map(([j, p]) => p.rps / j.rps).sort((x, y) => x - y), n = r.length;
    // by CPU: JSON µs per request over protobuf µs per request (above 1: protobuf costs the server less)
    const c = pairs.map(([j, p]) => j.server_cpu_us / p.server_cpu_us).sort((x, y) => x - y);
    console.log(JSON.stringify({pairs: n, seconds: secs, ratio_median: f(med(r)), ratio_best: f(r[n - 1]), ratio_worst: f(r[0]),
      ratios: pairs.map(([j, p]) => f(p.rps / j.rps)), cpu_ratio_median: f(med(c)), cpu_ratio_worst: f(c[0]), cpu_ratio_best: f(c[n - 1]),
      json: summary(pairs.map((x) => x[0])), protobuf: summary(pairs.map((x) => x[1]))}));' \
    "[$pairs]" "$PB_SECS")
}
pb_pairs denied deny-10k 0 429; put protobuf_vs_json_denied "$PB_RESULT"
pb_pairs dry dry-10k 1 201; put protobuf_vs_json_dry "$PB_RESULT"
start "$EVICTSIM" "$OUT/real-10k.json"; warm "$OUT/real-10k.targets"
put evictsim_real "$(load "$OUT/real-10k.targets" --once)"
stop
# watch fan-out: 1,000 watchers, ten on each Deployment's pods, each from
# the current resourceVersion as an informer watches after its list
start "$EVICTSIM" "$OUT/real-10k.json"; warm "$OUT/real-10k.targets"
rv=$(node -e 'fetch(process.argv[1]).then(r=>r.json()).then(j=>console.log(j.metadata.resourceVersion))' \
  "http://127.0.0.1:$PORT/api/v1/namespaces/bench/pods?limit=1")
for i in $(seq 0 999); do
  echo "/api/v1/namespaces/bench/pods?watch=1&resourceVersion=$rv&labelSelector=app%3Dapp-$((i % 100))"
done > "$OUT/watches"
put evictsim_real_watched "$(load "$OUT/real-10k.targets" --once -W 1000 -w "$OUT/watches")"
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
# real-shaped: managedFields, last-applied annotations, full pod status and
# a Service, Endpoints and ConfigMap per Deployment; and generic objects
# only (100,000 ConfigMaps)
echo '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"probe","namespace":"default"}}' > "$OUT/probe.json"
if [ "$QUICK" != 1 ] && "$EVICTSIM" plan check -q "$OUT/probe.json" >/dev/null 2>&1; then # ConfigMaps are served
  gen real-100k --pods 100000 --nodes 1000 --pdb 'maxUnavailable=1' --real
  gen cm-100k --configmaps 100000
  put startup_real_100k_ms "$(startup "$OUT/real-100k.json" 3)"
  start "$EVICTSIM" "$OUT/real-100k.json"; warm "$OUT/real-100k.targets"
  put rss_real_100k_kib "$(awk '/VmRSS/ {print $2}' /proc/$PID/status)"
  put hwm_real_100k_kib "$(awk '/VmHWM/ {print $2}' /proc/$PID/status)"
  stop
  put startup_configmaps_100k_ms "$(startup "$OUT/cm-100k.json" 3)"
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

# the heap an eviction log entry keeps (the log holds 10,000)
put log_entry "$("$OUT/evictcost" "$OUT/deny-10k.json" "$OUT/deny-10k.targets" --log-bytes 9000)"

# ---- soak: the default cluster under a mixed load, memory over time --------
SOAK=${BENCH_SOAK_SECONDS:-600}
echo "bench: soak ($SOAK s)" >&2
soak=$(EVICTSIM=$EVICTSIM node bench/soak.mjs --seconds "$SOAK" | tail -1) || true
put soak "${soak:-null}"

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
    EVICTSIM_PLAN_STATS=1 /usr/bin/time -f '%M' -o "$OUT/plan.rss" timeout "${BENCH_PLAN_TIMEOUT:-900}" "$EVICTSIM" plan drain -q --output json --parallel "$par" --force \
      "${args[@]}" "$dump" > "$OUT/plan.out" 2>&1 || true
    rss=$(tail -1 "$OUT/plan.rss" | grep -o '^[0-9]*$' || echo 0)
  else
    EVICTSIM_PLAN_STATS=1 "$EVICTSIM" plan drain -q --output json --parallel "$par" --force "${args[@]}" "$dump" > "$OUT/plan.out" 2>&1 || true
  fi
  t1=$(date +%s.%N)
  ok=$(grep -Eq '"outcome":[[:space:]]*"completes"' "$OUT/plan.out" && echo true || echo false)
  # the store events (writes and deletions) the plan simulated, and how fast ($EVICTSIM_PLAN_STATS)
  local stats events sim_ms
  stats=$(grep -o 'plan stats: [0-9]* store events ([^)]*) in [0-9.]* s' "$OUT/plan.out" | head -1)
  events=$(echo "$stats" | awk '{print $3}')
  sim_ms=$(echo "$stats" | awk '{print int($(NF-1) * 1000)}')
  put "$key" "{\"wall_ms\": $(node -e "console.log(Math.round(($t1-$t0)*1000))"), \"rss_kb\": ${rss:-0}, \"nodes\": $nodes, \"parallel\": $par, \"events\": ${events:-0}, \"sim_ms\": ${sim_ms:-0}, \"ok\": $ok}"
}
echo "bench: plan" >&2
plan_bench plan_10k "$OUT/real-10k.json" 10 5
# a node-pool upgrade: every one of 1,000 nodes drained, 10 at a time, the
# pods going to a new pool of 1,000 empty nodes
if [ "$QUICK" != 1 ]; then
  gen plan-100k --pods 100000 --nodes 1000 --spare-nodes 1000 --pdb 'maxUnavailable=1'
  plan_bench plan_100k "$OUT/plan-100k.json" 1000 10
fi

# ---- table -----------------------------------------------------------------
{ echo "{"; echo "\"machine\": {\"cpus\": $(nproc), \"date\": \"$(date -u +%Y-%m-%d)\", \"seconds\": $SECS},"; sed '$ s/,$//' "$J"; echo "}"; } > "$RESULTS"
node bench/table.mjs "$RESULTS"
