#!/usr/bin/env bash
# Benchmarks the Kubefuncs NSQ client against nsq's own bench_writer/bench_reader (and go-nsq's
# Producer for latency), through ONE real nsqd on 127.0.0.1, in one run, with the same message
# size. Prints every figure as `RESULT name value unit`, then a table with the ratios.
# See bench/README.md for what is measured and why. Takes about two and a half minutes.
#
# Settings (environment):
#   SIZE=200            message size in bytes, for every client
#   DURATION=10         seconds of publishing, for bench_writer and for each of our publish runs
#   BATCH=200           MPUB size: bench_writer's --batch-size and our multiPublish batches
#   OUTSTANDING=1024    our bound on unanswered publishes (messages), one producer
#   WARMUP=2            seconds our JVM runs the same work before measuring (0: none)
#   LAT_SECONDS=3       seconds of sequential publishes per latency round, for each client
#   LAT_ROUNDS=3        latency rounds, ours and go-nsq alternately; the table shows the median
#   CONSUME_COUNT=4000000  messages put on the channel before each reader starts
#   CONSUME_WINDOW=4    seconds each reader consumes (bench_reader --runfor, and ours)
#   RDY=2500            bench_reader --rdy per connection; our max-in-flight per consumer
#   JAVA_OPTS="-Xms1g -Xmx1g"
#   QUIET_BUDGET=30     seconds the run may spend, in all, waiting before a step for other
#                       processes to stop using more than 10% of the machine
#   PROFILE=1           record a JFR file per JVM run into bench/target/jfr (figures then carry
#                       the profiler's overhead; do not report them)
#   SKIP_BUILD=1        reuse bench/target from an earlier build
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

SIZE=${SIZE:-200}
DURATION=${DURATION:-10}
BATCH=${BATCH:-200}
OUTSTANDING=${OUTSTANDING:-1024}
WARMUP=${WARMUP:-2}
LAT_SECONDS=${LAT_SECONDS:-3}
LAT_ROUNDS=${LAT_ROUNDS:-3}
CONSUME_COUNT=${CONSUME_COUNT:-4000000}
CONSUME_WINDOW=${CONSUME_WINDOW:-4}
RDY=${RDY:-2500}
JAVA_OPTS=${JAVA_OPTS:--Xms1g -Xmx1g}
PROFILE=${PROFILE:-0}
QUIET_BUDGET=${QUIET_BUDGET:-30}

# ---- build ----

build bench

go_latency=""
if command -v go >/dev/null 2>&1; then
  if (cd "$root/bench/go-latency" && go build -trimpath -o "$out/go-latency" . 2>"$out/go-latency.build.log"); then
    go_latency="$out/go-latency"
  else
    log "could not build bench/go-latency (see $out/go-latency.build.log): no go-nsq latency figures"
  fi
else
  log "no Go toolchain: no go-nsq latency figures"
fi

# ---- nsqd ----

start_run nsq-client-bench
tcp_port=$(free_port)
http_port=$(free_port "$tcp_port")
tcp="127.0.0.1:$tcp_port"
http="127.0.0.1:$http_port"
mem_queue=$(( CONSUME_COUNT > 1000000 ? CONSUME_COUNT : 1000000 ))

# Messages stay in memory (--mem-queue-size) for every run: the disk queue would otherwise
# dominate, and equally for both clients, hiding the clients' own cost.
start_nsqd "$tcp" "$http" --mem-queue-size="$mem_queue"
log "nsqd $("$bin/nsqd" --version | awk '{print $2}') on $tcp (http $http), mem-queue-size $mem_queue, data in $tmp"

# ---- helpers ----

jfr_opts() { # name
  if [ "$PROFILE" = 1 ]; then
    mkdir -p "$out/jfr"
    echo "-XX:StartFlightRecording=filename=$out/jfr/$1.jfr,settings=profile"
  fi
}

# The JFR options go to this step's JVM only, not to the fills.
ours() { # mode name args...
  JAVA_OPTS="$JAVA_OPTS $(jfr_opts "$2")" client_step "$tcp" "$@"
}

# bench_writer/bench_reader log "duration: 10.0003s - 325.317mb/s - 1705598.652ops/s - 0.586us/op".
go_bench() { # name program args...
  local name=$1 prog=$2 line
  shift 2
  step_begin
  line=$(timeout 120 "$bin/$prog" --nsqd-tcp-address="$tcp" --size="$SIZE" "$@" 2>&1 | tee -a "$tmp/$prog.log" | grep 'ops/s' | tail -1)
  [ -n "$line" ] || { log "$prog printed no figures:"; cat "$tmp/$prog.log" >&2; exit 1; }
  emit "$name.msgs_per_s" "$(sed -E 's/.* ([0-9.]+)ops\/s.*/\1/' <<<"$line")" msgs/s
  emit "$name.mib_per_s" "$(sed -E 's/.* ([0-9.]+)mb\/s.*/\1/' <<<"$line")" MiB/s
  step_end "$name"
}

