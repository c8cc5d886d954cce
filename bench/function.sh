#!/usr/bin/env bash
# Function SDK figures against one real nsqd and nsqlookupd: SDK overhead vs the raw consumer;
# then the pong function as its image runs it (the JRE scripts/images links for it, its jars, the
# Dockerfile's JAVA_TOOL_OPTIONS with the AOT cache made as scripts/images makes it, the function
# chart's environment and default memory limit): cold start (exec -> /healthz 200), the first
# answer right after, RSS after 10,000 calls at 64 outstanding and the CPU each call took; the same
# for other JVM options (VARIANTS), and for the Go pong (examples/go-pong) as the reference of the
# same run. Prints RESULT lines and a table.
set -euo pipefail
# A failure inside $(...) (a start that never answered) ends the run instead of leaving a blank.
shopt -s inherit_errexit
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/jdk.sh"
. "$root/scripts/lib/jre.sh"
. "$root/scripts/lib/aot.sh"
"$root/scripts/install-nsq"
cd "$root"
# SKIP_BUILD=1 reuses the jars of an earlier build.
[ "${SKIP_BUILD:-0}" = 1 ] || ./mvnw -B -ntp -q -pl bench,examples/pong -am package -DskipTests

work=$(mktemp -d /tmp/function-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { ports::free 1; }
read -r tcp http lookupd_tcp lookupd_http < <(ports::free 4)
.tools/nsq/bin/nsqlookupd --tcp-address=127.0.0.1:$lookupd_tcp --http-address=127.0.0.1:$lookupd_http \
  --log-level=warn > "$work/nsqlookupd.log" 2>&1 &
pids+=($!)
.tools/nsq/bin/nsqd --tcp-address=127.0.0.1:$tcp --http-address=127.0.0.1:$http --data-path="$work" \
  --broadcast-address=127.0.0.1 --lookupd-tcp-address=127.0.0.1:$lookupd_tcp \
  --mem-queue-size=1000000 --log-level=warn > "$work/nsqd.log" 2>&1 &
pids+=($!)
until curl -sf "http://127.0.0.1:$http/ping" >/dev/null; do sleep 0.05; done
bench_cp="bench/target/kubefuncs-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*"

echo "== SDK overhead (no-op handler vs raw consumer, ${MESSAGES:=200000} events each, same nsqd)"
java -Xms512m -Xmx512m -cp "$bench_cp" io.kubefuncs.bench.FunctionBench overhead --nsqd 127.0.0.1:$tcp --messages "$MESSAGES"


echo "== the pong image: JRE, jars and JVM flags as scripts/images makes them"
# The image's JAVA_TOOL_OPTIONS, its files under $work/app instead of /app, and the flags of its
# AOT cache's training run, which add the function chart's default memory limit as -XX:MaxRAM: in
# a container the JVM sizes itself from the limit (heap ceiling = MaxRAMPercentage of it).
aot::bench_image "$work" examples/pong/target/image/pong.jar examples/pong/Dockerfile charts/function/values.yaml
echo "JAVA_TOOL_OPTIONS (examples/pong/Dockerfile): $image_flags"
echo "the function chart's default memory limit as $max_ram"

# The function chart's environment for a function, on this nsqd and nsqlookupd, and the HOSTNAME
# every container has (the pod's name).
chart_env() { # topic health_port
  echo PATH="$PATH" LANG=C.UTF-8 HOSTNAME=pong-5d9c7b6f4-x2x1z TOPIC="$1" CHANNEL=default \
    NSQ_NSQD_ADDR=127.0.0.1 NSQ_NSQD_PORT="$tcp" NSQ_LOOKUPD_ADDR=127.0.0.1 NSQ_LOOKUPD_PORT="$lookupd_http" \
    HEALTHZ_ADDR="127.0.0.1:$2" KUBEFUNCS_MAX_MESSAGE_SIZE=1048576
}
# A function (a variant's name, or go) as the chart would run it; sets the array cmd.
function_command() { # variant topic health_port
  # shellcheck disable=SC2207 # chart_env's words are NAME=value
  cmd=(env -i $(chart_env "$2" "$3"))
  if [ "$1" = go ]; then
    cmd+=("$work/go-pong")
  else
    cmd+=(JAVA_TOOL_OPTIONS="${variant_flags[$1]}" "$jre/bin/java" -jar "$app/pong.jar")
  fi
}
# Starts a function in the background; sets $fn.
start_function() { # variant topic health_port
  function_command "$@"
  "${cmd[@]}" > "$work/function.log" 2>&1 &
  fn=$!
}
healthy() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/healthz")" = 200 ]; }
stop_function() { kill -TERM "$fn"; wait "$fn" || true; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
load() { cut -d' ' -f1 /proc/loadavg; }

# A topic of its own for each measurement: NSQ takes names of at most 64 characters (the reply
# topic adds 6), so a variant's name is cut and told apart from others by its checksum.
topic_of() { # kind variant [run]
  local name=${2//[^a-zA-Z0-9]/-}
  echo "$1${3:+-$3}-${name:0:24}-$(cksum <<<"$2" | cut -d' ' -f1)"
}

# ms from exec to /healthz 200, and the CPU time (user and system) the function had used by then:
# the work of starting, which a busy machine delays but does not change (10 ms ticks). Then the
# first event after ready, as a pod gets it once its readiness probe passed: ms from publishing it
# (an HTTPRequest, as the gateway sends it) to its answer on the return topic. Timed by
# bench/start-time.py, which polls every millisecond from one process.
cold_start() { # variant run
  local hp topic
  topic=$(topic_of start "$1" "$2")
  hp=$(free_port)
  aot::events 1 "$topic" | tail -c +9 >"$work/event" # without /mpub's count and size
  function_command "$1" "$topic" "$hp"
  python3 bench/start-time.py "http://127.0.0.1:$hp/healthz" --log "$work/function.log" \
    --publish "127.0.0.1:$http" "$topic" "$work/event" "$topic-reply" -- "${cmd[@]}"
}

# A call waits in nsqd (its topic has no channel yet) before the function starts: ms from exec to
# the caller printing the answer's arrival (not to its exit, which is the caller's JVM teardown).
first_answer() { # variant run
  local topic hp caller start end
  topic=$(topic_of first "$1" "$2")
  hp=$(free_port)
  java -cp "$bench_cp" io.kubefuncs.bench.FunctionBench calls --nsqd "127.0.0.1:$tcp" --topic "$topic" --count 1 \
    > "$work/caller.out" 2> "$work/caller.log" &
  caller=$!
  until curl -s "http://127.0.0.1:$http/stats?format=json&topic=$topic" | grep -q '"depth":1'; do sleep 0.01; done
  start=$(date +%s%N)
  start_function "$1" "$topic" "$hp"
  until grep -q '^RESULT calls' "$work/caller.out"; do sleep 0.002; done
  end=$(date +%s%N)
  wait "$caller"
  stop_function
  echo $(((end - start) / 1000000))
}

# The function's CPU time (user and system) in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
# RSS (MiB) after 10,000 calls at 64 outstanding, and the function's CPU per call (µs) during them:
# a setting that takes memory off may put CPU on.
rss_after_calls() { # variant
  local hp topic rss before after
  topic=$(topic_of rss "$1")
  hp=$(free_port)
  start_function "$1" "$topic" "$hp"
  until healthy "$hp"; do sleep 0.01; done
  before=$(cpu_ticks "$fn")
  java -cp "$bench_cp" io.kubefuncs.bench.FunctionBench calls --nsqd "127.0.0.1:$tcp" --topic "$topic" --count 10000 \
    2> "$work/caller.log" | sed -n 's/^RESULT call_rate /  call rate: /p' >&2
  after=$(cpu_ticks "$fn")
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$fn/status")
  stop_function
  awk -v kib="$rss" -v ticks=$((after - before)) -v hz="$hz" \
    'BEGIN {printf "%.1f|%.0f\n", kib / 1024, ticks * 1e6 / hz / 10000}'
}

# VARIANTS: one per line, "name|extra JVM flags|cache", cache one of image, none and train
# (scripts/lib/aot.sh, aot::variants).
: "${VARIANTS:=image||image
no AOT cache||none
C2 as well (default tiered compilation)|-XX:TieredStopAtLevel=4 -XX:CICompilerCount=2|train
Netty unpooled buffers|-Dio.netty.allocator.type=unpooled|image
compact object headers (JEP 519)|-XX:+UseCompactObjectHeaders|train}"
declare -A variant_flags
train() { # name flags cache: trains the cache as scripts/images does, with these flags
  echo "  training an AOT cache for '$1'" >&2
  aot::train function "$jre/bin/java" "$app/pong.jar" "$3" "$2" "$root/.tools/nsq/bin"
}
train image "$training_flags" "$app/$(basename "$cache")"
aot::variants "$work" "$image_flags" "$max_ram" train <<<"$VARIANTS" >"$work/variants"
while IFS='|' read -r name flags; do variant_flags[$name]=$flags; done <"$work/variants"

(cd examples/go-pong && go build -o "$work/go-pong" .)
echo "== cold start (exec -> /healthz 200, median of ${RUNS:=5}) and the answer to the first event after it, first answer (exec -> answer to a waiting call, median of 3), RSS after 10,000 calls, the function's CPU per call during them"
rows=()
measure() { # variant
  local runs cold cpu after first rss l
  l=$(load)
  runs=$(for i in $(seq "$RUNS"); do cold_start "$1" "$i"; done)
  cold=$(cut -d' ' -f1 <<<"$runs" | median)
  cpu=$(cut -d' ' -f2 <<<"$runs" | median)
  after=$(cut -d' ' -f3 <<<"$runs" | median)
  first=$(for i in 1 2 3; do first_answer "$1" "$i"; done | median)
  rss=$(rss_after_calls "$1")
  echo "$1|$cold|$cpu|$after|$first|$rss|$l"
}
go_row=$(measure go)
IFS='|' read -r _ go_cold go_cpu go_after go_first go_rss go_call _ <<<"$go_row"
echo "RESULT cold_start_go_ms $go_cold ms, $go_cpu ms CPU (reference)"
echo "RESULT answer_after_ready_go_ms $go_after ms (reference)"
echo "RESULT rss_after_10k_calls_go_mib $go_rss MiB (reference)"
echo "RESULT cpu_per_call_go_us $go_call us (reference)"
while IFS='|' read -r name _ _; do
  [ -n "$name" ] || continue
  echo "-- $name: JAVA_TOOL_OPTIONS=${variant_flags[$name]}"
  row=$(measure "$name")
  IFS='|' read -r _ cold cpu after first rss call l <<<"$row"
  key=$(tr -c 'a-zA-Z0-9\n' _ <<<"$name" | tr 'A-Z' 'a-z')
  echo "RESULT cold_start_ms[$key] $cold ms ($(awk -v a="$cold" -v b="$go_cold" 'BEGIN {printf "%.1f", a / b}')x the Go pong's; issue 15: at most 200 ms)"
  echo "RESULT cold_start_cpu_ms[$key] $cpu ms"
  echo "RESULT answer_after_ready_ms[$key] $after ms ($(awk -v a="$after" -v b="$go_after" 'BEGIN {printf "%.1f", a / b}')x the Go pong's)"
  echo "RESULT first_answer_ms[$key] $first ms"
  echo "RESULT rss_after_10k_calls_mib[$key] $rss MiB ($(awk -v a="$rss" -v b="$go_rss" 'BEGIN {printf "%.1f", a / b}')x the Go pong's; issue 15: at most 64 MiB)"
  echo "RESULT cpu_per_call_us[$key] $call us ($(awk -v a="$call" -v b="$go_call" 'BEGIN {printf "%.1f", a / b}')x the Go pong's)"
  rows+=("$row")
done <<<"$VARIANTS"

echo
echo "| JVM options (pong image, $limit memory) | cold start | / Go | CPU to ready | first event after ready | / Go | first answer | RSS after 10,000 calls | / Go | CPU per call | / Go | load average |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for row in "${rows[@]}" "$go_row"; do
  IFS='|' read -r name cold cpu after first rss call l <<<"$row"
  [ "$name" != go ] || name="Go pong (the reference)"
  printf '| %s | %s ms | %sx | %s ms | %s ms | %sx | %s ms | %s MiB | %sx | %s µs | %sx | %s |\n' "$name" "$cold" \
    "$(awk -v a="$cold" -v b="$go_cold" 'BEGIN {printf "%.1f", a / b}')" "$cpu" "$after" \
    "$(awk -v a="$after" -v b="$go_after" 'BEGIN {printf "%.1f", a / b}')" "$first" "$rss" \
    "$(awk -v a="$rss" -v b="$go_rss" 'BEGIN {printf "%.1f", a / b}')" "$call" \
    "$(awk -v a="$call" -v b="$go_call" 'BEGIN {printf "%.1f", a / b}')" "$l"
done
