#!/usr/bin/env bash
# Call latency through the gateway, Java pong against Go pong, one after the other behind the same
# gateway and nsqd: sequential requests (wrk, 1 connection: each request waits for the previous
# answer) for p50/p99, then 64 connections for throughput. Prints the Go/Java ratios.
#
# Settings (environment): DURATION=10s (each wrk run), SKIP_BUILD=1 (reuse the jars of an earlier
# build), GO_PONG=path (a go-pong binary to run instead of building examples/go-pong, e.g. an
# older build to compare with), MAX_IN_FLIGHT=256 (both functions' KUBEFUNCS_MAX_IN_FLIGHT).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
build_http_bench
duration=${DURATION:-10s}
max_in_flight=${MAX_IN_FLIGHT:-256}

start_run call-latency
go_pong=${GO_PONG:-$tmp/go-pong}
[ -n "${GO_PONG:-}" ] || (cd examples/go-pong && go build -o "$go_pong" .)
nt=$(free_port); nh=$(free_port "$nt")
start_nsqd "127.0.0.1:$nt" "127.0.0.1:$nh"
api "127.0.0.1:$nh" "topic/create?topic=test"
start_gateway "$nt"

measure() { # language: the pong function on topic test now
  local url="http://127.0.0.1:$gp/test/hello"
  [ "$(curl -s "$url")" = pong ] || { log "$1 pong did not answer pong through the gateway"; exit 1; }
  wrk -t1 -c8 -d5s "$url" >/dev/null # warm-up (the JVMs compile), not reported
  wrk_run "$1 seq" "$url" 1 -t1
  emit "seq_${1}_p50_ms" "$p50_ms" ms
  emit "seq_${1}_p99_ms" "$p99_ms" ms
  wrk_run "$1" "$url" 64
  emit "c64_${1}_rps" "$rps" req/s
}

echo "== sequential requests (1 connection), then 64 connections: gateway -> nsqd -> pong -> gateway"
start_pong java "$nt" KUBEFUNCS_MAX_IN_FLIGHT="$max_in_flight"
measure java
stop "${spawned[java]}"
hp=$(free_port)
spawn go env TOPIC=test NSQ_NSQD_PORT="$nt" HEALTHZ_ADDR="127.0.0.1:$hp" KUBEFUNCS_MAX_IN_FLIGHT="$max_in_flight" "$go_pong"
await go http_ok "http://127.0.0.1:$hp/healthz"
measure go

ratio() { awk -v a="$(value "$1")" -v b="$(value "$2")" 'BEGIN {printf "%.2f", a / b}'; }
emit seq_p50_go_over_java "$(ratio seq_go_p50_ms seq_java_p50_ms)" x
emit seq_p99_go_over_java "$(ratio seq_go_p99_ms seq_java_p99_ms)" x
emit c64_rps_go_over_java "$(ratio c64_go_rps c64_java_rps)" x