# ---- publish throughput ----
# Publish topics are #ephemeral: nsqd keeps up to --mem-queue-size of them in memory and drops the
# rest instead of writing them to disk, the same for every client. Each run gets a fresh topic,
# deleted afterwards, so that no run pays for the messages an earlier one left in nsqd's heap.

log "publish: bench_writer, $cpus connections x one MPUB of $BATCH in flight, ${DURATION}s"
go_bench go.mpub bench_writer --topic="bw#ephemeral" --batch-size="$BATCH" --runfor="${DURATION}s"
delete_topic "$http" "bw#ephemeral"

log "publish: ours, publish() per message, 1 connection, $OUTSTANDING outstanding, ${DURATION}s"
ours publish pub --topic "op#ephemeral" --seconds "$DURATION" --warmup "$WARMUP" --outstanding "$OUTSTANDING"
delete_topic "$http" "op#ephemeral"; delete_topic "$http" "warmup-op#ephemeral"

log "publish: ours, multiPublish($BATCH), 1 connection, $OUTSTANDING messages outstanding, ${DURATION}s"
ours publish mpub --topic "om#ephemeral" --seconds "$DURATION" --warmup "$WARMUP" --outstanding "$OUTSTANDING" --batch "$BATCH"
delete_topic "$http" "om#ephemeral"; delete_topic "$http" "warmup-om#ephemeral"

log "publish: ours, multiPublish($BATCH), $cpus connections x one MPUB in flight (bench_writer's shape), ${DURATION}s"
ours publish mpub_shape --topic "os#ephemeral" --seconds "$DURATION" --warmup "$WARMUP" --outstanding "$BATCH" --batch "$BATCH" --producers "$cpus"
delete_topic "$http" "os#ephemeral"; delete_topic "$http" "warmup-os#ephemeral"

# ---- publish latency ----
# Sequential publishes, so each figure is one full round trip. On a small VM the wake-ups between
# threads dominate, and they depend on whether the threads involved happen to share a CPU: the
# same program can show a p50 of 15 us in one run and 60 us in the next. So both clients run
# LAT_ROUNDS short rounds, alternately, and the table shows the median over rounds.

median() { sort -g | awk '{v[NR] = $1} END { if (NR == 0) exit; if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
go_lat_round() { # name
  step_begin
  timeout 60 "$go_latency" --nsqd "$tcp" --topic "gl#ephemeral" --size "$SIZE" --seconds "$LAT_SECONDS" --warmup 1 --name "$1" \
    2>>"$tmp/go-latency.log" | emit_results
  step_end "$1"
  delete_topic "$http" "gl#ephemeral"; delete_topic "$http" "warmup-gl#ephemeral"
}

for r in $(seq 1 "$LAT_ROUNDS"); do
  log "latency round $r/$LAT_ROUNDS: ours, one publish at a time, ${LAT_SECONDS}s"
  ours latency "lat.r$r" --topic "ol#ephemeral" --seconds "$LAT_SECONDS" --warmup "$WARMUP"
  delete_topic "$http" "ol#ephemeral"; delete_topic "$http" "warmup-ol#ephemeral"
  if [ -n "$go_latency" ]; then
    log "latency round $r/$LAT_ROUNDS: go-nsq Producer.Publish, one at a time, ${LAT_SECONDS}s"
    go_lat_round "go_lat.r$r"
  fi
done
for who in lat go_lat; do
  for q in p50_us p99_us p999_us; do
    m=$(for r in $(seq 1 "$LAT_ROUNDS"); do value "$who.r$r.$q"; done | median)
    [ -z "$m" ] || emit "$who.$q" "$m" us
  done
done

# ---- consume throughput ----
# Each reader gets a fresh topic whose channel already holds CONSUME_COUNT messages (filled by our
# producer, the same way every time, not measured), all in nsqd's memory. Each reader consumes for
# CONSUME_WINDOW seconds, as bench_reader does; the channel must still hold messages afterwards,
# otherwise the reader ran dry inside its window and its figure would be too low.

log "consume: bench_reader, $cpus connections x RDY $RDY, ${CONSUME_WINDOW}s window"
fill_channel "$http" "$tcp" cr
go_bench go.sub bench_reader --topic=cr --channel=ch --rdy="$RDY" --runfor="${CONSUME_WINDOW}s"
check_not_dry "$http" cr bench_reader
delete_topic "$http" cr

log "consume: ours, $cpus consumers (connections) x max-in-flight $RDY, ${CONSUME_WINDOW}s window"
fill_channel "$http" "$tcp" co
ours consume sub --topic co --channel ch --count "$CONSUME_COUNT" --seconds "$CONSUME_WINDOW" --warmup "$WARMUP" \
  --consumers "$cpus" --max-in-flight "$RDY"
check_not_dry "$http" co "our consumer"
delete_topic "$http" co; delete_topic "$http" warmup-co

log "consume: ours, 1 consumer (1 connection) x max-in-flight $RDY, ${CONSUME_WINDOW}s window"
fill_channel "$http" "$tcp" c1
ours consume sub1 --topic c1 --channel ch --count "$CONSUME_COUNT" --seconds "$CONSUME_WINDOW" --warmup "$WARMUP" \
  --consumers 1 --max-in-flight "$RDY"
check_not_dry "$http" c1 "our consumer"
delete_topic "$http" c1; delete_topic "$http" warmup-c1

# ---- table ----

ratio() { # ours theirs higher_is_better
  awk -v o="$1" -v g="$2" -v h="$3" 'BEGIN {
    if (o == "" || g == "" || o == 0 || g == 0) { exit }
    printf "%.2f", (h == 1 ? o / g : g / o) }'
}
fmt() { if [ -z "$1" ]; then echo n/a; else awk -v v="$1" 'BEGIN { if (v >= 1000) printf "%.0f", v; else printf "%.1f", v }'; fi; }
load() { # step names...
  local n v out=""
  for n in "$@"; do
    v=$(value "$n.other_load_pct")
    out="$out${out:+/}${v:-?}"
  done
  echo "$out"
}
row() { # key label ours go higher_is_better unit load
  local r
  r=$(ratio "$3" "$4" "$5")
  [ -z "$r" ] || echo "RESULT ratio.$1 $r x" >>"$results"
  printf '%-50s %11s %11s %7s  %-7s %s\n' "$2" "$(fmt "$3")" "$(fmt "$4")" "${r:-n/a}${r:+x}" "$6" "$7"
}

