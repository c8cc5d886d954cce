# shellcheck shell=bash
# Sourced by the benchmark scripts (nsq-client.sh, devbroker.sh, gateway.sh) for what they share.
# Expects `set -euo pipefail` and $root (the repository) from the script. Sourcing only defines
# functions and variables; nothing starts until the script calls build, start_run and so on.

bin="${root:?}/.tools/nsq/bin"
out="$root/bench/target"
cp="$out/kubefuncs-bench-0.1.0-SNAPSHOT.jar:$out/lib/*"
cpus=$(nproc)
# shellcheck disable=SC2034 # for the scripts' "(took N s)"
started_at=$(date +%s)

# The script's name as the prefix, so that interleaved output from several scripts can be told apart.
log() { echo "[${0##*/}] $*" >&2; }

# ---- build ----

# The JDK and nsqd are needed even with SKIP_BUILD=1, which only reuses the jars an earlier build
# left in the modules' target folders (so that a run does not compete with other builds).
build() { # maven modules, as for -pl
  # shellcheck source=scripts/jdk.sh
  . "$root/scripts/jdk.sh"
  "$root/scripts/install-nsq"
  if [ "${SKIP_BUILD:-0}" = 1 ]; then
    [ -f "$out/kubefuncs-bench-0.1.0-SNAPSHOT.jar" ] || { log "SKIP_BUILD=1 but $out has no benchmark jar: run once without it"; exit 1; }
    return 0
  fi
  log "building the benchmark (mvnw -pl $1 -am package)"
  # -Dmaven.test.skip=true rather than -DskipTests: the benchmarks need no test classes, and
  # compiling other modules' tests would only make the run slower (and depend on them compiling).
  (cd "$root" && ./mvnw -B -ntp -q -pl "$1" -am package -Dmaven.test.skip=true)
}

# ---- wrk ----

# The start of every HTTP benchmark: wrk on the PATH, then the gateway, pong and benchmark jars.
build_http_bench() {
  command -v wrk >/dev/null || { log "needs wrk: apt-get install wrk"; exit 1; }
  build bench,gateway,examples/pong
}

