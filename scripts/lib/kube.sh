# The throwaway cluster of scripts/kube: what it builds, how it starts, and how it is taken apart.
# Sourced by scripts/kube, which sets $root. Facts behind the settings: shared notes on running
# Kubernetes on one host, and docs/testing.md.

# ---- versions and places ----

kube_version=$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" {print $3}' "$root/tools/kube/go.mod")
etcd_version=$(awk '$1 == "require" && $2 == "go.etcd.io/etcd/server/v3" {print $3}' "$root/tools/etcd/go.mod")
# The add-ons the e2e installs as a user would (KEDA for autoscaling.mode keda, metrics-server for
# hpa); go.mod lists KEDA among its tool's requirements, hence the looser match.
keda_version=$(awk '$1 == "github.com/kedacore/keda/v2" {print $2}' "$root/tools/keda/go.mod")
metrics_server_version=$(awk '$1 == "require" && $2 == "sigs.k8s.io/metrics-server" {print $3}' "$root/tools/metrics-server/go.mod")
cni_version=v1.10.0
coredns_version=v1.15.0
helm_version=v3.22.0

tools=$root/.tools/kube
bin=$tools/bin
logs=$tools/logs
kubeconfig=$tools/kubeconfig
k8s_bin=$tools/kubernetes-$kube_version
etcd_bin=$tools/etcd-$etcd_version
cni_bin=$tools/cni-$cni_version
coredns_bin=$tools/coredns-$coredns_version
helm_bin=$tools/helm-$helm_version
keda_bin=$tools/keda-$keda_version
metrics_server_bin=$tools/metrics-server-$metrics_server_version
images=$tools/images

# Machine-wide: a unix socket path must stay short, and there is one such cluster per machine.
state=/var/lib/kubefuncs-kube
run=/run/kubefuncs-kube
sock=$run/containerd/containerd.sock

# Two private /24s, and a bridge of our own whose address is the node's IP.
bridge=kubefuncs0
node_ip=172.30.0.1
pod_cidr=172.30.0.0/24
service_cidr=172.30.1.0/24
apiserver_service_ip=172.30.1.1
dns_ip=172.30.1.10
node_name=kubefuncs-node
etcd_port=12379
etcd_peer_port=12380

