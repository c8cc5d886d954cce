#!/usr/bin/env bash
# Function SDK figures against one real nsqd: SDK overhead vs the raw consumer, cold start of
# the pong function (exec -> /healthz 200), with and without an AppCDS archive, and of the Go
# pong (examples/go-pong) against the Java one in the same run, and the Java pong's RSS
# after 10,000 calls with the Dockerfile's JVM flags. Prints RESULT lines and a summary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/jdk.sh"
"$root/scripts/install-nsq"
cd "$root"
./mvnw -B -ntp -q -pl bench,examples/pong -am package -DskipTests

work=$(mktemp -d /tmp/function-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tcp=$(free_port); http=$(free_port)
.tools/nsq/bin/nsqd --tcp-address=127.0.0.1:$tcp --http-address=127.0.0.1:$http --data-path="$work" \
  --mem-queue-size=1000000 --log-level=warn > "$work/nsqd.log" 2>&1 &
pids+=($!)
until curl -sf "http://127.0.0.1:$http/ping" >/dev/null; do sleep 0.05; done
bench_cp="bench/target/kubefuncs-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*"
flags="-XX:-UsePerfData -XX:+UseSerialGC -Xss512k -XX:MaxRAMPercentage=50 -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1"

echo "== SDK overhead (no-op handler vs raw consumer, ${MESSAGES:=200000} events each, same nsqd)"
java -Xms512m -Xmx512m -cp "$bench_cp" io.kubefuncs.bench.FunctionBench overhead --nsqd 127.0.0.1:$tcp --messages "$MESSAGES"

cold_start() { # command...; prints ms from exec to /healthz 200
  local hp; hp=$(free_port)
  local start end
  start=$(date +%s%N)
  TOPIC=pong NSQ_NSQD_PORT=$tcp HEALTHZ_ADDR=127.0.0.1:$hp "$@" > "$work/pong.log" 2>&1 &
  local pid=$!
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$hp/healthz")" = 200 ]; do sleep 0.005; done
  end=$(date +%s%N)
  kill -TERM $pid; wait $pid || true
  echo $(( (end - start) / 1000000 ))
}
java_pong() { exec java $flags "$@" -jar examples/pong/target/pong.jar; } # extra JVM flags; exec: cold_start stops it by PID
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "== cold start of pong (exec -> /healthz 200), 5 runs each, median"
plain=$(for i in 1 2 3 4 5; do cold_start java_pong; done | median)
echo "RESULT cold_start_ms $plain ms"
cold_start java_pong -XX:ArchiveClassesAtExit="$work/pong.jsa" > /dev/null
cds=$(for i in 1 2 3 4 5; do cold_start java_pong -XX:SharedArchiveFile="$work/pong.jsa"; done | median)
echo "RESULT cold_start_appcds_ms $cds ms"
(cd examples/go-pong && go build -o "$work/go-pong" .)
go=$(for i in 1 2 3 4 5; do cold_start "$work/go-pong"; done | median)
echo "RESULT cold_start_go_ms $go ms (issue 15: at most 40 ms)"
echo "RESULT cold_start_go_vs_java $(awk -v g="$go" -v j="$plain" 'BEGIN {printf "%.3f", g / j}') x"

echo "== RSS of pong after 10,000 calls (Dockerfile flags, no container memory limit: heap ceiling from host RAM)"
hp=$(free_port)
TOPIC=pong NSQ_NSQD_PORT=$tcp HEALTHZ_ADDR=127.0.0.1:$hp java $flags -jar examples/pong/target/pong.jar > "$work/pong.log" 2>&1 &
pong=$!
pids+=($pong)
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$hp/healthz")" = 200 ]; do sleep 0.01; done
java -cp "$bench_cp" io.kubefuncs.bench.FunctionBench calls --nsqd 127.0.0.1:$tcp --topic pong --count 10000
rss=$(awk '/VmRSS/ {print $2}' /proc/$pong/status)
echo "RESULT pong_rss_after_10k_calls_mib $((rss / 1024)) MiB"
hp2=$(free_port)
TOPIC=pong2 NSQ_NSQD_PORT=$tcp HEALTHZ_ADDR=127.0.0.1:$hp2 java $flags -Xmx64m -jar examples/pong/target/pong.jar > "$work/pong2.log" 2>&1 &
pong2=$!
pids+=($pong2)
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$hp2/healthz")" = 200 ]; do sleep 0.01; done
java -cp "$bench_cp" io.kubefuncs.bench.FunctionBench calls --nsqd 127.0.0.1:$tcp --topic pong2 --count 10000 > /dev/null
rss2=$(awk '/VmRSS/ {print $2}' /proc/$pong2/status)
echo "RESULT pong_rss_after_10k_calls_xmx64m_mib $((rss2 / 1024)) MiB"
