# shellcheck shell=bash
# The AOT cache of a Java image (JDK 25, JEPs 483, 514 and 515): classes read, parsed, linked and
# their heap objects made once, at image build time, by a training run of the program on the very
# JRE and jars of the image; every start of the image maps them instead of loading some 3,500
# classes from jars. Two kinds of program are trained: a function (pong), fed events through nsqd,
# and the gateway, fed HTTP requests that a function answers. Sourced by scripts/images,
# examples/pong/Dockerfile, gateway/Dockerfile, bench/function.sh and bench/gateway-footprint.sh,
# which measure what the images ship. Needs nsqd and nsqlookupd (scripts/install-nsq), curl, and
# ports.sh beside it.

# shellcheck source=scripts/lib/ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/ports.sh"

# The JVM flags a training run for an image takes: the image's JAVA_TOOL_OPTIONS (the last ENV
# line of its Dockerfile) without its -XX:AOTCache, and the default memory limit of the chart that
# runs it (its values.yaml) as -XX:MaxRAM, what the JVM sizes itself from in such a container.
# Prints nothing for an image whose flags name no AOT cache.
aot::training_flags() { # dockerfile chart_values
  local flags limit
  flags=$(aot::image_flags "$1")
  [ -n "$(aot::cache "$1")" ] || return 0
  limit=$(awk '$1 == "limits:" {l = 1; next} l && $1 == "memory:" {print $2; exit}' "$2")
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

# For the benchmarks: the image of JAR (an image's one jar, target/image/NAME.jar) laid out under
# DIR as scripts/images makes it, the JRE linked for it in DIR/jre (scripts/lib/jre.sh), the jar in
# DIR/app. Sets jre, app, image_flags (DOCKERFILE's JAVA_TOOL_OPTIONS, /app/ made DIR/app/), cache
# (the AOT cache they name; an image without one is an error), training_flags, max_ram (the
# default memory limit of the chart's VALUES as -XX:MaxRAM=...) and limit (that limit alone).
aot::bench_image() { # dir jar dockerfile values
  jre="$1/jre"
  jre::link "$jre" "$(jre::modules "$2")"
  app="$1/app"
  mkdir -p "$app"
  cp "$2" "$app/"
  image_flags=$(aot::image_flags "$3")
  image_flags=${image_flags//\/app\//$app/}
  cache=$(aot::cache "$3")
  [ -n "$cache" ] || { echo "$3's JAVA_TOOL_OPTIONS name no AOT cache" >&2; return 1; }
  training_flags=$(aot::training_flags "$3" "$4")
  max_ram=$(grep -o -- '-XX:MaxRAM=[^ ]*' <<<"$training_flags")
  limit=${max_ram#-XX:MaxRAM=}
}

# The benchmarks' VARIANTS (bench/function.sh, bench/gateway-footprint.sh), one a line on stdin,
# "name|extra JVM flags|cache": prints "name|JVM flags" a line, the image's flags IMAGE_FLAGS and
# its memory limit MAX_RAM (-XX:MaxRAM=...) with the extra ones after them (a later flag wins), and
# as cache the image's ("image"), none ("none": -XX:AOTCache dropped), or one trained with the
# variant's own flags ("train": where a flag the cache depends on changes, the GC or the object
# headers), by the command TRAIN name java_options out, into DIR.
aot::variants() { # dir image_flags max_ram train
  local dir=$1 image=$2 max_ram=$3 train=$4 no_cache name extra cache own
  no_cache=$(sed 's/ *-XX:AOTCache=[^ ]*//' <<<"$image")
  while IFS='|' read -r name extra cache; do
    [ -n "$name" ] || continue
    case "$cache" in
      image) echo "$name|$image $max_ram $extra" ;;
      none) echo "$name|$no_cache $max_ram $extra" ;;
      train)
        own="$dir/$(tr -c 'a-zA-Z0-9\n' - <<<"$name").aot"
        "$train" "$name" "$no_cache $max_ram $extra" "$own" >&2
        echo "$name|$no_cache $max_ram $extra -XX:AOTCache=$own" ;;
      *) echo "VARIANTS: '$name' has cache '$cache', not image, none or train" >&2; return 2 ;;
    esac
  done
}