# One wrk run of $duration; prints a line and sets rps, p50, p99 (as wrk writes them), p50_ms,
# p99_ms, non2xx and errors (socket errors: connect, read, write, timeout).
wrk_run() { # name url connections [wrk options]
  local report
  report=$(wrk -t2 -c"$3" -d"$duration" --latency "${@:4}" "$2" 2>&1)
  rps=$(echo "$report" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$report" | awk '$1=="50%" {print $2}')
  p99=$(echo "$report" | awk '$1=="99%" {print $2}')
  p50_ms=$(wrk_ms "$p50")
  p99_ms=$(wrk_ms "$p99")
  non2xx=$(echo "$report" | awk '/Non-2xx/ {print $5}')
  non2xx=${non2xx:-0}
  errors=$(echo "$report" | awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}')
  errors=${errors:-0}
  printf '%-8s c=%-4s %10s req/s  p50 %-9s p99 %-9s non-2xx %s socket errors %s\n' "$1" "$3" "$rps" "$p50" "$p99" "$non2xx" "$errors"
}

wrk_ms() { echo "$1" | awk '/us$/ {print $0 / 1000; next} /ms$/ {print $0 + 0; next} /s$/ {print $0 * 1000}'; } # 1.23ms, 850.00us, 1.01s

# A wrk script that makes CONNECTIONS connections, each waiting between its requests, offer about
# RATE requests/s together: wrk is closed-loop, and latency at a given load needs an open one.
# OVERHEAD is the milliseconds each request cycle takes besides the wait (the answer, and wrk's
# timer, which fires late); pace_overhead measures it. wrk truncates a delay to whole
# milliseconds (3.5 waits 3), so the script draws each wait as the whole number below or above
# the fraction, at the odds that make their mean the fraction.
write_pace() { # file connections rate [overhead-ms]
  local ms
  ms=$(awk -v c="$2" -v r="$3" -v o="${4:-0}" 'BEGIN {d = c * 1000 / r - o; printf "%.3f", d < 0 ? 0 : d}')
  printf 'local wait = %s\nfunction delay()\n  local n = math.floor(wait)\n  if math.random() < wait - n then n = n + 1 end\n  return n\nend\n' "$ms" >"$1"
}

# The overhead write_pace needs to pace CONNECTIONS connections to URL at RATE: a 3 s run paced
# without it, and how much longer than asked its request cycles were.
pace_overhead() { # url connections rate
  local rps
  write_pace "$tmp/overhead.lua" "$2" "$3"
  rps=$(wrk -t2 -c"$2" -d3s -s "$tmp/overhead.lua" "$1" | awk '/Requests\/sec/ {print $2}')
  awk -v c="$2" -v r="$3" -v got="$rps" 'BEGIN {o = c * 1000 / got - c * 1000 / r; printf "%.3f", o < 0 ? 0 : o}'
}

# CONNECTIONS connections paced to RATE together on URL for $duration: the req/s wrk got, and
# PID's CPU per request (us). A server spends more on each request the fewer arrive per wake-up,
# so this is what to compare a slower server's CPU per request with.
paced_cpu() { # url connections rate pid
  local j0 rps
  write_pace "$tmp/pace.lua" "$2" "$3" "$(pace_overhead "$1" "$2" "$3")"
  j0=$(proc_jiffies "$4")
  rps=$(wrk -t2 -c"$2" -d"$duration" -s "$tmp/pace.lua" "$1" | awk '/Requests\/sec/ {print $2}')
  awk -v rps="$rps" -v j="$(($(proc_jiffies "$4") - j0))" -v d="${duration%s}" -v hz="$(getconf CLK_TCK)" \
    'BEGIN {printf "%.0f %.1f\n", rps, j * 1e6 / hz / (rps * d)}'
}

# ---- the gateway and its function ----

# The jars start_pong and start_gateway run (another build's, to compare with it), and the
# environment the gateway gets (VAR=value words, such as OTEL_* settings).
pong_jar=examples/pong/target/pong.jar
gateway_jar=gateway/target/gateway.jar
gateway_env=()

start_pong() { # name nsqd-tcp-port [VAR=value...]: the Java pong function, until its /healthz answers
  local name=$1 nsqd_port=$2 hp
  shift 2
  hp=$(free_port)
  spawn "$name" env TOPIC=test NSQ_NSQD_PORT="$nsqd_port" HEALTHZ_ADDR="127.0.0.1:$hp" KUBEFUNCS_MAX_IN_FLIGHT=256 "$@" \
    java -XX:+UseSerialGC -jar "$pong_jar"
  await "$name" http_ok "http://127.0.0.1:$hp/healthz"
}

start_gateway() { # nsqd-tcp-port [gateway flags...]: /test/ -> test; sets gp (its port) and gateway_pid
  local nsqd_port=$1
  shift
  gp=$(free_port)
  printf 'routes:\n  /test/: test\n' >"$tmp/routes.yaml"
  spawn gateway env "${gateway_env[@]}" java -jar "$gateway_jar" --listen-addr "127.0.0.1:$gp" --config "$tmp/routes.yaml" \
    --nsqd-addr "127.0.0.1:$nsqd_port" "$@"
  gateway_pid=$!
  await gateway http_ok "http://127.0.0.1:$gp/healthz"
}

stop() { # pid...: stops processes started by spawn, and waits for them to exit
  local pid
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}

# ---- processes, temporary folder, results ----

# Every background process goes into bg_pids, so that it is stopped however the run ends (done,
# failed or interrupted); the temporary folder, with the processes' logs, goes with them.
bg_pids=()
tmp=""
cleanup() {
  local pid
  for pid in "${bg_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${bg_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -z "$tmp" ] || rm -rf "$tmp"
}

start_run() { # name of the temporary folder
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  results="$tmp/results"
  : >"$results"
  trap cleanup EXIT
  trap 'exit 130' INT TERM
}

declare -A spawned=()
spawn() { # name command...: in the background, output in $tmp/<name>.log
  local name=$1
  shift
  "$@" >"$tmp/$name.log" 2>&1 &
  bg_pids+=("$!")
  spawned[$name]=$!
}

http_ok() { curl -fs -o /dev/null "$1"; }
# A process that does not come up stops the run with its log, at once if it has exited (a port
# taken meanwhile, a missing jar), rather than leaving the run hanging.
await() { # name command...: waits for <name>, started by spawn, until the command succeeds
  local name=$1 deadline=$((SECONDS + 60))
  shift
  until "$@"; do
    if ! kill -0 "${spawned[$name]}" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      log "$name did not start:"
      cat "$tmp/$name.log" >&2
      exit 1
    fi
    sleep 0.05
  done
}

# shellcheck source=scripts/lib/ports.sh
. "$root/scripts/lib/ports.sh"
free_port() { ports::free 1 "$@"; } # [ports already chosen...]

# Every figure is printed as `RESULT name value unit` and kept in $results for the table.
emit() { echo "RESULT $1 $2 $3" | tee -a "$results"; } # name value unit
emit_results() { grep '^RESULT' | while read -r _ n v u; do emit "$n" "$v" "$u"; done; }
value() { awk -v n="$1" '$1 == "RESULT" && $2 == n {print $3}' "$results" | tail -1; }

# ---- nsqd ----

start_nsqd() { # tcp-address http-address [nsqd options...]; sets nsqd_pid
  spawn nsqd "$bin/nsqd" --tcp-address="$1" --http-address="$2" --data-path="$tmp" --log-level=warn "${@:3}"
  # shellcheck disable=SC2034 # gateway.sh measures nsqd's CPU time
  nsqd_pid=$!
  await nsqd http_ok "http://$2/ping"
}

urlenc() { printf %s "$1" | sed 's/#/%23/g'; }
api() { curl -fs -X POST "http://$1/$2" >/dev/null; } # http path
delete_topic() { api "$1" "topic/delete?topic=$(urlenc "$2")" 2>/dev/null || true; } # http topic
channel_field() { # http topic channel field
  curl -fs "http://$1/stats?format=json&topic=$(urlenc "$2")&channel=$3" |
    jq -r --arg c "$3" --arg f "$4" '[.topics[].channels[] | select(.channel_name == $c) | .[$f]] | first // empty'
}

# ---- how busy the rest of the machine is ----

# Other processes on the machine skew every figure (the broker, the client and anything else share
# a few CPUs). Each step reports how much of the machine was busy with processes other than this
# script's own: CPU time of the whole machine from /proc/stat (steal included: it is CPU the
# benchmark did not get), minus what bg_pids and this script's reaped children used.
busy_jiffies() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
proc_jiffies() { # pid...: utime + stime
  local total=0 pid
  for pid in "$@"; do total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done
  echo "$total"
}
own_jiffies() { echo $(( $(awk '{print $16 + $17}' "/proc/$$/stat") + $(proc_jiffies "${bg_pids[@]}") )); }

# Waits, within QUIET_BUDGET seconds for the whole run, for other processes to use less than 10%.
wait_quiet() {
  local b0 o0 other
  quiet_left=${quiet_left:-${QUIET_BUDGET:-30}}
  while [ "$quiet_left" -gt 0 ]; do
    b0=$(busy_jiffies); o0=$(own_jiffies)
    sleep 0.5
    other=$(( $(busy_jiffies) - b0 - ($(own_jiffies) - o0) ))
    # jiffies are 1/100 s: over half a second, 50 * cpus would be the whole machine.
    if [ $((other * 100)) -le $((10 * 50 * cpus)) ]; then return 0; fi
    sleep 0.5
    quiet_left=$((quiet_left - 1))
    [ "$quiet_left" -gt 0 ] || log "other processes keep the machine busy; QUIET_BUDGET used up, carrying on"
  done
}
step_begin() {
  wait_quiet
  step_busy=$(busy_jiffies)
  step_own=$(own_jiffies)
  step_t0=$(date +%s%N)
}
step_end() { # name
  local busy own wall_ms pct
  busy=$(( $(busy_jiffies) - step_busy ))
  own=$(( $(own_jiffies) - step_own ))
  wall_ms=$(( ($(date +%s%N) - step_t0) / 1000000 ))
  pct=$(awk -v b="$busy" -v o="$own" -v w="$wall_ms" -v n="$cpus" 'BEGIN {
    f = (b - o) * 10 / (w * n) * 100; if (f < 0) f = 0; printf "%.0f", f }')
  emit "$1.other_load_pct" "$pct" "%"
  if [ "$pct" -gt 10 ]; then
    log "WARNING: other processes kept ${pct}% of the machine busy during $1: its figures are skewed"
  fi
}

# ---- our load generator, io.kubefuncs.bench.NsqClientBench ----
# Uses SIZE, JAVA_OPTS and CONSUME_COUNT from the script. The time limits only stop a client that
# hangs; they are well above what any step takes with the default settings.

client_step() { # tcp mode name args...: one measured step
  local tcp=$1 mode=$2 name=$3
  shift 3
  step_begin
  # shellcheck disable=SC2086 # JAVA_OPTS holds several options
  timeout 180 java $JAVA_OPTS -cp "$cp" io.kubefuncs.bench.NsqClientBench \
    "$mode" --nsqd "$tcp" --name "$name" --size "$SIZE" "$@" | emit_results
  step_end "$name"
}

# Fills a fresh topic's channel `ch` with CONSUME_COUNT messages (not measured) and checks that
# all of them sit in memory, so that every reader starts from the same full channel.
fill_channel() { # http tcp topic
  local depth backend
  delete_topic "$1" "$3"
  api "$1" "topic/create?topic=$3"
  api "$1" "channel/create?topic=$3&channel=ch"
  # shellcheck disable=SC2086 # JAVA_OPTS holds several options
  timeout 120 java $JAVA_OPTS -cp "$cp" io.kubefuncs.bench.NsqClientBench fill --nsqd "$2" --topic "$3" \
    --count "$CONSUME_COUNT" --size "$SIZE"
  depth=$(channel_field "$1" "$3" ch depth)
  backend=$(channel_field "$1" "$3" ch backend_depth)
  if [ "$depth" != "$CONSUME_COUNT" ] || [ "$backend" != 0 ]; then
    log "channel $3/ch on $1 holds $depth messages ($backend on disk), expected $CONSUME_COUNT in memory"
    exit 1
  fi
}

# A reader that empties the channel inside its window measured less than it could have.
check_not_dry() { # http topic reader
  local left
  left=$(channel_field "$1" "$2" ch depth)
  if [ -z "$left" ] || [ "$left" -le 0 ]; then
    log "$3 emptied the channel inside its window: raise CONSUME_COUNT or lower CONSUME_WINDOW"
    exit 1
  fi
  log "$3 left $left of $CONSUME_COUNT messages on the channel (never ran dry)"
}