max_load() { # prefix: the highest other-load over the latency rounds
  local r
  for r in $(seq 1 "$LAT_ROUNDS"); do value "$1.r$r.other_load_pct"; done | sort -g | tail -1
}
{
  echo
  echo "NSQ client benchmark: nsqd v1.3.0 on 127.0.0.1, $cpus CPUs, ${SIZE}-byte messages, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "ratio = ours/go for throughput, go/ours for latency: >= 1.00x means ours is as good or better."
  echo "other% = CPU the rest of the machine used during the step(s) (ours/go); above ~10% the figures are skewed."
  printf '%-50s %11s %11s %7s  %-7s %s\n' "" ours go ratio unit other%
  row pub "publish() per msg, 1 conn   vs bench_writer" "$(value pub.msgs_per_s)" "$(value go.mpub.msgs_per_s)" 1 msgs/s "$(load pub go.mpub)"
  row mpub "multiPublish($BATCH), 1 conn vs bench_writer" "$(value mpub.msgs_per_s)" "$(value go.mpub.msgs_per_s)" 1 msgs/s "$(load mpub go.mpub)"
  row mpub_shape "multiPublish($BATCH), $cpus conns vs bench_writer" "$(value mpub_shape.msgs_per_s)" "$(value go.mpub.msgs_per_s)" 1 msgs/s "$(load mpub_shape go.mpub)"
  row sub "consume, $cpus conns           vs bench_reader" "$(value sub.msgs_per_s)" "$(value go.sub.msgs_per_s)" 1 msgs/s "$(load sub go.sub)"
  row sub1 "consume, 1 conn            vs bench_reader" "$(value sub1.msgs_per_s)" "$(value go.sub.msgs_per_s)" 1 msgs/s "$(load sub1 go.sub)"
  row lat_p50 "publish latency p50   vs go-nsq Publish" "$(value lat.p50_us)" "$(value go_lat.p50_us)" 0 us "$(max_load lat)/$(max_load go_lat)"
  row lat_p99 "publish latency p99   vs go-nsq Publish" "$(value lat.p99_us)" "$(value go_lat.p99_us)" 0 us ""
  row lat_p999 "publish latency p99.9 vs go-nsq Publish" "$(value lat.p999_us)" "$(value go_lat.p999_us)" 0 us ""
  echo "latency: median of $LAT_ROUNDS rounds; per round (p50/p99/p99.9 us):"
  for r in $(seq 1 "$LAT_ROUNDS"); do
    echo "  round $r  ours $(value "lat.r$r.p50_us")/$(value "lat.r$r.p99_us")/$(value "lat.r$r.p999_us")" \
      " go-nsq $(value "go_lat.r$r.p50_us")/$(value "go_lat.r$r.p99_us")/$(value "go_lat.r$r.p999_us")"
  done
  echo "(took $(( $(date +%s) - started_at )) s)"
}
grep '^RESULT ratio' "$results"
