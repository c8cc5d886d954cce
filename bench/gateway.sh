#!/usr/bin/env bash
# Gateway throughput and latency with wrk (apt-get install wrk): real nsqd + nsqlookupd, the
# gateway, and PONGS (default 2) Java pong functions; 10 s at 16, 64 and 256 connections. In the
# same run, the ceiling: the same Netty HTTP stack answering "pong" itself, with no queue.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/jdk.sh"
"$root/scripts/install-nsq"
command -v wrk >/dev/null || { echo "gateway.sh needs wrk: apt-get install wrk" >&2; exit 1; }
cd "$root"
./mvnw -B -ntp -q -pl bench,gateway,examples/pong -am package -DskipTests
duration=${DURATION:-10s}
pongs=${PONGS:-2}

work=$(mktemp -d /tmp/gateway-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ok() { until [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ]; do sleep 0.02; done; }

lt=$(free_port); lh=$(free_port); nt=$(free_port); nh=$(free_port)
.tools/nsq/bin/nsqlookupd --tcp-address=127.0.0.1:$lt --http-address=127.0.0.1:$lh --broadcast-address=127.0.0.1 > "$work/lookupd.log" 2>&1 &
pids+=($!); lookupd_pid=$!
wait_ok "http://127.0.0.1:$lh/ping"
.tools/nsq/bin/nsqd --tcp-address=127.0.0.1:$nt --http-address=127.0.0.1:$nh --broadcast-address=127.0.0.1 \
  --lookupd-tcp-address=127.0.0.1:$lt --data-path="$work" --log-level=warn > "$work/nsqd.log" 2>&1 &
pids+=($!); nsqd_pid=$!
wait_ok "http://127.0.0.1:$nh/ping"
curl -s -X POST "http://127.0.0.1:$nh/topic/create?topic=test" > /dev/null

pong_pids=()
for i in $(seq 1 "$pongs"); do
  hp=$(free_port)
  TOPIC=test NSQ_NSQD_PORT=$nt NSQ_LOOKUPD_ADDR=127.0.0.1 NSQ_LOOKUPD_PORT=$lh HEALTHZ_ADDR=127.0.0.1:$hp \
    KUBEFUNCS_MAX_IN_FLIGHT=256 java -XX:+UseSerialGC -jar examples/pong/target/pong.jar > "$work/pong$i.log" 2>&1 &
  pids+=($!); pong_pids+=($!)
  wait_ok "http://127.0.0.1:$hp/healthz"
done
gp=$(free_port)
printf 'routes:\n  /test/: test\n' > "$work/routes.yaml"
java -jar gateway/target/gateway.jar --listen-addr 127.0.0.1:$gp --config "$work/routes.yaml" \
  --nsqd-addr 127.0.0.1:$nt --lookupd-addr 127.0.0.1:$lh > "$work/gateway.log" 2>&1 &
pids+=($!); gateway_pid=$!
wait_ok "http://127.0.0.1:$gp/healthz"
answer=$(curl -s "http://127.0.0.1:$gp/test/hello")
[ "$answer" = pong ] || { echo "gateway answered \"$answer\", not pong; its log:" >&2; cat "$work/gateway.log" >&2; exit 1; }
cp_=$(free_port)
java -cp "bench/target/kubefuncs-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" io.kubefuncs.bench.PlainPongServer $cp_ > "$work/plain.log" 2>&1 &
pids+=($!)
until curl -s -o /dev/null "http://127.0.0.1:$cp_/"; do sleep 0.02; done

run() { # name url connections [wrk options]
  local out
  out=$(wrk -t2 -c"$3" -d"$duration" --latency "${@:4}" "$2" 2>&1)
  local p50 p99 non2xx
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  errors=$(echo "$out" | awk '/Socket errors/ {print $0}')
  printf '%-8s c=%-4s %10s req/s  p50 %-9s p99 %-9s non-2xx %s %s\n' "$1" "$3" "$rps" "$p50" "$p99" "${non2xx:-0}" "$errors"
}
# CPU time (utime + stime, in clock ticks) of processes, and of the whole machine.
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $t; }
busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
hz=$(getconf CLK_TCK)
# Where the CPU goes during one gateway run: microseconds of CPU per request, per process.
profile() { # url connections
  local g0 n0 p0 l0 b0 out rps
  g0=$(ticks $gateway_pid); n0=$(ticks $nsqd_pid); p0=$(ticks "${pong_pids[@]}"); l0=$(ticks $lookupd_pid); b0=$(busy)
  out=$(wrk -t2 -c"$2" -d"$duration" "$1" 2>&1)
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  local g n p l b
  g=$(( $(ticks $gateway_pid) - g0 )); n=$(( $(ticks $nsqd_pid) - n0 )); p=$(( $(ticks "${pong_pids[@]}") - p0 ))
  l=$(( $(ticks $lookupd_pid) - l0 )); b=$(( $(busy) - b0 ))
  awk -v rps="$rps" -v d="${duration%s}" -v hz="$hz" -v g="$g" -v n="$n" -v p="$p" -v l="$l" -v b="$b" 'BEGIN {
    reqs = rps * d; us = 1e6 / hz / reqs
    printf "c=%s %.0f req/s; CPU per request: gateway %.1f us, nsqd %.1f us, pong functions %.1f us, lookupd %.1f us, wrk and the rest %.1f us; total %.1f us of %.0f us available (2 cores)\n",
      ENVIRON["C"], rps, g*us, n*us, p*us, l*us, (b-g-n-p-l)*us, b*us, 2e6/rps }'
}
echo "== warm-up (not reported)"
wrk -t2 -c64 -d5s "http://127.0.0.1:$gp/test/hello" > /dev/null
wrk -t2 -c64 -d5s "http://127.0.0.1:$cp_/" > /dev/null
echo "== $pongs pong function(s), gateway -> nsqd -> pong -> gateway; ceiling = same Netty HTTP stack, no queue"
peak=0
for c in 16 64 256; do
  run gateway "http://127.0.0.1:$gp/test/hello" $c
  peak=$(awk -v a="$peak" -v b="$rps" 'BEGIN {print (b > a ? b : a)}')
  run ceiling "http://127.0.0.1:$cp_/" $c
done
# wrk is closed-loop: to see latency at half of peak rather than at saturation, each of 64
# connections waits between requests so that together they offer about half the peak rate.
echo "== latency at about half of the gateway's peak ($peak req/s), 64 paced connections"
delay_ms=$(awk -v p="$peak" 'BEGIN {printf "%.3f", 64 * 1000 / (p / 2)}')
printf 'function delay() return %s end\n' "$delay_ms" > "$work/pace.lua"
run gateway "http://127.0.0.1:$gp/test/hello" 64 -s "$work/pace.lua"
echo "== CPU per request by process, gateway at 64 connections"
C=64 profile "http://127.0.0.1:$gp/test/hello" 64
