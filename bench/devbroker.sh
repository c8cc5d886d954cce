#!/usr/bin/env bash
# Benchmarks the dev broker (devbroker/, in-memory, what `kubefuncs dev` runs) against real nsqd
# v1.3.0, in one run, with the same client (our NSQ client, io.kubefuncs.bench.NsqClientBench) and
# the same message size. Each broker runs in a process of its own on 127.0.0.1. Prints every figure
# as `RESULT name value unit`, then a table with the ratio dev broker / nsqd.
# See bench/README.md ("Dev broker"). Takes about two minutes.
#
# Settings (environment):
#   SIZE=200            message size in bytes
#   DURATION=10         seconds of publishing per publish run
#   BATCH=200           multiPublish batch size
#   OUTSTANDING=1024    bound on unanswered publishes (messages)
#   WARMUP=2            seconds the client JVM runs the same work before measuring
#   CONSUME_COUNT=6000000  messages put on the channel before each consume run
#   CONSUME_WINDOW=4    seconds each consume run lasts
#   RDY=2500            max-in-flight of each of the two consumers
#   JAVA_OPTS="-Xms1g -Xmx1g"          the client's JVM
#   BROKER_JAVA_OPTS="-Xms4g -Xmx4g"   the dev broker's JVM (it holds CONSUME_COUNT messages)
#   QUIET_BUDGET=30     seconds the run may spend, in all, waiting before a step for other
#                       processes to use less than 10% of the machine
#   SKIP_BUILD=1        reuse bench/target from an earlier build
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

SIZE=${SIZE:-200}
DURATION=${DURATION:-10}
BATCH=${BATCH:-200}
OUTSTANDING=${OUTSTANDING:-1024}
WARMUP=${WARMUP:-2}
CONSUME_COUNT=${CONSUME_COUNT:-6000000}
CONSUME_WINDOW=${CONSUME_WINDOW:-4}
RDY=${RDY:-2500}
JAVA_OPTS=${JAVA_OPTS:--Xms1g -Xmx1g}
BROKER_JAVA_OPTS=${BROKER_JAVA_OPTS:--Xms4g -Xmx4g}
QUIET_BUDGET=${QUIET_BUDGET:-30}
SKIP_BUILD=${SKIP_BUILD:-0}

bin="$root/.tools/nsq/bin"
out="$root/bench/target"
cpus=$(nproc)
started_at=$(date +%s)

log() { echo "[devbroker.sh] $*" >&2; }

# ---- build ----

. "$root/scripts/jdk.sh"
"$root/scripts/install-nsq"
if [ "$SKIP_BUILD" != 1 ]; then
  log "building the benchmark (mvnw -pl bench -am package)"
  ./mvnw -B -ntp -q -pl bench -am package -Dmaven.test.skip=true
fi
cp="$out/kubefuncs-bench-0.1.0-SNAPSHOT.jar:$out/lib/*"

# ---- the two brokers ----

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 40000))
    if ! port_in_use "$p"; then
      echo "$p"
      return 0
    fi
  done
  log "no free port found"
  return 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/devbroker-bench.XXXXXX")