# The training run: starts nsqlookupd and nsqd on free ports, the program with JAVA_OPTIONS plus
# -XX:AOTCacheOutput=OUT as its chart runs it (nsqd and nsqlookupd set), waits until it is ready,
# has it do its work, reads /metrics, stops it with SIGTERM (a drain, as in a pod) and checks that
# OUT was written. KIND is what the program is:
#   function  JAR is a function; it answers 500 events as the gateway sends them.
#   gateway   JAR is the gateway; FUNCTION... (a command, such as java -jar pong.jar) is started
#             first as a function of the route /aot-training/, and the gateway answers 500 GETs and
#             100 POSTs routed to it, on keep-alive connections as a client makes them.
# The cache is only valid for the same JRE and the same jars (their names and sizes; the JVM
# refuses it otherwise), so JAVA and JAR must be the ones the image is made of; their folders may
# be elsewhere than in the image.
aot::train() { # kind java jar out java_options nsq_bin [function...]
  local kind=$1 java=$2 jar=$3 out=$4 options=$5 bin=$6
  shift 6
  local dir pids=() ok=0
  dir=$(mktemp -d /tmp/kubefuncs-aot.XXXXXX)
  local lookupd_tcp lookupd_http nsqd_tcp nsqd_http health listen
  read -r lookupd_tcp lookupd_http nsqd_tcp nsqd_http health listen < <(ports::free 6)
  "$bin/nsqlookupd" --tcp-address="127.0.0.1:$lookupd_tcp" --http-address="127.0.0.1:$lookupd_http" \
    --log-level=warn >"$dir/nsqlookupd.log" 2>&1 &
  pids+=($!)
  "$bin/nsqd" --tcp-address="127.0.0.1:$nsqd_tcp" --http-address="127.0.0.1:$nsqd_http" --data-path="$dir" \
    --broadcast-address=127.0.0.1 --lookupd-tcp-address="127.0.0.1:$lookupd_tcp" --log-level=warn >"$dir/nsqd.log" 2>&1 &
  pids+=($!)
  local topic=aot-training
  # The function chart's environment, on this nsqd and nsqlookupd.
  local function_env=(PATH="$PATH" TOPIC="$topic" NSQ_NSQD_ADDR=127.0.0.1 NSQ_NSQD_PORT="$nsqd_tcp"
    NSQ_LOOKUPD_ADDR=127.0.0.1 NSQ_LOOKUPD_PORT="$lookupd_http" HEALTHZ_ADDR="127.0.0.1:$health")
  rm -f "$out"
  local trained ready
  case "$kind" in
    function)
      aot::events 500 "$topic" >"$dir/events"
      ready="http://127.0.0.1:$health/healthz"
      aot::work() {
        curl -sf -o /dev/null --data-binary @"$dir/events" "http://127.0.0.1:$nsqd_http/mpub?topic=$topic&binary=true" &&
          aot::until 60 aot::handled "$health" 500
      }
      env -i "${function_env[@]}" JAVA_TOOL_OPTIONS="$options -XX:AOTCacheOutput=$out" "$java" -jar "$jar" \
        >"$dir/trained.log" 2>&1 &
      ;;
    gateway)
      env -i "${function_env[@]}" "$@" >"$dir/function.log" 2>&1 &
      pids+=($!)
      printf 'routes:\n  /%s/: %s\n' "$topic" "$topic" >"$dir/routes.yaml"
      ready="http://127.0.0.1:$listen/healthz"
      aot::work() {
        aot::until 60 curl -sf -o /dev/null "http://127.0.0.1:$health/healthz" &&
          aot::pongs 500 "http://127.0.0.1:$listen/$topic/[1-500]" &&
          aot::pongs 100 --data-binary training "http://127.0.0.1:$listen/$topic/post[1-100]" &&
          curl -sf -o /dev/null "http://127.0.0.1:$listen/metrics"
      }
      # The gateway chart's flags, on this nsqd and nsqlookupd.
      env -i PATH="$PATH" JAVA_TOOL_OPTIONS="$options -XX:AOTCacheOutput=$out" "$java" -jar "$jar" \
        --listen-addr "127.0.0.1:$listen" --config "$dir/routes.yaml" --lookupd-addr "127.0.0.1:$lookupd_http" \
        --nsqd-addr "127.0.0.1:$nsqd_tcp" --nsqd-http-addr "127.0.0.1:$nsqd_http" >"$dir/trained.log" 2>&1 &
      ;;
    *) echo "aot: no training for a $kind" >&2; return 2 ;;
  esac
  trained=$!
  if aot::until 60 curl -sf -o /dev/null "$ready" && aot::work; then
    kill -TERM "$trained"
    # The JVM writes the cache as it exits (a second JVM assembles it): not instant. A function
    # exits 0 once drained; the gateway as the JVM does on SIGTERM, 143, after its shutdown hook.
    local rc=0
    wait "$trained" || rc=$?
    { [ "$rc" = 0 ] || { [ "$kind" = gateway ] && [ "$rc" = 143 ]; }; } && [ -s "$out" ] && ok=1
  else
    kill -KILL "$trained" 2>/dev/null || true
    wait "$trained" 2>/dev/null || true
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

# Whether N answers to curl's URL (a range such as /t/[1-500], one keep-alive connection) were all
# "pong".
aot::pongs() { # n [curl options...] url
  local n=$1
  shift
  [ "$(curl -sf "$@" | grep -o pong | wc -l)" = "$n" ]
}

# Whether the JVM takes the cache: the program of KIND (as for aot::train) started with
# JAVA_OPTIONS (which name the cache) and -XX:AOTMode=on, which makes the JVM refuse to start
# rather than run without the cache, gets as far as its own check of its settings: exit 2 on an
# empty TOPIC (a function) or a bad --listen-addr (the gateway).
aot::check() { # kind java jar java_options
  local out rc=0 bad expected
  case "$1" in
    function) bad=(env -i PATH="$PATH" TOPIC= JAVA_TOOL_OPTIONS="$4 -XX:AOTMode=on" "$2" -jar "$3") expected='bad configuration' ;;
    gateway) bad=(env -i PATH="$PATH" JAVA_TOOL_OPTIONS="$4 -XX:AOTMode=on" "$2" -jar "$3" --listen-addr bad) expected='gateway: --listen-addr:' ;;
    *) echo "aot: no check for a $1" >&2; return 2 ;;
  esac
  out=$("${bad[@]}" 2>&1) || rc=$?
  if [ "$rc" != 2 ] || ! grep -qF -- "$expected" <<<"$out"; then
    echo "aot: the JVM does not take the AOT cache in '$4' (exit $rc):" >&2
    echo "$out" >&2
    return 1
  fi
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
