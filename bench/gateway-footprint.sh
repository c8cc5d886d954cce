#!/usr/bin/env bash
# The gateway as its image runs it (the JRE scripts/images links for it, its jars, the
# Dockerfile's JAVA_TOOL_OPTIONS with the AOT cache made as scripts/images makes it, the gateway
# chart's flags and default memory limit), against real nsqd and nsqlookupd and the Go pong
# (examples/go-pong) as the function already running behind /test/:
#   start      exec -> /healthz 200 and a routed request answered (median of RUNS), and the CPU
#              time the gateway had used by then;
#   64 conns   after a warm-up at 64 connections for WARMUP and 5 s more on new connections (the
#              JIT compilers' work, which would count as the requests' otherwise), wrk -t2 -c64
#              for DURATION: req/s, CPU per request of the gateway (its /proc time over the
#              requests), RSS after it and its peak; the CPU per request of the gateway's VM
#              thread (its garbage collections), of nsqd, of the Go pong and of the whole machine
#              (/proc/stat) as well, in a second table;
#   16 conns   the same at 16 connections, for the throughput.
# The same for other JVM options (VARIANTS). References of the same run: the Go pong's start
# (exec -> /healthz 200, as bench/function.sh) and the no-queue ceiling (PlainPongServer, as
# bench/gateway.sh) at 64 and 16 connections, and at 64 connections paced to the rate each
# variant served: the CPU per request of HTTP alone at the gateway's rate. The machine is shared:
# each row has the 1-minute load average when it started, and CPU time besides wall time. Prints
# RESULT lines and tables.
#
# Settings (environment): RUNS=5, WARMUP=20s, DURATION=10s, SKIP_BUILD=1 (reuse the jars),
# VARIANTS (below).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
. "$root/scripts/lib/jre.sh"
. "$root/scripts/lib/aot.sh"
build_http_bench
duration=${DURATION:-10s}
warmup=${WARMUP:-20s}
runs=${RUNS:-5}
hz=$(getconf CLK_TCK)

start_run gateway-footprint
lt=$(free_port); lh=$(free_port "$lt")
spawn lookupd "$bin/nsqlookupd" --tcp-address="127.0.0.1:$lt" --http-address="127.0.0.1:$lh" --broadcast-address=127.0.0.1
await lookupd http_ok "http://127.0.0.1:$lh/ping"
nt=$(free_port); nh=$(free_port "$nt")
start_nsqd "127.0.0.1:$nt" "127.0.0.1:$nh" --broadcast-address=127.0.0.1 --lookupd-tcp-address="127.0.0.1:$lt"
(cd examples/go-pong && go build -o "$tmp/go-pong" .)
# The function chart's environment for a function of topic test, on this nsqd and nsqlookupd.
function_env=(TOPIC=test NSQ_NSQD_ADDR=127.0.0.1 NSQ_NSQD_PORT="$nt" NSQ_LOOKUPD_ADDR=127.0.0.1 NSQ_LOOKUPD_PORT="$lh")

echo "== the gateway image: JRE, jars and JVM flags as scripts/images makes them"
# The image's JAVA_TOOL_OPTIONS, its files under $tmp/app instead of /app, and the gateway chart's
# default memory limit as -XX:MaxRAM (what the JVM sizes itself from in such a container).
aot::bench_image "$tmp" gateway/target/image/gateway.jar gateway/Dockerfile charts/gateway/values.yaml
echo "JAVA_TOOL_OPTIONS (gateway/Dockerfile): $image_flags"
echo "the gateway chart's default memory limit as $max_ram"

# VARIANTS: one per line, "name|extra JVM flags|cache", cache one of image, none and train
# (scripts/lib/aot.sh, aot::variants).
: "${VARIANTS:=image||image
no AOT cache||none
C1 only, one compiler thread (as pong)|-XX:TieredStopAtLevel=1 -XX:CICompilerCount=1|train
G1 (what the JVM picks from 2 GiB), no AOT cache|-XX:-UseSerialGC -XX:+UseG1GC|none
no native heap trim|-XX:TrimNativeHeapInterval=0|image
the young generation the JVM picks (2.6 MiB)|-XX:NewSize=2688k|image}"
declare -A variant_flags
train() { # name flags cache: trains the cache as scripts/images does, with these flags
  log "training an AOT cache for '$1'"
  aot::train gateway "$jre/bin/java" "$app/gateway.jar" "$3" "$2" "$bin" "$tmp/go-pong"
}
train image "$training_flags" "$app/$(basename "$cache")"
aot::variants "$tmp" "$image_flags" "$max_ram" train <<<"$VARIANTS" >"$tmp/variants"
while IFS='|' read -r name flags; do variant_flags[$name]=$flags; done <"$tmp/variants"