pause_image=kubefuncs.local/pause:1
coredns_image=kubefuncs.local/coredns:$coredns_version
# Named as the add-ons' release manifests name them, so that a user's overlay only sets the tag.
keda_image=ghcr.io/kedacore/keda:${keda_version#v}
keda_adapter_image=ghcr.io/kedacore/keda-metrics-apiserver:${keda_version#v}
metrics_server_image=registry.k8s.io/metrics-server/metrics-server:$metrics_server_version

# Where the host's cgroup v1 hierarchies are; the kubelet puts every pod under /kubefuncs.
cgroup_root=kubefuncs

kube::log() { printf 'kube: %s\n' "$*" >&2; }
kube::fail() {
  printf 'kube: %s\n' "$*" >&2
  exit 1
}

kube::timed() {
  local what=$1
  shift
  local start=$SECONDS
  "$@"
  kube::log "$what: $((SECONDS - start)) s"
}

# Waits for a command to succeed, up to a deadline in seconds; on time-out names the log to read.
kube::wait_for() {
  local what=$1 seconds=$2 log=$3
  shift 3
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      [ -f "$log" ] && tail -n 30 "$log" >&2
      kube::fail "$what did not happen within ${seconds} s (log: $log)"
    fi
    sleep 0.2
  done
}

# ---- build ----

kube::go_build() { # target-dir module-dir packages...
  local out=$1 dir=$2
  shift 2
  local tmp="$out.partial"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  (cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "${ldflags:--s -w}" -o "$tmp/" "$@")
  rm -rf "$out"
  mv "$tmp" "$out"
}

kube::go_install() { # target-dir packages@version...
  local out=$1
  shift
  local tmp="$out.partial"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  (cd "$root" && GOBIN=$tmp CGO_ENABLED=0 GOFLAGS=-trimpath go install -ldflags "${ldflags:--s -w}" "$@")
  rm -rf "$out"
  mv "$tmp" "$out"
}

kube::build_kubernetes() {
  local ldflags="-s -w" p minor=${kube_version#v1.}
  minor=${minor%%.*}
  # kubectl, helm and every chart's kubeVersion read the version stamped here.
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $p.gitVersion=$kube_version -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  kube::go_build "$k8s_bin" "$root/tools/kube" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet \
    k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kubectl
}

kube::build_etcd() {
  kube::go_build "$etcd_bin" "$root/tools/etcd" go.etcd.io/etcd/server/v3
  mv "$etcd_bin/server" "$etcd_bin/etcd" # go names a /v3 module's binary after the element before it
}

kube::build_cni() {
  local p=github.com/containernetworking/plugins/plugins
  kube::go_install "$cni_bin" "$p/main/bridge@$cni_version" "$p/main/loopback@$cni_version" \
    "$p/ipam/host-local@$cni_version" "$p/meta/portmap@$cni_version"
}

kube::build_coredns() { kube::go_install "$coredns_bin" "github.com/coredns/coredns@$coredns_version"; }

kube::build_helm() {
  local ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$helm_version"
  kube::go_install "$helm_bin" "helm.sh/helm/v3/cmd/helm@$helm_version"
}

# KEDA's operator and metrics adapter (no admission webhooks: the e2e installs KEDA's minimal
# config), and next to them the config/ folder of the same release, which the e2e's kustomize
# overlay starts from. A wrapper module again: KEDA's go.mod has replace directives.
kube::build_keda() {
  local ldflags="-s -w -X github.com/kedacore/keda/v2/version.Version=${keda_version#v}"
  kube::go_build "$keda_bin" "$root/tools/keda" \
    github.com/kedacore/keda/v2/cmd/operator github.com/kedacore/keda/v2/cmd/adapter
  local src
  src=$(cd "$root/tools/keda" && go list -m -f '{{.Dir}}' github.com/kedacore/keda/v2)
  cp -r "$src/config" "$keda_bin/config"
  chmod -R u+w "$keda_bin/config" # copied read-only from the module cache; a rebuild removes it
}

kube::build_metrics_server() {
  local ldflags="-s -w -X k8s.io/client-go/pkg/version.gitVersion=$metrics_server_version"
  kube::go_build "$metrics_server_bin" "$root/tools/metrics-server" sigs.k8s.io/metrics-server/cmd/metrics-server
  local src
  src=$(cd "$root/tools/metrics-server" && go list -m -f '{{.Dir}}' sigs.k8s.io/metrics-server)
  cp -r "$src/manifests" "$metrics_server_bin/manifests"
  chmod -R u+w "$metrics_server_bin/manifests"
}

# A static binary as an image of its own, under the name its manifests give it, with the binary
# as its entrypoint as upstream's images have it (metrics-server's manifest gives only args).
# Stamped with what it is made of, so a changed binary, tag or user builds it again.
kube::binary_image() { # tar tag user binary:path-in-image...
  local tar=$1 tag=$2 user=$3 dir="$images/${1%.tar}" pair stamp
  shift 3
  stamp=$({ printf '%s\n' "$tag" "$user" "$@"; declare -f kube::binary_image; sha256sum "${@%%:*}"; } |
    sha256sum | cut -d' ' -f1)
  [ -f "$images/$tar" ] && [ "$(cat "$images/$tar.stamp" 2>/dev/null)" = "$stamp" ] && return
  rm -rf "$dir" && mkdir -p "$dir/tmp"
  chmod 1777 "$dir/tmp"
  for pair in "$@"; do cp "${pair%%:*}" "$dir/${pair#*:}"; done
  "$("$root/scripts/images" tool)" --out "$images/$tar" --tag "$tag" --layer "$dir" --user "$user" \
    --entrypoint "[\"/${1#*:}\"]"
  echo "$stamp" >"$images/$tar.stamp"
  rm -rf "$dir"
}

kube::build_images() {
  local tool
  tool=$("$root/scripts/images" tool)
  local pause_dir=$images/pause coredns_dir=$images/coredns
  if [ ! -f "$images/pause.tar" ]; then
    rm -rf "$pause_dir" && mkdir -p "$pause_dir"
    (cd "$root/tools/kube" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$pause_dir/pause" ./pause)
    "$tool" --out "$images/pause.tar" --tag "$pause_image" --layer "$pause_dir" \
      --entrypoint '["/pause"]' --user 65535:65535
  fi
  if [ ! -f "$images/coredns.tar" ]; then
    rm -rf "$coredns_dir" && mkdir -p "$coredns_dir"
    cp "$coredns_bin/coredns" "$coredns_dir/coredns"
    "$tool" --out "$images/coredns.tar" --tag "$coredns_image" --layer "$coredns_dir" \
      --entrypoint '["/coredns"]' --user 65532:65532
  fi
  # The manifests give each container its command; the images' users are those of the upstream
  # images (distroless nonroot for KEDA, 65534 for metrics-server).
  kube::binary_image "keda-$keda_version.tar" "$keda_image" 65532:65532 "$keda_bin/operator:keda"
  kube::binary_image "keda-adapter-$keda_version.tar" "$keda_adapter_image" 65532:65532 "$keda_bin/adapter:keda-adapter"
  kube::binary_image "metrics-server-$metrics_server_version.tar" "$metrics_server_image" 65534:65534 \
    "$metrics_server_bin/metrics-server:metrics-server"
}

# The add-ons' images, for `scripts/kube load`: the e2e installs the add-ons themselves.
kube::addon_images() {
  echo "$images/keda-$keda_version.tar" "$images/keda-adapter-$keda_version.tar" \
    "$images/metrics-server-$metrics_server_version.tar"
}

kube::build() {
  command -v go >/dev/null || kube::fail "Go is needed to build the cluster's parts (https://go.dev/dl/)"
  mkdir -p "$tools" "$bin" "$images"
  [ -x "$k8s_bin/kubelet" ] || kube::timed "built Kubernetes $kube_version" kube::build_kubernetes
  [ -x "$etcd_bin/etcd" ] || kube::timed "built etcd $etcd_version" kube::build_etcd
  [ -x "$cni_bin/bridge" ] || kube::timed "built CNI plugins $cni_version" kube::build_cni
  [ -x "$coredns_bin/coredns" ] || kube::timed "built CoreDNS $coredns_version" kube::build_coredns
  [ -x "$helm_bin/helm" ] || kube::timed "built Helm $helm_version" kube::build_helm
  [ -x "$keda_bin/adapter" ] || kube::timed "built KEDA $keda_version" kube::build_keda
  [ -x "$metrics_server_bin/metrics-server" ] ||
    kube::timed "built metrics-server $metrics_server_version" kube::build_metrics_server
  ln -sfn "$k8s_bin/kubectl" "$bin/kubectl"
  ln -sfn "$helm_bin/helm" "$bin/helm"
  kube::build_images
}

# ---- host packages and checks ----

kube::packages() {
  local missing=()
  command -v containerd >/dev/null || missing+=(containerd)
  command -v runc >/dev/null || missing+=(runc)
  command -v iptables >/dev/null || missing+=(iptables)
  command -v openssl >/dev/null || missing+=(openssl)
  [ ${#missing[@]} = 0 ] && return
  command -v apt-get >/dev/null || kube::fail "install ${missing[*]} (Debian packages here)"
  kube::log "installing ${missing[*]} (Debian packages)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

kube::preflight() {
  [ "$(uname -s)" = Linux ] || kube::fail "a Linux host is needed"
  [ "$(id -u)" = 0 ] || kube::fail "root is needed (containerd, a bridge, iptables, cgroups)"
  [ -d /sys/fs/cgroup/memory ] || kube::fail "cgroup v1 with the memory controller is expected (/sys/fs/cgroup/memory)"
  [ -d /proc/sys/net/bridge ] ||
    kube::fail "bridged pod traffic must pass iptables (module br_netfilter); it is not loaded, and this script does not change the host's modules"
}

# ---- processes ----

kube::pid() { cat "$run/pids/$1" 2>/dev/null || true; }

# When a process started, in clock ticks since boot: with the PID, it names one process for good,
# so a PID that the kernel has since given to another process is never mistaken for ours.
kube::started() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) } # after the command name, which may hold spaces
  echo "$stat" | awk '{print $20}'
}

kube::alive() {
  local pid
  pid=$(kube::pid "$1")
  [ -n "$pid" ] && [ "$(kube::started "$pid")" = "$(cat "$run/pids/$1.started" 2>/dev/null)" ]
}

# Starts a daemon with its output in $logs/NAME.log; `node` daemons join the private mount
# namespace of the holder process.
kube::start() {
  local name=$1 where=$2
  shift 2
  mkdir -p "$run/pids" "$logs"
  local prefix=()
  [ "$where" = node ] && prefix=(nsenter --mount="/proc/$(kube::pid holder)/ns/mnt" --)
  # Daemons outlive this script and the terminal it ran in: a hang-up or Ctrl-C there is not
  # theirs to act on; `down` stops them.
  (
    trap '' HUP INT
    exec "${prefix[@]}" "$@"
  ) </dev/null >"$logs/$name.log" 2>&1 &
  echo $! >"$run/pids/$name"
  kube::started $! >"$run/pids/$name.started"
}

kube::stop() { # name [seconds]
  local name=$1 seconds=${2:-20} pid
  kube::alive "$name" || {
    rm -f "$run/pids/$name" "$run/pids/$name.started"
    return 0
  }
  pid=$(kube::pid "$name")
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + seconds))
  while [ -e "/proc/$pid" ] && ((SECONDS < deadline)); do sleep 0.1; done
  [ -e "/proc/$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$run/pids/$name" "$run/pids/$name.started"
}

# ---- certificates and configuration ----

kube::cert() { # name subject [subjectAltNames [ca]]
  local name=$1 subject=$2 san=${3:-} ca=${4:-ca}
  local pki=$state/pki
  [ -f "$pki/$name.crt" ] && return
  openssl req -new -newkey rsa:2048 -nodes -keyout "$pki/$name.key" -subj "$subject" \
    -out "$pki/$name.csr" 2>/dev/null
  local ext="$pki/$name.ext"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n' >"$ext"
  [ -n "$san" ] && echo "subjectAltName=$san" >>"$ext"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/$ca.crt" -CAkey "$pki/$ca.key" -CAcreateserial \
    -days 30 -extfile "$ext" -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr" "$ext"
}

kube::kubeconfig() { # file user-cert-name
  local file=$1 name=$2 pki=$state/pki
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kubefuncs
  cluster:
    server: https://$node_ip:6443
    certificate-authority-data: $(base64 -w0 <"$pki/ca.crt")
users:
- name: $name
  user:
    client-certificate-data: $(base64 -w0 <"$pki/$name.crt")
    client-key-data: $(base64 -w0 <"$pki/$name.key")
contexts:
- name: kubefuncs
  context:
    cluster: kubefuncs
    user: $name
current-context: kubefuncs
EOF
  chmod 600 "$file"
}

kube::pki() {
  local pki=$state/pki
  mkdir -p "$pki" && chmod 700 "$pki"
  if [ ! -f "$pki/ca.crt" ]; then
    openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$pki/ca.key" -subj "/CN=kubefuncs-throwaway-ca" \
      -days 30 -out "$pki/ca.crt" 2>/dev/null
    openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
    openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
    # The aggregation layer's own CA: an extension API server (KEDA's metrics adapter,
    # metrics-server) trusts the user names in a proxied request's headers only from a client
    # certificate of this CA, so no ordinary client certificate can claim to be anyone.
    openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$pki/front-proxy-ca.key" \
      -subj "/CN=kubefuncs-front-proxy-ca" -days 30 -out "$pki/front-proxy-ca.crt" 2>/dev/null
  fi
  kube::cert front-proxy-client "/CN=front-proxy-client" "" front-proxy-ca
  kube::cert apiserver "/CN=kube-apiserver" \
    "IP:$node_ip,IP:$apiserver_service_ip,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  kube::cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
  kube::cert admin "/O=system:masters/CN=kubefuncs-admin"
  kube::cert controller-manager "/CN=system:kube-controller-manager"
  kube::cert scheduler "/CN=system:kube-scheduler"
  kube::cert kube-proxy "/CN=system:kube-proxy"
  kube::cert kubelet "/O=system:nodes/CN=system:node:$node_name"
  kube::cert kubelet-serving "/CN=$node_name" "IP:$node_ip,DNS:$node_name"
  local n
  for n in admin controller-manager scheduler kube-proxy kubelet; do
    kube::kubeconfig "$state/$n.kubeconfig" "$n"
  done
  cp "$state/admin.kubeconfig" "$kubeconfig"
}

kube::configure_node() {
  mkdir -p "$state/cni/net.d" "$state/containerd" "$run/containerd" "$state/kubelet" "$state/sysctl"
  cat >"$state/cni/net.d/10-kubefuncs.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "kubefuncs",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$bridge",
      "isGateway": false,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$state/cni/networks",
        "ranges": [[{"subnet": "$pod_cidr", "gateway": "$node_ip", "rangeStart": "${node_ip%.*}.10"}]],
        "routes": [{"dst": "0.0.0.0/0", "gw": "$node_ip"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
  cat >"$state/containerd/config.toml" <<EOF
version = 2
root = "$state/containerd/root"
state = "$run/containerd/state"
[grpc]
  address = "$sock"
[ttrpc]
  address = "$run/containerd/ttrpc.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$pause_image"
  # This machine may not lower oom_score_adj; without this every pod fails to start.
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$cni_bin"
    conf_dir = "$state/cni/net.d"
EOF
  : >"$state/kubelet/resolv.conf"
  # No image garbage collection (high threshold 100): every image here was imported and none can be
  # pulled again, so one the kubelet deletes is gone; on a shared disk at 85 % it deleted the pause
  # image, and no pod could start after.
  cat >"$state/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $node_ip
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $state/pki/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $state/pki/kubelet-serving.crt
tlsPrivateKeyFile: $state/pki/kubelet-serving.key
containerRuntimeEndpoint: unix://$sock
cgroupDriver: cgroupfs
cgroupRoot: /$cgroup_root
failCgroupV1: false
failSwapOn: false
clusterDomain: cluster.local
clusterDNS: [$dns_ip]
resolvConf: $state/kubelet/resolv.conf
podLogsDir: $state/pod-logs
serializeImagePulls: false
evictionHard: {memory.available: 200Mi, nodefs.available: 2%, imagefs.available: 2%}
imageGCHighThresholdPercent: 100
EOF
  # The kubelet sets these on start; inside its mount namespace they are these files, not the host's.
  local f
  for f in vm/overcommit_memory kernel/panic kernel/panic_on_oops; do
    cat "/proc/sys/$f" >"$state/sysctl/${f//\//.}"
  done
}

# ---- network ----

kube::network_up() {
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge
    ip addr add "$node_ip/24" dev "$bridge"
  fi
  ip link set "$bridge" up
  # Pod -> Service -> pod crosses the bridge twice; forward on this bridge only. The guard drops
  # whatever would cross between the bridge and any other interface, in mangle FORWARD, which
  # runs before the filter rules kube-proxy and CNI add: no pod can reach off the machine, and
  # nothing from outside can reach a pod (hostPorts included).
  echo 1 >"/proc/sys/net/ipv4/conf/$bridge/forwarding"
  if ! iptables -t mangle -C FORWARD -j KUBEFUNCS-GUARD 2>/dev/null; then
    iptables -t mangle -N KUBEFUNCS-GUARD 2>/dev/null || iptables -t mangle -F KUBEFUNCS-GUARD
    iptables -t mangle -A KUBEFUNCS-GUARD -i "$bridge" ! -o "$bridge" -j DROP
    iptables -t mangle -A KUBEFUNCS-GUARD ! -i "$bridge" -o "$bridge" -j DROP
    iptables -t mangle -I FORWARD 1 -j KUBEFUNCS-GUARD
  fi
}

# Deletes the chains Kubernetes, CNI and this script made, and every rule that jumps to them.
kube::iptables_purge() {
  local ipt=$1 table rules chain rule ours='(KUBE-|CNI-|KUBEFUNCS-)'
  for table in filter nat mangle raw; do
    rules=$("$ipt" -t "$table" -S 2>/dev/null) || continue
    while read -r rule; do
      # iptables -S quotes what needs quoting (comments) as a shell would.
      eval "\"\$ipt\" -t \"\$table\" -D ${rule#-A }" 2>/dev/null || true
    done < <(grep -E "^-A [A-Z]+ .*-j $ours" <<<"$rules" | grep -vE "^-A $ours" || true)
    for chain in $(awk -v re="^$ours" '$1 == "-N" && $2 ~ re {print $2}' <<<"$rules"); do
      "$ipt" -t "$table" -F "$chain" 2>/dev/null || true
    done
    for chain in $(awk -v re="^$ours" '$1 == "-N" && $2 ~ re {print $2}' <<<"$rules"); do
      "$ipt" -t "$table" -X "$chain" 2>/dev/null || true
    done
  done
}

# ---- cgroups ----

kube::cgroups_up() {
  local c
  for c in /sys/fs/cgroup/*/; do
    mkdir -p "$c$cgroup_root"
  done
  # A new cpuset cgroup starts with no CPUs and no memory nodes; children need the parent's.
  cat /sys/fs/cgroup/cpuset/cpuset.cpus >"/sys/fs/cgroup/cpuset/$cgroup_root/cpuset.cpus"
  cat /sys/fs/cgroup/cpuset/cpuset.mems >"/sys/fs/cgroup/cpuset/$cgroup_root/cpuset.mems"
}

# Ends whatever still runs in the cluster's cgroups (containers whose shim died), then removes
# the cgroups, deepest first.
kube::cgroups_down() {
  local top=/sys/fs/cgroup/pids/$cgroup_root pid dir
  if [ -d "$top" ]; then
    for pid in $(find "$top" -name cgroup.procs -exec cat {} + 2>/dev/null); do
      kill -KILL "$pid" 2>/dev/null || true
    done
    # A killed process leaves its cgroup only once it has exited; until then rmdir says busy.
    local deadline=$((SECONDS + 10))
    while [ -n "$(find "$top" -name cgroup.procs -exec cat {} + 2>/dev/null)" ] && ((SECONDS < deadline)); do
      sleep 0.1
    done
  fi
  for dir in /sys/fs/cgroup/*/"$cgroup_root"; do
    [ -d "$dir" ] || continue
    find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

# ---- up ----

kube::apiserver_ready() {
  curl -sf --max-time 2 --cacert "$state/pki/ca.crt" --cert "$state/pki/admin.crt" --key "$state/pki/admin.key" \
    "https://$node_ip:6443/readyz" >/dev/null
}

kube::kubectl() { "$bin/kubectl" --kubeconfig "$kubeconfig" "$@"; }

kube::control_plane_up() {
  kube::alive etcd || kube::start etcd host "$etcd_bin/etcd" --name kubefuncs --data-dir "$state/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "kubefuncs=http://127.0.0.1:$etcd_peer_port" --listen-metrics-urls "" \
    --unsafe-no-fsync --log-level warn
  local pki=$state/pki
  # The --requestheader-* and --proxy-client-* flags turn on the aggregation layer, which serves
  # the metrics APIs of KEDA and metrics-server; with aggregator routing the apiserver dials their
  # pods' IPs, reachable over the bridge, instead of a Service IP that only kube-proxy's rules
  # for the host's own traffic would translate.
  kube::alive apiserver || kube::start apiserver host "$k8s_bin/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" --bind-address "$node_ip" --advertise-address "$node_ip" \
    --secure-port 6443 --service-cluster-ip-range "$service_cidr" --authorization-mode Node,RBAC \
    --enable-admission-plugins NodeRestriction --client-ca-file "$pki/ca.crt" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$pki/apiserver-kubelet-client.key" --kubelet-preferred-address-types InternalIP \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local --profiling=false \
    --requestheader-client-ca-file "$pki/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$pki/front-proxy-client.crt" --proxy-client-key-file "$pki/front-proxy-client.key" \
    --enable-aggregator-routing=true
  kube::wait_for "the apiserver answering /readyz" 120 "$logs/apiserver.log" kube::apiserver_ready
  kube::alive controller-manager || kube::start controller-manager host "$k8s_bin/kube-controller-manager" \
    --kubeconfig "$state/controller-manager.kubeconfig" --authentication-kubeconfig "$state/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$state/controller-manager.kubeconfig" --bind-address 127.0.0.1 \
    --leader-elect=false --use-service-account-credentials --service-account-private-key-file "$pki/sa.key" \
    --root-ca-file "$pki/ca.crt" --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
    --service-cluster-ip-range "$service_cidr" --profiling=false
  kube::alive scheduler || kube::start scheduler host "$k8s_bin/kube-scheduler" \
    --kubeconfig "$state/scheduler.kubeconfig" --authentication-kubeconfig "$state/scheduler.kubeconfig" \
    --authorization-kubeconfig "$state/scheduler.kubeconfig" --bind-address 127.0.0.1 --leader-elect=false \
    --profiling=false
}

# True once the process whose mount namespace is $1 (/proc/<pid>/ns/mnt) has left ours: unshare
# runs in ours until it has made the new one. Read anew on each try of kube::wait_for.
kube::own_mount_namespace() {
  [ "$(readlink "$1")" != "$(readlink /proc/self/ns/mnt)" ]
}

kube::node_up() {
  if ! kube::alive holder; then
    # The private mount namespace that containerd, the kubelet and kube-proxy share.
    kube::start holder host unshare --mount --propagation private -- sleep infinity
    local ns="/proc/$(kube::pid holder)/ns/mnt"
    kube::wait_for "the mount namespace" 10 "$logs/holder.log" kube::own_mount_namespace "$ns"
    local f
    for f in vm/overcommit_memory kernel/panic kernel/panic_on_oops; do
      nsenter --mount="$ns" -- mount --bind "$state/sysctl/${f//\//.}" "/proc/sys/$f"
    done
  fi
  kube::alive containerd || kube::start containerd node /usr/bin/containerd --config "$state/containerd/config.toml"
  kube::wait_for "containerd" 30 "$logs/containerd.log" ctr --address "$sock" version
  kube::load "$images"/pause.tar "$images"/coredns.tar
  kube::alive kubelet || kube::start kubelet node "$k8s_bin/kubelet" --config "$state/kubelet/config.yaml" \
    --kubeconfig "$state/kubelet.kubeconfig" --root-dir "$state/kubelet" --node-ip "$node_ip" \
    --hostname-override "$node_name"
  kube::alive kube-proxy || kube::start kube-proxy node "$k8s_bin/kube-proxy" --kubeconfig "$state/kube-proxy.kubeconfig" \
    --proxy-mode iptables --hostname-override "$node_name" --cluster-cidr "$pod_cidr" \
    --nodeport-addresses "$pod_cidr" --iptables-localhost-nodeports=false --oom-score-adj 0 \
    --conntrack-max-per-core 0 --conntrack-tcp-timeout-established 0 --conntrack-tcp-timeout-close-wait 0 \
    --metrics-bind-address 127.0.0.1:10249 --healthz-bind-address 127.0.0.1:10256
  kube::wait_for "node $node_name Ready" 120 "$logs/kubelet.log" \
    kube::kubectl wait --for=condition=Ready "node/$node_name" --timeout=2s
}

kube::dns_up() {
  sed -e "s|@DNS_IP@|$dns_ip|g" -e "s|@IMAGE@|$coredns_image|g" "$root/tools/kube/coredns.yaml" |
    kube::kubectl apply -f - >/dev/null
  kube::kubectl -n kube-system rollout status deployment/coredns --timeout=120s >/dev/null ||
    kube::fail "CoreDNS did not become ready (kubectl -n kube-system describe pods -l k8s-app=kube-dns)"
}

kube::up() {
  kube::preflight
  if kube::alive apiserver && kube::alive kubelet && [ -f "$kubeconfig" ] && kube::apiserver_ready; then
    kube::log "already up (KUBECONFIG=$kubeconfig)"
    return
  fi
  # Whatever an earlier run left behind (a crash, a killed session) goes first.
  kube::down quiet
  kube::timed "host packages" kube::packages
  kube::build
  kube::timed "certificates and configuration" kube::setup
  kube::timed "control plane" kube::control_plane_up
  kube::timed "node" kube::node_up
  kube::timed "CoreDNS" kube::dns_up
  kube::log "up: $("$bin/kubectl" version --kubeconfig "$kubeconfig" 2>/dev/null | tail -n 1)"
  kube::env
}

# Paths the kubelet and containerd use whatever their flags say (device plugins, CNI's cache,
# shim sockets, runc's state, containerd's opt plugin, util-linux's mount table). `down` removes
# the ones that were not there before `up`.
fixed_paths=(/var/lib/kubelet /var/lib/cni /run/containerd /opt/containerd /run/mount /var/log/containers)

kube::setup() {
  mkdir -p "$state" "$run" "$logs"
  local p
  for p in "${fixed_paths[@]}"; do
    [ -e "$p" ] || echo "$p" >>"$state/created-paths"
  done
  kube::pki
  kube::configure_node
  kube::network_up
  kube::cgroups_up
}

# Imports image tarballs into the cluster's containerd, as `kind load image-archive` does.
kube::load() {
  [ $# -gt 0 ] || kube::fail "usage: scripts/kube load IMAGE.tar..."
  kube::alive containerd || kube::fail "the cluster is not up (scripts/kube up)"
  local tar
  for tar in "$@"; do
    ctr --address "$sock" -n k8s.io images import "$tar" >/dev/null || kube::fail "could not import $tar"
  done
}

kube::env() {
  echo "export KUBECONFIG=$kubeconfig"
  echo "export PATH=$bin:\$PATH"
}

kube::status() {
  local name
  for name in etcd apiserver controller-manager scheduler holder containerd kubelet kube-proxy; do
    if kube::alive "$name"; then echo "$name: running (pid $(kube::pid "$name"))"; else echo "$name: stopped"; fi
  done
  kube::alive apiserver && kube::apiserver_ready
}

# ---- down ----

# Ends containerd-shim processes of this cluster's containerd (found by its socket in their
# command line), and what their containers still run.
kube::shims_down() {
  local pid
  for pid in $(grep -lsF -- "$sock" /proc/[0-9]*/cmdline | cut -d/ -f3); do
    grep -qsF containerd-shim "/proc/$pid/cmdline" && kill -KILL "$pid" 2>/dev/null || true
  done
}

kube::down() {
  local quiet=${1:-}
  [ "$(id -u)" = 0 ] || kube::fail "root is needed"
  local start=$SECONDS
  if kube::alive apiserver && kube::alive kubelet && kube::apiserver_ready; then
    # Workloads first, while the kubelet can still tear down each sandbox's network with CNI.
    # Without the controllers nothing recreates the pods.
    kube::stop controller-manager
    kube::stop scheduler
    kube::kubectl delete pods --all --all-namespaces --grace-period=2 --timeout=60s >/dev/null 2>&1 || true
  fi
  local name
  for name in kube-proxy kubelet controller-manager scheduler; do kube::stop "$name"; done
  if kube::alive containerd; then
    local task
    for task in $(ctr --address "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$sock" -n k8s.io tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true
    done
  fi
  kube::stop containerd
  kube::shims_down
  kube::stop apiserver
  kube::stop etcd
  kube::stop holder 5
  kube::cgroups_down
  if [ -x "$k8s_bin/kube-proxy" ] && command -v iptables >/dev/null; then
    "$k8s_bin/kube-proxy" --cleanup >/dev/null 2>&1 || true
  fi
  if command -v iptables >/dev/null; then
    kube::iptables_purge iptables
    kube::iptables_purge ip6tables
  fi
  ip link del "$bridge" 2>/dev/null || true
  if [ -d /var/log/containers ]; then
    find /var/log/containers -maxdepth 1 -type l -lname "$state/*" -delete
  fi
  if [ -f "$state/created-paths" ]; then
    local p
    while read -r p; do
      case " ${fixed_paths[*]} " in *" $p "*) rm -rf "$p" ;; esac
    done <"$state/created-paths"
  fi
  # Nothing is mounted there any more: the mount namespace ended with its last process.
  rm -rf "$state" "$run" "$kubeconfig"
  [ -n "$quiet" ] || kube::log "down in $((SECONDS - start)) s"
}
