# A Java runtime made for a set of jars with jlink, from the JDK scripts/jdk.sh picked: what the
# images (scripts/images) and the kubefuncs distribution (cli/src/dist) ship instead of a JDK.

# The modules the jars use, as jlink's --add-modules wants them.
jre::modules() { # jar...
  local path out modules
  # The jars are the module path too: Kubefuncs' own are modules (module-info), whose requires
  # jdeps resolves there, the automatic modules among them included. A jar that is both an input
  # and on the module path is reported as a split package, on stdout before the list: the list is
  # the last line.
  path=$(IFS=:; echo "$*")
  out=$(jdeps --module-path "$path" --print-module-deps --ignore-missing-deps --multi-release 21 "$@") ||
    return
  modules=$(tail -n 1 <<<"$out")
  # Netty reaches sun.misc.Unsafe through reflection, which jdeps cannot see.
  echo "$modules,jdk.unsupported"
}

# Links a runtime of those modules into OUT (which must not exist). --generate-cds-archive: the
# default class data archive, which -XX:+AutoCreateSharedArchive needs as the base of its own.
jre::link() { # out modules
  jlink --add-modules "$2" --strip-debug --no-man-pages --no-header-files --generate-cds-archive \
    --output "$1" >/dev/null
}
