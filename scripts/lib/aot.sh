# shellcheck shell=bash
# The AOT cache of a Java function (JDK 25, JEPs 483, 514 and 515): classes read, parsed, linked
# and their heap objects made once, at image build time, by a training run of the function on
# the very JRE and jars of the image; every start of the image maps them instead of loading
# ~3,500 classes from jars. Sourced by scripts/images, examples/pong/Dockerfile and
# bench/function.sh, which measures what the image ships. Needs nsqd and nsqlookupd
# (scripts/install-nsq), curl, and python3 to find free ports.

# The JVM flags a training run for an image takes: the image's JAVA_TOOL_OPTIONS (the last ENV
# line of its Dockerfile) without its -XX:AOTCache, and the function chart's default memory limit
# as -XX:MaxRAM, what the JVM sizes itself from in such a container. Prints nothing for an image
# whose flags name no AOT cache.
aot::training_flags() { # dockerfile function_chart_values
  local flags limit
  flags=$(aot::image_flags "$1")
  [ -n "$(aot::cache "$1")" ] || return 0
  limit=$(awk '/^    limits:/ {l = 1; next} l && $1 == "memory:" {print $2; exit}' "$2")
  case "$limit" in
    *Mi) limit="${limit%Mi}m" ;;
    *Gi) limit="${limit%Gi}g" ;;
    *) echo "aot: cannot read the default memory limit in $2 ('$limit')" >&2; return 1 ;;
  esac
  echo "$(sed -e 's/-XX:AOTCache=[^ ]*//' -e 's/  */ /g' -e 's/^ //' <<<"$flags") -XX:MaxRAM=$limit"
}

# The JAVA_TOOL_OPTIONS of an image: the last ENV line that sets them in its Dockerfile.
aot::image_flags() { # dockerfile
  sed -n 's/^ENV JAVA_TOOL_OPTIONS="\(.*\)"$/\1/p' "$1" | tail -n 1
}

# Where the image's JVM flags put its AOT cache (-XX:AOTCache); nothing when they name none.
aot::cache() { # dockerfile
  aot::image_flags "$1" | grep -o -- '-XX:AOTCache=[^ ]*' | sed 's/^-XX:AOTCache=//' || true
}