# The function behind /test/, running before any gateway starts.
hp=$(free_port)
spawn pong env -i "${function_env[@]}" HEALTHZ_ADDR="127.0.0.1:$hp" "$tmp/go-pong"
pong_pid=$!
await pong http_ok "http://127.0.0.1:$hp/healthz"
printf 'routes:\n  /test/: test\n' >"$tmp/routes.yaml"

load() { cut -d' ' -f1 /proc/loadavg; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
routed() { [ "$(curl -s "http://127.0.0.1:$1/test/hello")" = pong ]; }

# The gateway with a variant's flags as the chart runs it (and the HOSTNAME every container has);
# sets gp and the array cmd.
gateway_command() { # variant
  gp=$(free_port)
  cmd=(env -i PATH="$PATH" HOSTNAME=gateway-6b8f9c7d5-q4w2e JAVA_TOOL_OPTIONS="${variant_flags[$1]}"
    "$jre/bin/java" -jar "$app/gateway.jar" --listen-addr "127.0.0.1:$gp" --config "$tmp/routes.yaml"
    --lookupd-addr "127.0.0.1:$lh" --nsqd-addr "127.0.0.1:$nt" --nsqd-http-addr "127.0.0.1:$nh")
}
# Starts the gateway in the background; sets gp and gateway_pid.
start_variant() { # variant
  gateway_command "$1"
  spawn gateway "${cmd[@]}"
  gateway_pid=$!
}

# ms from exec to /healthz 200 and then a routed request answered pong, and the CPU time (user and
# system) the gateway had used by then: the work of starting, which a busy machine delays but does
# not change much (10 ms ticks). Timed by bench/start-time.py, which polls every millisecond from
# one process.
start_once() { # variant
  gateway_command "$1"
  python3 bench/start-time.py "http://127.0.0.1:$gp/healthz" --then "http://127.0.0.1:$gp/test/hello" \
    --expect pong --log "$tmp/gateway-start.log" -- "${cmd[@]}"
}

# The Go pong's start as bench/function.sh measures it: exec -> /healthz 200.
go_start_once() {
  local port
  port=$(free_port)
  python3 bench/start-time.py "http://127.0.0.1:$port/healthz" --log "$tmp/go-start.log" -- \
    env -i "${function_env[@]}" TOPIC=go-start HEALTHZ_ADDR="127.0.0.1:$port" "$tmp/go-pong"
}

# req/s of one wrk run of $duration, then the CPU per request (us) of each PID during it, then
# that of the whole machine (every CPU's busy time, /proc/stat).
load_run() { # url connections pid...
  local url=$1 conns=$2 report rps c0=() c1=() b0 b1 pid
  shift 2
  for pid in "$@"; do c0+=("$(proc_jiffies "$pid")"); done
  b0=$(machine_busy)
  report=$(wrk -t2 -c"$conns" -d"$duration" "$url" 2>&1)
  b1=$(machine_busy)
  for pid in "$@"; do c1+=("$(proc_jiffies "$pid")"); done
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$report")
  grep -q 'Non-2xx\|Socket errors' <<<"$report" && log "wrk at $conns connections to $url: $(grep 'Non-2xx\|Socket errors' <<<"$report")"
  awk -v rps="$rps" -v d="${duration%s}" -v hz="$hz" -v used="${c0[*]}|${c1[*]}|$b0|$b1" 'BEGIN {
    split(used, u, "|"); n = split(u[1], a, " "); split(u[2], b, " ")
    printf "%.0f", rps
    for (i = 1; i <= n; i++) printf " %.1f", (b[i] - a[i]) * 1e6 / hz / (rps * d)
    printf " %.1f\n", (u[4] - u[3]) * 1e6 / hz / (rps * d) }'
}
machine_busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; } # jiffies
# The JVM's VM thread, as a path under /proc like a PID's: with Serial GC the young collections run
# on it (and the few other safepoint operations), so its CPU is the garbage collector's share.
vm_thread() { # pid
  local t
  for t in /proc/"$1"/task/*; do
    if [ "$(cat "$t/comm")" = "VM Thread" ]; then
      echo "$1/task/${t##*/}"
      return
    fi
  done
  echo "no VM Thread in process $1" >&2
  return 1
}

