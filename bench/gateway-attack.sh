#!/usr/bin/env bash
# The gateway's latency for normal clients while hostile ones attack it (issue 12): the same paced
# wrk load (RATE requests/s over 32 connections, for DURATION) through the gateway to a pong
# function, first alone, then while GatewayAttacker holds PER_KIND connections of each kind open:
# slowloris, idle keep-alive, pipeliners that never read, slow bodies. The gateway runs with its
# default limits and timeouts. Prints both runs and the ratio of their p99s; the goal is at most
# 2x, with no failed normal request.
#
# The attacker's connections come from ATTACKER_ADDR=127.0.0.2, another address than the normal
# load's 127.0.0.1, as an attacker is another host: the gateway's abuse cooldown refuses new
# connections from the address of a client that pipelines without reading, and ATTACKER_ADDR=127.0.0.1
# shows what that costs normal clients behind the same address (one NAT).
#
# Settings (environment): DURATION=20s, RATE=1000, PER_KIND=200, KINDS=slowloris,idle,never-read,slow-body
# (which attacks; one at a time tells which costs what), ATTACKER_ADDR, SKIP_BUILD=1 (reuse the
# jars), BASELINE=<checkout> (run the gateway of another build, its gateway/target/gateway.jar, to
# compare with it; the attacker, wrk and pong stay this build's), GATEWAY_FLAGS (more gateway
# flags, such as "--abuse-cooldown 0s"), GATEWAY_JAVA_OPTIONS (the gateway's JAVA_TOOL_OPTIONS,
# such as the image's with -XX:MaxRAM=512m, its chart's memory limit).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
build_http_bench
duration=${DURATION:-20s}
rate=${RATE:-1000}
per_kind=${PER_KIND:-200}
kinds=${KINDS:-slowloris,idle,never-read,slow-body}
attacker_addr=${ATTACKER_ADDR:-127.0.0.2}
if [ -n "${BASELINE:-}" ]; then
  gateway_jar="$BASELINE/gateway/target/gateway.jar"
fi
if [ -n "${GATEWAY_JAVA_OPTIONS:-}" ]; then
  gateway_env=(JAVA_TOOL_OPTIONS="$GATEWAY_JAVA_OPTIONS")
fi

start_run gateway-attack
nt=$(free_port); nh=$(free_port "$nt")
start_nsqd "127.0.0.1:$nt" "127.0.0.1:$nh" --broadcast-address=127.0.0.1
api "127.0.0.1:$nh" "topic/create?topic=test"
start_pong pong "$nt"
# shellcheck disable=SC2086 # GATEWAY_FLAGS are words
start_gateway "$nt" --nsqd-http-addr "127.0.0.1:$nh" ${GATEWAY_FLAGS:-}

url="http://127.0.0.1:$gp/test/hello"
write_pace "$tmp/pace.lua" 32 "$rate"
echo "== warm-up (not reported)"
wrk -t2 -c32 -d5s "$url" > /dev/null

echo "== normal load alone: about $rate req/s over 32 connections for $duration"
wrk_run alone "$url" 32 -s "$tmp/pace.lua"
alone_p99=$p99_ms alone_failed=$((non2xx + errors))

echo "== the same load while $per_kind connections of each hostile kind attack ($kinds) from $attacker_addr"
seconds=${duration%s}
spawn attacker java -cp "$cp" io.kubefuncs.bench.GatewayAttacker "$gp" $((seconds + 10)) "$per_kind" "$kinds" "$attacker_addr"
attacker_pid=$!
sleep 5 # the attack builds up before the measured run; it is the load, not a synchronisation
wrk_run attacked "$url" 32 -s "$tmp/pace.lua"
attacked_p99=$p99_ms attacked_failed=$((non2xx + errors))
wait "$attacker_pid" || true
cat "$tmp/attacker.log"

emit alone_p99 "$alone_p99" ms
emit attacked_p99 "$attacked_p99" ms
emit p99_ratio "$(awk -v a="$attacked_p99" -v b="$alone_p99" 'BEGIN {printf "%.2f", a / b}')" x
emit failed_alone "$alone_failed" requests
emit failed_attacked "$attacked_failed" requests
curl -s "http://127.0.0.1:$gp/metrics" | grep '^kubefuncs_gateway_connections_closed_total' || true
emit gateway_peak_rss "$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$gateway_pid/status")" MiB
echo "p99 under attack / alone: $(value p99_ratio)x (goal <= 2x); failed normal requests: $attacked_failed under attack, $alone_failed alone (goal 0)"