# The training run: starts nsqlookupd and nsqd on free ports, the function with JAVA_OPTIONS plus
# -XX:AOTCacheOutput=OUT as the function chart runs it (nsqd and nsqlookupd set), waits until it
# is ready, has it answer 500 events as the gateway sends them, reads /metrics, stops it with
# SIGTERM (a drain, as in a pod) and checks that OUT was written. The cache is only valid for the
# same JRE and the same jars (their names and sizes; the JVM refuses it otherwise), so JAVA and
# JAR must be the ones the image is made of; their folders may be elsewhere than in the image.
aot::train() { # java jar out java_options nsq_bin
  local java=$1 jar=$2 out=$3 options=$4 bin=$5
  local dir pids=() ok=0
  dir=$(mktemp -d /tmp/kubefuncs-aot.XXXXXX)
  local lookupd_tcp lookupd_http nsqd_tcp nsqd_http health
  read -r lookupd_tcp lookupd_http nsqd_tcp nsqd_http health < <(aot::free_ports 5)
  "$bin/nsqlookupd" --tcp-address="127.0.0.1:$lookupd_tcp" --http-address="127.0.0.1:$lookupd_http" \
    --log-level=warn >"$dir/nsqlookupd.log" 2>&1 &
  pids+=($!)
  "$bin/nsqd" --tcp-address="127.0.0.1:$nsqd_tcp" --http-address="127.0.0.1:$nsqd_http" --data-path="$dir" \
    --broadcast-address=127.0.0.1 --lookupd-tcp-address="127.0.0.1:$lookupd_tcp" --log-level=warn >"$dir/nsqd.log" 2>&1 &
  pids+=($!)
  local events=500 topic=aot-training
  aot::events "$events" "$topic" >"$dir/events"
  rm -f "$out"
  env -i PATH="$PATH" TOPIC="$topic" NSQ_NSQD_ADDR=127.0.0.1 NSQ_NSQD_PORT="$nsqd_tcp" \
    NSQ_LOOKUPD_ADDR=127.0.0.1 NSQ_LOOKUPD_PORT="$lookupd_http" HEALTHZ_ADDR="127.0.0.1:$health" \
    JAVA_TOOL_OPTIONS="$options -XX:AOTCacheOutput=$out" "$java" -jar "$jar" >"$dir/function.log" 2>&1 &
  local fn=$!
  if aot::until 60 curl -sf -o /dev/null "http://127.0.0.1:$health/healthz" &&
    curl -sf -o /dev/null --data-binary @"$dir/events" "http://127.0.0.1:$nsqd_http/mpub?topic=$topic&binary=true" &&
    aot::until 60 aot::handled "$health" "$events"; then
    kill -TERM "$fn"
    # The JVM writes the cache as it exits (a second JVM assembles it): not instant.
    wait "$fn" && [ -s "$out" ] && ok=1
  else
    kill -KILL "$fn" 2>/dev/null || true
    wait "$fn" 2>/dev/null || true
  fi
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  if [ "$ok" != 1 ]; then
    echo "aot: the training run of $jar did not write $out; what it and NSQ wrote:" >&2
    tail -n 20 "$dir"/*.log >&2
    rm -rf "$dir"
    return 1
  fi
  rm -rf "$dir"
}

# Whether the JVM takes the cache: a function started with JAVA_OPTIONS (which name the cache) and
# -XX:AOTMode=on, which makes the JVM refuse to start rather than run without the cache, gets as
# far as its own check of the settings (exit 2 on an empty TOPIC).
aot::check() { # java jar java_options
  local out rc=0
  out=$(env -i PATH="$PATH" TOPIC= JAVA_TOOL_OPTIONS="$3 -XX:AOTMode=on" "$1" -jar "$2" 2>&1) || rc=$?
  if [ "$rc" != 2 ] || ! grep -q 'bad configuration' <<<"$out"; then
    echo "aot: the JVM does not take the AOT cache in '$3' (exit $rc):" >&2
    echo "$out" >&2
    return 1
  fi
}

# N free TCP ports on 127.0.0.1, on one line; closed before they are printed, so that whoever reads
# them can bind them at once.
aot::free_ports() {
  if ! command -v python3 >/dev/null; then # a container build, on a network of its own
    seq 24150 $((24150 + $1 - 1)) | paste -sd' '
    return
  fi
  python3 -c 'import socket,sys
ss=[socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1",0))
ports=[str(s.getsockname()[1]) for s in ss]
for s in ss: s.close()
print(" ".join(ports))' "$1"
}

# Runs a command every 20 ms until it succeeds, for at most SECONDS.
aot::until() { # seconds command...
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.02
  done
}

# Whether the function's /metrics counts at least N events handled with outcome ok.
aot::handled() { # health_port n
  curl -sf "http://127.0.0.1:$1/metrics" |
    awk -v n="$2" '/^kubefuncs_messages_handled_total\{/ && /outcome="ok"/ {sum += $NF} END {exit !(sum >= n)}'
}

# N events for TOPIC as the gateway publishes them, in the body nsqd's /mpub?binary=true takes: the
# number of messages, then each with its size (4 bytes each, big-endian). An Event (id, topic,
# return, payload: an Any holding an HTTPRequest) in protobuf's wire format, written by hand
# here: every field is a string shorter than 128 bytes, so tag, one length byte, bytes.
aot::events() ( # n topic
  export LC_ALL=C # lengths in bytes
  local request any event i
  request=$(aot::field 1 "/$2"; aot::field 4 GET)
  any=$(aot::field 1 type.googleapis.com/kubefuncs.HTTPRequest; aot::field 2 "$request")
  event=$(aot::field 1 aot-training; aot::field 2 "$2"; aot::field 3 "$2-reply"; aot::field 4 "$any")
  aot::u32 "$1"
  for ((i = 0; i < $1; i++)); do
    aot::u32 "${#event}"
    printf '%s' "$event"
  done
)

aot::field() { # number value: a length-delimited field (wire type 2) of fewer than 128 bytes
  printf "\\x$(printf %02x $(($1 << 3 | 2)))\\x$(printf %02x "${#2}")"
  printf '%s' "$2"
}

aot::u32() {
  printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"
}
