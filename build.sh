#!/usr/bin/env bash
# Builds, tests and runs the gateway with a JDK >= 21 found on this machine.
#   ./build.sh            build target/gateway.jar and the sample service, test-services/target/sample-service.jar
#                         and the variants, benchmarks/variants/NAME/target/gateway-NAME.jar
#   ./build.sh test       run every test (unit, property, integration over real sockets), the sample service's too,
#                         and the contract tests on every variant's stack
#   ./build.sh run [...]  build if needed, then start the gateway with the given flags
#   ./build.sh demo       build if needed, then the failover demo: a gateway, three sample replicas,
#                         one killed and brought back; a timeline on stdout, target/demo/failover.svg
#   ./build.sh bench      build if needed, then the end-to-end benchmark (benchmarks/run.sh)
#   ./build.sh mutation [...]  PIT mutation testing (pom.xml profile "mutation"): HTML report in
#                         target/pit-reports/, killed mutants per class and in total on stdout
set -euo pipefail
cd "$(dirname "$0")"

MIN_JDK=21

die() { echo "build.sh: $*" >&2; exit 1; }

# Major version of the JDK at $1, or nothing when $1 is not a JDK (no javac).
jdk_major() {
  [ -x "$1/bin/javac" ] && [ -x "$1/bin/java" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1
}

find_jdk() {
  if [ -n "${JAVA_HOME:-}" ]; then
    local v; v=$(jdk_major "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge "$MIN_JDK" ]; then echo "$JAVA_HOME"; return; fi
  fi
  local best="" best_v=0 dir v
  for dir in /usr/lib/jvm/* /opt/java/* /opt/jdk* /usr/local/jdk* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -d "$dir" ] && [ ! -L "$dir" ] || continue
    v=$(jdk_major "$dir")
    if [ -n "$v" ] && [ "$v" -gt "$best_v" ]; then best="$dir"; best_v=$v; fi
  done
  if [ "$best_v" -lt "$MIN_JDK" ] && command -v javac >/dev/null; then
    dir=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    v=$(jdk_major "$dir")
    if [ -n "$v" ] && [ "$v" -ge "$MIN_JDK" ]; then best="$dir"; best_v=$v; fi
  fi
  [ "$best_v" -ge "$MIN_JDK" ] || die "no JDK >= $MIN_JDK found (set JAVA_HOME, or install one under /usr/lib/jvm)"
  echo "$best"
}

JAVA_HOME=$(find_jdk)
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
command -v mvn >/dev/null || die "Maven (mvn) not found: install it (Debian: apt-get install -y maven)"
# Maven's own libraries use sun.misc.Unsafe, which JDK 24+ warns about on every build.
if [ "$(jdk_major "$JAVA_HOME")" -ge 24 ]; then export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"; fi
MVN=(mvn -B --no-transfer-progress -Dstyle.color=never)

# The launcher's JVM flags: a small heap and the serial collector (see benchmarks/README.md); a JVM
# out of memory exits (to be restarted) rather than live on unable to answer.
JVM_FLAGS=(${GATEWAY_JVM_FLAGS:--XX:+UseSerialGC -Xmx56m -XX:TrimNativeHeapInterval=1000 -XX:+ExitOnOutOfMemoryError})

jar_is_stale() {
  [ ! -f target/gateway.jar ] && return 0
  [ -n "$(find src/main pom.xml -newer target/gateway.jar -print -quit)" ]
}

# The sample service and the demo: a Maven project of its own, so the gateway's jar never holds them.
SAMPLE=(-f test-services/pom.xml)
SAMPLE_JAR=test-services/target/sample-service.jar
sample_is_stale() {
  [ ! -f "$SAMPLE_JAR" ] && return 0
  [ -n "$(find test-services/src/main test-services/pom.xml -newer "$SAMPLE_JAR" -print -quit)" ]
}
# The same gateway on other HTTP stacks (benchmarks/variants/pom.xml): one fat jar each.
VARIANT_POM=(-f benchmarks/variants/pom.xml)
build_variants() { "${MVN[@]}" "${VARIANT_POM[@]}" -q package -DskipTests | sed 's/\x1b\[[0-9;]*m//g' >&2; }
build_sample() { "${MVN[@]}" "${SAMPLE[@]}" -q package -DskipTests | sed 's/\x1b\[[0-9;]*m//g' >&2; }

# Debian's Maven prints colour resets even in batch mode; strip them, and keep stdout for the gateway's own line.
build() { "${MVN[@]}" -q package -DskipTests | sed 's/\x1b\[[0-9;]*m//g' >&2; aot_train; }

# JDK 25+: an AOT cache of the classes a proxied request loads and links roughly halves the time
# from launch to the first proxied answer (benchmarks/README.md). It comes from a short training
# run: the gateway proxies a few hundred requests to a replica of the benchmarks' own
# (benchmarks/tools/Replica.java, run from source) and answers its own endpoints; the JVM writes the
# cache when it exits. Best effort: without curl or JDK 25 there is none.
AOT=target/gateway.aot
aot_train() {
  rm -f "$AOT"
  "$JAVA_HOME/bin/java" -XX:AOTCacheOutput=/dev/null -version >/dev/null 2>&1 || return 0
  command -v curl >/dev/null || return 0
  local out=target/aot-training.out rout=target/aot-replica.out pid rpid url replica i ok=0
  "$JAVA_HOME/bin/java" -XX:+UseSerialGC -Xmx64m benchmarks/tools/Replica.java 0 >"$rout" 2>/dev/null </dev/null &
  rpid=$!
  "$JAVA_HOME/bin/java" "${JVM_FLAGS[@]}" -XX:AOTCacheOutput="$AOT" -jar target/gateway.jar \
    --bind 127.0.0.1 --port 0 >"$out" 2>/dev/null </dev/null &
  pid=$!
  for i in $(seq 100); do grep -q '^gateway listening on ' "$out" 2>/dev/null && grep -q 'listening on ' "$rout" 2>/dev/null && break; sleep 0.1; done
  url=$(sed -n 's/^gateway listening on //p' "$out")
  replica=$(sed -n 's/.*listening on //p' "$rout" | head -n1)
  if [ -n "$url" ] && [ -n "$replica" ]; then
    curl -s -o /dev/null -XPOST "$url/register" -d "{\"service\":\"train\",\"address\":\"$replica\"}"
    for i in $(seq 100); do
      [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/train/")" = 200 ] && ok=$((ok + 1))
      curl -s -o /dev/null -o /dev/null "$url/services" "$url/metrics"
    done
  fi
  kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  kill -TERM "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null || true
  rm -f "$out" "$rout"
  # a cache trained without proxied answers would leave out the classes the first answer needs
  if [ "$ok" -lt 100 ]; then echo "AOT training proxied $ok/100 requests: no cache written" >&2; rm -f "$AOT"; return 0; fi
  [ -s "$AOT" ] && echo "AOT cache written to $AOT (trained on $ok proxied answers)" >&2 || true
}

# Killed/total per class (nested classes and lambdas count for their outer class) and in total,
# from PIT's mutations.xml, which has one <mutation detected='true|false' ...> element per line.
mutation_scores() {
  [ -s "$1" ] || die "no $1: did PIT run?"
  printf '%-16s %7s %6s\n' class killed score
  awk '/<mutation / {
         c = $0; sub(/.*<mutatedClass>/, "", c); sub(/<.*/, "", c); sub(/^gateway\./, "", c); sub(/\$.*/, "", c)
         total[c]++; if ($0 ~ /detected=.true./) killed[c]++
       }
       END { for (c in total) print c, killed[c] + 0, total[c] }' "$1" \
    | sort | awk '{ printf "%-16s %3d/%-3d %5.1f%%\n", $1, $2, $3, 100 * $2 / $3; k += $2; n += $3 }
                  END { if (n) printf "%-16s %3d/%-3d %5.1f%%\n", "TOTAL", k, n, 100 * k / n }'
}