# The no-queue ceiling at 64 connections paced to RATE: its req/s and CPU per request. The
# ceiling takes half as much again per request at the gateway's rate as at its own full speed, so
# this is what HTTP alone costs at the rate the gateway served.
ceiling_at() { # rate
  paced_cpu "http://127.0.0.1:$ceiling_port/" 64 "$1" "${spawned[plain]}"
}

# One row: name|start ms|CPU to ready ms|req/s 64|us/req 64|RSS MiB|peak RSS MiB|req/s 16|load|
# chain 64|chain 16|ceiling at the rate, a chain being the CPU per request (us) of the gateway, of
# its VM thread, nsqd, the Go pong and the whole machine, and the last the paced ceiling's req/s
# and us/req.
measure() { # variant
  local l starts start cpu rps64 us64 rss hwm rps16 vm chain64 chain16 at_rate
  l=$(load)
  starts=$(for _ in $(seq "$runs"); do start_once "$1"; done)
  start=$(cut -d' ' -f1 <<<"$starts" | median)
  cpu=$(cut -d' ' -f2 <<<"$starts" | median)
  start_variant "$1"
  await gateway routed "$gp"
  wrk -t2 -c64 -d"$warmup" "http://127.0.0.1:$gp/test/hello" >/dev/null
  # Then 5 s on new connections: C2 compiles the paths of connections closing and opening after the
  # first warm-up, which would count as the requests' work (6-8 us a request by its thread's CPU).
  wrk -t2 -c64 -d5s "http://127.0.0.1:$gp/test/hello" >/dev/null
  vm=$(vm_thread "$gateway_pid")
  read -r rps64 chain64 < <(load_run "http://127.0.0.1:$gp/test/hello" 64 "$gateway_pid" "$vm" "$nsqd_pid" "$pong_pid")
  us64=${chain64%% *}
  rss=$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$gateway_pid/status")
  hwm=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$gateway_pid/status")
  read -r rps16 chain16 < <(load_run "http://127.0.0.1:$gp/test/hello" 16 "$gateway_pid" "$vm" "$nsqd_pid" "$pong_pid")
  stop "$gateway_pid"
  at_rate=$(ceiling_at "$rps64")
  echo "$1|$start|$cpu|$rps64|$us64|$rss|$hwm|$rps16|$l|$chain64|$chain16|$at_rate"
}

