# shellcheck shell=sh
# Sourced by ./mvnw and the deploy scripts: makes JAVA_HOME point at a JDK >= 21.
# Keeps JAVA_HOME when it already qualifies; otherwise picks the newest JDK >= 21 found on PATH or in the usual
# install folders (these machines default to Java 17 with a newer JDK installed beside it). Stops with a clear
# message when there is none.

onramp_jdk_major() {
  if [ -f "$1/release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release")
  elif [ -x "$1/bin/java" ]; then
    v=$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
  else
    v=""
  fi
  [ -x "$1/bin/javac" ] || v=""
  echo "${v:-0}"
}

onramp_select_jdk() {
  if [ -n "${JAVA_HOME-}" ] && [ "$(onramp_jdk_major "$JAVA_HOME")" -ge 21 ]; then
    return 0
  fi
  best="" best_major=0
  case $- in *f*) onramp_noglob=1; set +f ;; *) onramp_noglob=0 ;; esac
  on_path=$(command -v javac 2>/dev/null || true)
  [ -z "$on_path" ] || on_path=$(dirname "$(dirname "$(readlink -f "$on_path")")")
  for home in "${JAVA_HOME-}" "$on_path" /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* \
    /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -n "$home" ] && [ -d "$home" ] || continue
    major=$(onramp_jdk_major "$home")
    if [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
      best=$home best_major=$major
    fi
  done
  [ "$onramp_noglob" = 0 ] || set -f
  if [ -z "$best" ]; then
    echo "Onramp needs a JDK 21 or newer, and none was found (JAVA_HOME=${JAVA_HOME-unset})." >&2
    echo "Install one (e.g. Temurin 21 or 25) and point JAVA_HOME at it." >&2
    return 1
  fi
  JAVA_HOME=$best
  export JAVA_HOME
}

onramp_select_jdk || exit 1
