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
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

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

# ---- build ----

build bench

# ---- the two brokers ----

start_run devbroker-bench
# Real nsqd keeps every message in memory (--mem-queue-size), as the dev broker does, so that the
# disk queue does not decide its figures.
nsqd_tcp_port=$(free_port)
nsqd_tcp="127.0.0.1:$nsqd_tcp_port"
nsqd_http="127.0.0.1:$(free_port "$nsqd_tcp_port")"
start_nsqd "$nsqd_tcp" "$nsqd_http" --mem-queue-size="$CONSUME_COUNT"

# The dev broker picks its own ports and prints them on its READY line.
# shellcheck disable=SC2086
spawn devbroker java $BROKER_JAVA_OPTS -cp "$cp" io.kubefuncs.bench.DevBrokerServer --mem-queue-size "$CONSUME_COUNT"
await devbroker grep -q '^READY' "$tmp/devbroker.log"
read -r _ dev_tcp dev_http < <(grep -m1 '^READY' "$tmp/devbroker.log")
log "nsqd $("$bin/nsqd" --version | awk '{print $2}') on $nsqd_tcp (http $nsqd_http); dev broker on $dev_tcp (http $dev_http)"

# ---- the runs, each broker in turn ----

for broker in nsqd dev; do
  if [ "$broker" = nsqd ]; then tcp=$nsqd_tcp; http=$nsqd_http; else tcp=$dev_tcp; http=$dev_http; fi

  # Publish topics are #ephemeral and have no channel: both brokers keep up to CONSUME_COUNT
  # messages and drop the rest, instead of writing them to disk (nsqd) or refusing them (dev).
  log "$broker: publish() per message, 1 connection, $OUTSTANDING outstanding, ${DURATION}s"
  client_step "$tcp" publish "$broker.pub" --topic "op#ephemeral" --seconds "$DURATION" --warmup "$WARMUP" --outstanding "$OUTSTANDING"
  delete_topic "$http" "op#ephemeral"; delete_topic "$http" "warmup-op#ephemeral"

  log "$broker: multiPublish($BATCH), 1 connection, $OUTSTANDING outstanding, ${DURATION}s"
  client_step "$tcp" publish "$broker.mpub" --topic "om#ephemeral" --seconds "$DURATION" --warmup "$WARMUP" \
    --outstanding "$OUTSTANDING" --batch "$BATCH"
  delete_topic "$http" "om#ephemeral"; delete_topic "$http" "warmup-om#ephemeral"

  # Consume: the channel already holds CONSUME_COUNT messages (filled by our producer, not
  # measured); two consumers read it for a window, as bench_reader does, and must not run dry.
  log "$broker: consume, 2 consumers x max-in-flight $RDY, ${CONSUME_WINDOW}s window"
  fill_channel "$http" "$tcp" co
  client_step "$tcp" consume "$broker.sub" --topic co --channel ch --count "$CONSUME_COUNT" --seconds "$CONSUME_WINDOW" \
    --warmup "$WARMUP" --consumers 2 --max-in-flight "$RDY"
  check_not_dry "$http" co "$broker: the consumers"
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