echo "== references: the Go pong's start (median of $runs), the no-queue ceiling at 64 and 16 connections"
echo "   (and, after each variant, the ceiling paced to the variant's rate at 64)"
l=$(load)
go_starts=$(for _ in $(seq "$runs"); do go_start_once; done)
go_start=$(cut -d' ' -f1 <<<"$go_starts" | median)
go_cpu=$(cut -d' ' -f2 <<<"$go_starts" | median)
ceiling_port=$(free_port)
spawn plain java -XX:+UseSerialGC -cp "$cp" io.kubefuncs.bench.PlainPongServer "$ceiling_port"
await plain http_ok "http://127.0.0.1:$ceiling_port/"
wrk -t2 -c64 -d"$warmup" "http://127.0.0.1:$ceiling_port/" >/dev/null
read -r ceiling64 ceiling64_us _ < <(load_run "http://127.0.0.1:$ceiling_port/" 64 "${spawned[plain]}")
read -r ceiling16 ceiling16_us _ < <(load_run "http://127.0.0.1:$ceiling_port/" 16 "${spawned[plain]}")
emit go_pong_start "$go_start" "ms ($go_cpu ms CPU, load $l; reference)"
emit ceiling_64_rps "$ceiling64" "req/s (reference; its CPU per request $ceiling64_us us)"
emit ceiling_16_rps "$ceiling16" "req/s (reference; its CPU per request $ceiling16_us us)"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
# A chain (measure) as a RESULT line, and as a row of the second table.
emit_chain() { # connections key chain
  local g v n p m
  read -r g v n p m <<<"$3"
  emit "machine_cpu_per_request_$1_us[$2]" "$m" "us (gateway $g, of which its VM thread $v, nsqd $n, Go pong $p, the rest wrk and the kernel)"
}
chain_row() { # name connections chain
  local g v n p m
  read -r g v n p m <<<"$3"
  printf '| %s | %s | %s µs | %s µs | %s µs | %s µs | %s µs |\n' "$1" "$2" "$g" "$v" "$n" "$p" "$m"
}
rows=()
while IFS='|' read -r name _ _; do
  [ -n "$name" ] || continue
  echo "-- $name: JAVA_TOOL_OPTIONS=${variant_flags[$name]}"
  row=$(measure "$name")
  IFS='|' read -r _ start cpu rps64 us64 rss hwm rps16 l chain64 chain16 at_rate <<<"$row"
  read -r at_rps at_us <<<"$at_rate"
  key=$(tr -c 'a-zA-Z0-9\n' _ <<<"$name" | tr 'A-Z' 'a-z')
  emit "start_ms[$key]" "$start" "ms ($(ratio "$start" "$go_start")x the Go pong's; $cpu ms CPU; issue 15: at most 300 ms)"
  emit "rss_after_64_mib[$key]" "$rss" "MiB (peak $hwm MiB; issue 15: at most 96 MiB)"
  emit "cpu_per_request_64_us[$key]" "$us64" "us ($(ratio "$us64" "$at_us")x the ceiling's at its rate, $(ratio "$us64" "$ceiling64_us")x at full speed; issue 15: at most 12 us)"
  emit "ceiling_at_rate_us[$key]" "$at_us" "us (the ceiling paced to $at_rps req/s, $(ratio "$at_rps" "$rps64")x the gateway's rate)"
  emit "rps_64[$key]" "$rps64" "req/s ($(ratio "$rps64" "$ceiling64")x the ceiling)"
  emit "rps_16[$key]" "$rps16" "req/s ($(ratio "$rps16" "$ceiling16")x the ceiling)"
  emit_chain 64 "$key" "$chain64"
  emit_chain 16 "$key" "$chain16"
  rows+=("$row")
done <<<"$VARIANTS"

echo
echo "| JVM options (gateway image, $limit memory) | start (exec -> routed answer) | / Go pong | CPU to ready | RSS after 64 conns (peak) | gateway CPU per request at 64 (/ the ceiling's at that rate: its µs, req/s) | req/s at 64 (/ ceiling) | req/s at 16 (/ ceiling) | load average |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for row in "${rows[@]}"; do
  IFS='|' read -r name start cpu rps64 us64 rss hwm rps16 l _ _ at_rate <<<"$row"
  read -r at_rps at_us <<<"$at_rate"
  printf '| %s | %s ms | %sx | %s ms | %s MiB (%s) | %s µs (%sx: %s µs, %s req/s) | %s (%sx) | %s (%sx) | %s |\n' \
    "$name" "$start" "$(ratio "$start" "$go_start")" "$cpu" "$rss" "$hwm" "$us64" "$(ratio "$us64" "$at_us")" \
    "$at_us" "$at_rps" "$rps64" "$(ratio "$rps64" "$ceiling64")" "$rps16" "$(ratio "$rps16" "$ceiling16")" "$l"
done
printf '| Go pong start; no-queue ceiling (the references) | %s ms | 1.0x | %s ms | | %s µs | %s | %s | |\n' \
  "$go_start" "$go_cpu" "$ceiling64_us" "$ceiling64" "$ceiling16"

# Where a request's CPU goes: the two cores are busy at both loads, so the throughput at a load is
# about the machine's CPU over what a request costs all the processes it passes through.
echo
echo "| JVM options | connections | CPU per request: gateway | of which its VM thread (GC) | nsqd | Go pong | whole machine |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for row in "${rows[@]}"; do
  IFS='|' read -r name _ _ _ _ _ _ _ _ chain64 chain16 _ <<<"$row"
  chain_row "$name" 64 "$chain64"
  chain_row "$name" 16 "$chain16"
done
