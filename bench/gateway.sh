#!/usr/bin/env bash
# Gateway throughput and latency with wrk (apt-get install wrk): real nsqd + nsqlookupd, the
# gateway, and PONGS (default 2) Java pong functions; 10 s at 16, 64 and 256 connections. In the
# same run, the ceiling: the same Netty HTTP stack answering "pong" itself, with no queue; then
# each process's CPU per request at 64 connections, and the ceiling's paced to the gateway's rate.
#
# Last, what tracing costs: one pong and the gateway with tracing off, with it on (every span
# exported over OTLP to OtlpSink), off again (how far two equal runs differ); in the same series,
# what the dashboard costs (--dashboard-addr, with a page watching its live events); and, with BASELINE
# set, the jars of another build (BASELINE=<checkout> with gateway/target/gateway.jar and
# examples/pong/target/pong.jar built, such as the commit before tracing).
#
# Settings (environment): DURATION=10s (each wrk run), PONGS=2, SKIP_BUILD=1 (reuse the jars in
# bench/target, gateway/target and examples/pong/target from an earlier build), BASELINE.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
build_http_bench
duration=${DURATION:-10s}
pongs=${PONGS:-2}

start_run gateway-bench
lt=$(free_port); lh=$(free_port "$lt")
spawn lookupd "$bin/nsqlookupd" --tcp-address="127.0.0.1:$lt" --http-address="127.0.0.1:$lh" --broadcast-address=127.0.0.1
lookupd_pid=$!
await lookupd http_ok "http://127.0.0.1:$lh/ping"
nt=$(free_port); nh=$(free_port "$nt")
start_nsqd "127.0.0.1:$nt" "127.0.0.1:$nh" --broadcast-address=127.0.0.1 --lookupd-tcp-address="127.0.0.1:$lt"
api "127.0.0.1:$nh" "topic/create?topic=test"

pong_pids=()
for i in $(seq 1 "$pongs"); do
  start_pong "pong$i" "$nt" NSQ_LOOKUPD_ADDR=127.0.0.1 NSQ_LOOKUPD_PORT="$lh"
  pong_pids+=("${spawned[pong$i]}")
done
start_gateway "$nt" --nsqd-http-addr "127.0.0.1:$nh" --lookupd-addr "127.0.0.1:$lh"
answer=$(curl -s "http://127.0.0.1:$gp/test/hello")
[ "$answer" = pong ] || { log "gateway answered \"$answer\", not pong; its log:"; cat "$tmp/gateway.log" >&2; exit 1; }
ceiling_port=$(free_port)
spawn plain java -cp "$cp" io.kubefuncs.bench.PlainPongServer "$ceiling_port"
await plain http_ok "http://127.0.0.1:$ceiling_port/"

# CPU time of the whole machine in clock ticks. Unlike busy_jiffies it leaves out steal: no
# process here used that time, and the split per request should add up to what they did use.
busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
hz=$(getconf CLK_TCK)
# Where the CPU goes during one gateway run: microseconds of CPU per request, per process.
profile() { # url connections
  local g0 n0 p0 l0 b0 report rps
  g0=$(proc_jiffies "$gateway_pid"); n0=$(proc_jiffies "$nsqd_pid"); p0=$(proc_jiffies "${pong_pids[@]}")
  l0=$(proc_jiffies "$lookupd_pid"); b0=$(busy)
  report=$(wrk -t2 -c"$2" -d"$duration" "$1" 2>&1)
  rps=$(echo "$report" | awk '/Requests\/sec/ {print $2}')
  profiled_rps=$rps
  local g n p l b
  g=$(( $(proc_jiffies "$gateway_pid") - g0 )); n=$(( $(proc_jiffies "$nsqd_pid") - n0 ))
  p=$(( $(proc_jiffies "${pong_pids[@]}") - p0 ))
  l=$(( $(proc_jiffies "$lookupd_pid") - l0 )); b=$(( $(busy) - b0 ))
  awk -v rps="$rps" -v d="${duration%s}" -v hz="$hz" -v g="$g" -v n="$n" -v p="$p" -v l="$l" -v b="$b" 'BEGIN {
    reqs = rps * d; us = 1e6 / hz / reqs
    printf "c=%s %.0f req/s; CPU per request: gateway %.1f us, nsqd %.1f us, pong functions %.1f us, lookupd %.1f us, wrk and the rest %.1f us; total %.1f us of %.0f us available (2 cores)\n",
      ENVIRON["C"], rps, g*us, n*us, p*us, l*us, (b-g-n-p-l)*us, b*us, 2e6/rps }'
}
echo "== warm-up (not reported)"
wrk -t2 -c64 -d5s "http://127.0.0.1:$gp/test/hello" > /dev/null
wrk -t2 -c64 -d5s "http://127.0.0.1:$ceiling_port/" > /dev/null
echo "== $pongs pong function(s), gateway -> nsqd -> pong -> gateway; ceiling = same Netty HTTP stack, no queue"
peak=0
for c in 16 64 256; do
  wrk_run gateway "http://127.0.0.1:$gp/test/hello" $c
  peak=$(awk -v a="$peak" -v b="$rps" 'BEGIN {print (b > a ? b : a)}')
  wrk_run ceiling "http://127.0.0.1:$ceiling_port/" $c