nsqd_pid=""
dev_pid=""
cleanup() {
  local pid
  for pid in $nsqd_pid $dev_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Real nsqd keeps every message in memory (--mem-queue-size), as the dev broker does, so that the
# disk queue does not decide its figures.
nsqd_tcp="127.0.0.1:$(free_port)"
nsqd_http="127.0.0.1:$(free_port)"
"$bin/nsqd" --tcp-address="$nsqd_tcp" --http-address="$nsqd_http" --data-path="$tmp" \
  --mem-queue-size="$CONSUME_COUNT" --log-level=warn >"$tmp/nsqd.log" 2>&1 &
nsqd_pid=$!

# shellcheck disable=SC2086
java $BROKER_JAVA_OPTS -cp "$cp" io.kubefuncs.bench.DevBrokerServer --mem-queue-size "$CONSUME_COUNT" \
  >"$tmp/devbroker.out" 2>"$tmp/devbroker.log" &
dev_pid=$!

for _ in $(seq 1 100); do
  if curl -fs "http://$nsqd_http/ping" >/dev/null 2>&1 && grep -q '^READY' "$tmp/devbroker.out"; then break; fi
  sleep 0.1
done
curl -fs "http://$nsqd_http/ping" >/dev/null || { log "nsqd did not start:"; cat "$tmp/nsqd.log" >&2; exit 1; }
grep -q '^READY' "$tmp/devbroker.out" || { log "the dev broker did not start:"; cat "$tmp/devbroker.log" >&2; exit 1; }
read -r _ dev_tcp dev_http <"$tmp/devbroker.out"
log "nsqd $("$bin/nsqd" --version | awk '{print $2}') on $nsqd_tcp (http $nsqd_http); dev broker on $dev_tcp (http $dev_http)"

# ---- helpers ----

results="$tmp/results"
: >"$results"
emit() { echo "RESULT $1 $2 $3" | tee -a "$results"; }
value() { awk -v n="$1" '$1 == "RESULT" && $2 == n {print $3}' "$results" | tail -1; }
urlenc() { printf %s "$1" | sed 's/#/%23/g'; }
api() { curl -fs -X POST "http://$1/$2" >/dev/null; }           # http path
delete_topic() { api "$1" "topic/delete?topic=$(urlenc "$2")" 2>/dev/null || true; }
channel_depth() { # http topic channel
  curl -fs "http://$1/stats?format=json&topic=$(urlenc "$2")&channel=$3" |
    jq -r --arg c "$3" '[.topics[].channels[] | select(.channel_name == $c) | .depth] | first // empty'
}

# other% as in nsq-client.sh: machine CPU time not used by this script's children or the brokers.
busy_jiffies() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
own_jiffies() {
  local total pid
  total=$(awk '{print $16 + $17}' "/proc/$$/stat")
  for pid in $nsqd_pid $dev_pid; do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
quiet_left=$QUIET_BUDGET
wait_quiet() {
  local b0 o0 other
  while [ "$quiet_left" -gt 0 ]; do
    b0=$(busy_jiffies); o0=$(own_jiffies)
    sleep 0.5
    other=$(( $(busy_jiffies) - b0 - ($(own_jiffies) - o0) ))
    if [ $((other * 100)) -le $((10 * 50 * cpus)) ]; then return 0; fi
    sleep 0.5
    quiet_left=$((quiet_left - 1))
    [ "$quiet_left" -gt 0 ] || log "other processes keep the machine busy; QUIET_BUDGET used up, carrying on"
  done
}
step_begin() { wait_quiet; step_busy=$(busy_jiffies); step_own=$(own_jiffies); step_t0=$(date +%s%N); }
step_end() { # name
  local busy own wall_ms pct
  busy=$(( $(busy_jiffies) - step_busy ))
  own=$(( $(own_jiffies) - step_own ))
  wall_ms=$(( ($(date +%s%N) - step_t0) / 1000000 ))
  pct=$(awk -v b="$busy" -v o="$own" -v w="$wall_ms" -v n="$cpus" 'BEGIN {
    f = (b - o) * 10 / (w * n) * 100; if (f < 0) f = 0; printf "%.0f", f }')
  emit "$1.other_load_pct" "$pct" "%"
  [ "$pct" -le 10 ] || log "WARNING: other processes kept ${pct}% of the machine busy during $1: its figures are skewed"
}

client() { # tcp mode name args...
  local tcp=$1 mode=$2 name=$3
  shift 3
  step_begin
  # shellcheck disable=SC2086
  timeout 180 java $JAVA_OPTS -cp "$cp" io.kubefuncs.bench.NsqClientBench \
    "$mode" --nsqd "$tcp" --name "$name" --size "$SIZE" "$@" | grep '^RESULT' | while read -r _ n v u; do emit "$n" "$v" "$u"; done
  step_end "$name"
}

# ---- the runs, each broker in turn ----

for broker in nsqd dev; do
  if [ "$broker" = nsqd ]; then tcp=$nsqd_tcp; http=$nsqd_http; else tcp=$dev_tcp; http=$dev_http; fi

  # Publish topics are #ephemeral and have no channel: both brokers keep up to CONSUME_COUNT
  # messages and drop the rest, instead of writing them to disk (nsqd) or refusing them (dev).
  log "$broker: publish() per message, 1 connection, $OUTSTANDING outstanding, ${DURATION}s"
  client "$tcp" publish "$broker.pub" --topic "op#ephemeral" --seconds "$DURATION" --warmup "$WARMUP" --outstanding "$OUTSTANDING"
  delete_topic "$http" "op#ephemeral"; delete_topic "$http" "warmup-op#ephemeral"

  log "$broker: multiPublish($BATCH), 1 connection, $OUTSTANDING outstanding, ${DURATION}s"
  client "$tcp" publish "$broker.mpub" --topic "om#ephemeral" --seconds "$DURATION" --warmup "$WARMUP" \
    --outstanding "$OUTSTANDING" --batch "$BATCH"
  delete_topic "$http" "om#ephemeral"; delete_topic "$http" "warmup-om#ephemeral"

  # Consume: the channel already holds CONSUME_COUNT messages (filled by our producer, not
  # measured); two consumers read it for a window, as bench_reader does, and must not run dry.
  log "$broker: consume, 2 consumers x max-in-flight $RDY, ${CONSUME_WINDOW}s window"
  api "$http" "topic/create?topic=co"
  api "$http" "channel/create?topic=co&channel=ch"
  timeout 120 java $JAVA_OPTS -cp "$cp" io.kubefuncs.bench.NsqClientBench fill --nsqd "$tcp" --topic co \
    --count "$CONSUME_COUNT" --size "$SIZE"
  depth=$(channel_depth "$http" co ch)
  [ "$depth" = "$CONSUME_COUNT" ] || { log "$broker: co/ch holds $depth messages, expected $CONSUME_COUNT"; exit 1; }
  client "$tcp" consume "$broker.sub" --topic co --channel ch --count "$CONSUME_COUNT" --seconds "$CONSUME_WINDOW" \
    --warmup "$WARMUP" --consumers 2 --max-in-flight "$RDY"
  left=$(channel_depth "$http" co ch)
  [ -n "$left" ] && [ "$left" -gt 0 ] || { log "$broker: the consumers emptied co/ch inside the window"; exit 1; }
  log "$broker: $left of $CONSUME_COUNT messages left on the channel (never ran dry)"
  delete_topic "$http" co; delete_topic "$http" warmup-co
done

# ---- table ----

ratio() { awk -v d="$1" -v n="$2" 'BEGIN { if (d == "" || n == "" || n == 0) exit; printf "%.2f", d / n }'; }
row() { # key label
  local d n r
  n=$(value "nsqd.$1.msgs_per_s"); d=$(value "dev.$1.msgs_per_s"); r=$(ratio "$d" "$n")
  [ -z "$r" ] || echo "RESULT ratio.$1 $r x" >>"$results"
  printf '%-42s %11.0f %11.0f %7s  %s\n' "$2" "${n:-0}" "${d:-0}" "${r:-n/a}${r:+x}" \
    "$(value "nsqd.$1.other_load_pct")/$(value "dev.$1.other_load_pct")"
}
{
  echo
  echo "Dev broker vs nsqd v1.3.0 on 127.0.0.1, $cpus CPUs, ${SIZE}-byte messages, our client, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "ratio = dev broker / nsqd (msgs/s): the goal is >= 0.50x. other% = CPU used by the rest of the machine (nsqd/dev)."
  printf '%-42s %11s %11s %7s  %s\n' "" nsqd dev ratio other%
  row pub "publish() per message, 1 conn (msgs/s)"
  row mpub "multiPublish($BATCH), 1 conn (msgs/s)"
  row sub "consume, 2 conns x RDY $RDY (msgs/s)"
  echo "(took $(( $(date +%s) - started_at )) s)"
}
grep '^RESULT ratio' "$results"
