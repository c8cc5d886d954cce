# shellcheck shell=bash
# Free TCP ports on 127.0.0.1, for processes started later to listen on. Sourced by
# scripts/lib/aot.sh (and with it by the Dockerfiles' training runs) and bench/lib.sh.
#
# Chosen below the kernel's ephemeral range: a port there is never given to an outgoing connection
# or to a port-0 bind, either of which could otherwise take it between the check and the listen,
# and neither of which shows as in use while it is not connected. Ports chosen but not listened on
# yet do not show either: pass them, so that they are not chosen twice.

ports::free() { # n [ports already chosen...]: prints n ports, space-separated
  local n=$1 chosen=" ${*:2} " p lowest_ephemeral tries=0 found=()
  read -r lowest_ephemeral _ </proc/sys/net/ipv4/ip_local_port_range
  [ "$lowest_ephemeral" -gt 21000 ] || lowest_ephemeral=52768 # a range set unusually low: not avoidable
  while [ "${#found[@]}" -lt "$n" ]; do
    if [ $((tries += 1)) -gt 1000 ]; then
      echo "ports: no $n free ports found below $lowest_ephemeral" >&2
      return 1
    fi
    p=$((20000 + RANDOM % (lowest_ephemeral - 20000)))
    case "$chosen" in *" $p "*) continue ;; esac
    if ! ports::in_use "$p"; then
      found+=("$p")
      chosen+="$p "
    fi
  done
  echo "${found[*]}"
}

ports::in_use() { # port: whether something listens on it at 127.0.0.1
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
