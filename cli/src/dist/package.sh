#!/usr/bin/env bash
# Writes the kubefuncs distribution, the command with a Java runtime of its own, for a machine
# without a JDK or a checkout: target/kubefuncs-VERSION-OS-ARCH.tar.gz, holding kubefuncs-VERSION/
# with bin/kubefuncs, kubefuncs.jar and lib/ (as in target/), runtime/ (jlink'd from the building
# JDK, with only the modules the jars use), charts/ (the Helm charts: `kubefuncs deploy` installs
# charts/function, and the kubefuncs chart installs NSQ and the gateway) and INSTALL.md. Run by the cli module's `package`
# (-Dkubefuncs.dist.skip=true leaves it out), after the jar and target/lib are written.
set -euo pipefail
version=$1 target=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
. "$root/scripts/lib/jre.sh"
export PATH="${JAVA_HOME:?the JDK that builds}/bin:$PATH"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux-x64 ;;
  Linux-aarch64) platform=linux-aarch64 ;;
  Darwin-arm64) platform=macos-aarch64 ;;
  Darwin-x86_64) platform=macos-x64 ;;
  *) platform=$(uname -s | tr 'A-Z' 'a-z')-$(uname -m) ;;
esac
name=kubefuncs-$version
work=$target/dist
dist=$work/$name
rm -rf "$work"
mkdir -p "$dist/bin" "$dist/lib"
cp "$here/bin/kubefuncs" "$dist/bin/"
cp "$here/INSTALL.md" "$dist/"
cp "$target/kubefuncs.jar" "$dist/"
cp "$target"/lib/*.jar "$dist/lib/"
# The charts' sources only: the kubefuncs chart's dependencies (charts/*.tgz) are what
# `helm dependency build` writes from the sibling folders copied here. tar keeps the charts/
# symbolic links to kubefuncs-common as links, which resolve to the copy made here.
for chart in function kubefuncs nsq gateway kubefuncs-common; do
  mkdir -p "$dist/charts/$chart"
  (cd "$root/charts/$chart" && tar --exclude='./charts/*.tgz' -cf - .) | tar -C "$dist/charts/$chart" -xf -
done
jre::link "$dist/runtime" "$(jre::modules "$dist/kubefuncs.jar" "$dist"/lib/*.jar)"
tar -C "$work" -czf "$target/$name-$platform.tar.gz" "$name"
echo "kubefuncs distribution: ${target#"$root/"}/$name-$platform.tar.gz ($(du -h "$target/$name-$platform.tar.gz" | cut -f1))"
