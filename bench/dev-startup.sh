#!/usr/bin/env bash
# How long `./kubefuncs dev` takes, from the command to the first `curl /test/hello` that answers
# pong, with a warm build (the launcher finds its jar up to date and starts it at once). One
# warm-up run first, which builds if needed and writes the class-data archive the next runs use;
# then RUNS (default 5) measured runs. Prints one `RESULT` line per run and the median.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${RUNS:-5}
command -v curl >/dev/null || { echo "dev-startup.sh needs curl" >&2; exit 1; }

log=$(mktemp)
dev=
# SIGTERM, not SIGINT: a script's background jobs ignore SIGINT (dev stops the same way on both).
cleanup() { [ -z "$dev" ] || kill -TERM "$dev" 2>/dev/null || true; wait 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT

# Sets ms to the milliseconds from launching ./kubefuncs dev to the first pong, then stops dev.
# Every port is chosen at run time; the gateway's is read from what dev prints.
run_once() {
  : >"$log"
  local start url="" answer="" end
  start=$(date +%s%N)
  ./kubefuncs dev --listen-addr 127.0.0.1:0 --dashboard-addr 127.0.0.1:0 --nsqd-tcp-port 0 --nsqd-http-port 0 \
    --lookupd-tcp-port 0 --lookupd-http-port 0 >"$log" 2>&1 &
  dev=$!
  while [ "$answer" != pong ]; do
    kill -0 "$dev" 2>/dev/null || { cat "$log" >&2; echo "dev-startup.sh: kubefuncs dev exited" >&2; exit 1; }
    [ -n "$url" ] || url=$(sed -n 's|^  gateway  *\(http://[^ ]*\).*|\1|p' "$log")
    [ -z "$url" ] || answer=$(curl -s -m 5 "$url/test/hello" || true)
    [ "$answer" = pong ] || sleep 0.01
  done
  end=$(date +%s%N)
  kill -TERM "$dev"
  wait "$dev" || { cat "$log" >&2; echo "dev-startup.sh: kubefuncs dev did not stop cleanly" >&2; exit 1; }
  dev=
  ms=$(((end - start) / 1000000))
}

run_once
echo "warm-up run (builds if needed, writes the class-data archive): $ms ms" >&2
figures=()
for i in $(seq 1 "$runs"); do
  run_once
  figures+=("$ms")
  echo "RESULT dev_start_to_first_pong_run$i $ms ms"
done
median=$(printf '%s\n' "${figures[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2)}')
echo "RESULT dev_start_to_first_pong_median $median ms"