aot_flags() { [ -s "$AOT" ] && [ "$AOT" -nt target/gateway.jar ] && echo "-XX:AOTCache=$AOT"; }

cmd=${1:-build}
[ $# -gt 0 ] && shift
case "$cmd" in
  build) build && build_sample && build_variants \
           && echo "built target/gateway.jar, $SAMPLE_JAR and benchmarks/variants/*/target/gateway-*.jar (JDK $(jdk_major "$JAVA_HOME") at $JAVA_HOME)" ;;
  # The sample service first: the gateway's ComposeFileTest reads its jar's --help. A -Dtest=...
  # that names only gateway tests matches none there, which is no failure.
  # The JMH module is compiled too: nothing else builds it, and it once stopped compiling unseen.
  test)  "${MVN[@]}" "${SAMPLE[@]}" verify -Dsurefire.failIfNoSpecifiedTests=false "$@"
         "${MVN[@]}" verify "$@"
         "${MVN[@]}" -f benchmarks/pom.xml -q compile | sed 's/\x1b\[[0-9;]*m//g'
         "${MVN[@]}" "${VARIANT_POM[@]}" verify -Dsurefire.failIfNoSpecifiedTests=false "$@" ;;
  run)   if jar_is_stale; then build; fi
         exec "$JAVA_HOME/bin/java" "${JVM_FLAGS[@]}" $(aot_flags) -jar target/gateway.jar "$@" ;;
  demo)  if jar_is_stale; then build; fi
         if sample_is_stale; then build_sample; fi
         exec "$JAVA_HOME/bin/java" -XX:+UseSerialGC -Xmx256m -cp "$SAMPLE_JAR" sample.Demo target/gateway.jar target/demo ;;
  bench) if [ -z "${GATEWAY_JAR:-}" ] && jar_is_stale; then build; fi
         BENCH_VIA_BUILD=1 GATEWAY_JVM_FLAGS="${JVM_FLAGS[*]}" MVN_CMD="${MVN[*]}" exec benchmarks/run.sh "$@" ;;
  # Extra arguments narrow the run, e.g. -DtargetClasses=gateway.Breaker -DtargetTests=gateway.BreakerTest
  mutation) "${MVN[@]}" -Pmutation test-compile org.pitest:pitest-maven:mutationCoverage "$@" | sed 's/\x1b\[[0-9;]*m//g'
            mutation_scores target/pit-reports/mutations.xml ;;
  *) die "unknown command '$cmd' (expected: build, test, run, demo, bench, mutation)" ;;
esac
