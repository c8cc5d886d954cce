# Sourced by the build scripts: makes JAVA_HOME point at a JDK 21 or newer.
# Keeps a JAVA_HOME (or java on the PATH) that is new enough; otherwise looks in the usual places.
java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}' | cut -d. -f1
}

pick_jdk() {
  local candidate
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(java_major "$JAVA_HOME")" -ge 21 ]; then
    return 0
  fi
  if command -v javac >/dev/null 2>&1; then
    candidate=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    if [ "$(java_major "$candidate")" -ge 21 ]; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  fi
  for candidate in $(ls -d /usr/lib/jvm/* /opt/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home 2>/dev/null | sort -rV); do
    if [ -x "$candidate/bin/javac" ] && [ "$(java_major "$candidate")" -ge 21 ]; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  echo "Kubefuncs needs a JDK 21 or newer: set JAVA_HOME to one (found none in /usr/lib/jvm or on the PATH)." >&2
  return 1
}

pick_jdk
export PATH="$JAVA_HOME/bin:$PATH"