done
# wrk is closed-loop: to see latency at half of peak rather than at saturation, each of 64
# connections waits between requests so that together they offer about half the peak rate.
echo "== latency at about half of the gateway's peak ($peak req/s), 64 paced connections"
half=$(awk -v p="$peak" 'BEGIN {print p / 2}')
write_pace "$tmp/pace.lua" 64 "$half" "$(pace_overhead "http://127.0.0.1:$gp/test/hello" 64 "$half")"
wrk_run gateway "http://127.0.0.1:$gp/test/hello" 64 -s "$tmp/pace.lua"
echo "== CPU per request by process, gateway at 64 connections"
C=64 profile "http://127.0.0.1:$gp/test/hello" 64
echo "== the ceiling paced to that rate at 64 connections: what HTTP alone costs there"
read -r paced_rps paced_us < <(paced_cpu "http://127.0.0.1:$ceiling_port/" 64 "$profiled_rps" "${spawned[plain]}")
emit ceiling_at_gateway_rate_us "$paced_us" "us per request (the ceiling paced to $paced_rps req/s; the gateway's rate $profiled_rps)"

echo "== tracing: 1 pong function and the gateway, 64 connections, one configuration at a time"
stop "$gateway_pid" "${pong_pids[@]}" "${spawned[plain]}"
sink_port=$(free_port)
spawn sink java -cp "$cp" io.kubefuncs.bench.OtlpSink "$sink_port"
await sink ports::in_use "$sink_port"
traced=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_port" OTEL_SERVICE_NAME=bench)
tracing_run() { # name [VAR=value... for both processes]: sets RESULT tracing_<name>_*
  local name=$1 g0 p0 g p
  shift
  gateway_env=("$@")
  start_pong "pong-$name" "$nt" NSQ_LOOKUPD_ADDR=127.0.0.1 NSQ_LOOKUPD_PORT="$lh" "$@"
  start_gateway "$nt" --lookupd-addr "127.0.0.1:$lh" "${gateway_flags[@]}"
  if [ -n "${dashboard_port:-}" ]; then
    spawn "watch-$name" curl -sN "http://127.0.0.1:$dashboard_port/api/events"
  fi
  wrk -t2 -c64 -d5s "http://127.0.0.1:$gp/test/hello" >/dev/null
  g0=$(proc_jiffies "$gateway_pid"); p0=$(proc_jiffies "${spawned[pong-$name]}")
  wrk_run "$name" "http://127.0.0.1:$gp/test/hello" 64
  g=$(( $(proc_jiffies "$gateway_pid") - g0 )); p=$(( $(proc_jiffies "${spawned[pong-$name]}") - p0 ))
  emit "tracing_${name}_rps" "$rps" req/s
  emit "tracing_${name}_p99" "$p99_ms" ms
  emit "tracing_${name}_gateway_cpu" "$(awk -v j="$g" -v r="$rps" -v d="${duration%s}" -v hz="$hz" 'BEGIN {printf "%.1f", j * 1e6 / hz / (r * d)}')" us/req
  emit "tracing_${name}_pong_cpu" "$(awk -v j="$p" -v r="$rps" -v d="${duration%s}" -v hz="$hz" 'BEGIN {printf "%.1f", j * 1e6 / hz / (r * d)}')" us/req
  stop "$gateway_pid" "${spawned[pong-$name]}"
  if [ -n "${dashboard_port:-}" ]; then
    stop "${spawned[watch-$name]}"
  fi
  gateway_env=()
}
gateway_flags=()
dashboard_run() { # name: the gateway with its dashboard on, and one page watching it
  dashboard_port=$(free_port)
  gateway_flags=(--dashboard-addr "127.0.0.1:$dashboard_port")
  tracing_run "$1"
  gateway_flags=()
  dashboard_port=
}
# Each configuration alone, and the ones compared with "off" twice, in turns: on this shared
# machine two equal runs differ, and the two runs of each show by how much.
base_run() { # name
  [ -n "${BASELINE:-}" ] || return 0
  pong_jar="$BASELINE/examples/pong/target/pong.jar" gateway_jar="$BASELINE/gateway/target/gateway.jar" tracing_run "$1"
}
tracing_run off
base_run baseline
tracing_run on "${traced[@]}"
tracing_run on10 "${traced[@]}" OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.1
dashboard_run dashboard
tracing_run off2
base_run baseline2
# The mean of a configuration's runs over the mean of another's.
ratio() { # figure [runs of a...] -- [runs of b...]
  local figure=$1 a=0 na=0 b=0 nb=0 side=a run
  shift
  for run in "$@"; do
    if [ "$run" = -- ]; then side=b; continue; fi
    if [ $side = a ]; then a=$(awk -v x="$a" -v y="$(value "tracing_${run}_$figure")" 'BEGIN {print x + y}'); na=$((na + 1))
    else b=$(awk -v x="$b" -v y="$(value "tracing_${run}_$figure")" 'BEGIN {print x + y}'); nb=$((nb + 1)); fi
  done
  awk -v a="$a" -v na="$na" -v b="$b" -v nb="$nb" 'BEGIN {printf "%.2f", (a / na) / (b / nb)}'
}
for figure in rps gateway_cpu pong_cpu; do
  emit "tracing_off2_vs_off_$figure" "$(ratio "$figure" off2 -- off)" x
  emit "tracing_on_vs_off_$figure" "$(ratio "$figure" on -- off off2)" x
  emit "tracing_on10_vs_off_$figure" "$(ratio "$figure" on10 -- off off2)" x
  emit "tracing_dashboard_vs_off_$figure" "$(ratio "$figure" dashboard -- off off2)" x
  if [ -n "${BASELINE:-}" ]; then
    emit "tracing_baseline2_vs_baseline_$figure" "$(ratio "$figure" baseline2 -- baseline)" x
    emit "tracing_off_vs_baseline_$figure" "$(ratio "$figure" off off2 -- baseline baseline2)" x
  fi
done
