#!/usr/bin/env bash
# Builds the JMH module (benchmarks/pom.xml, compiling ../src/main/java beside the benchmarks) and
# runs the suite: 1 fork, 3 warm-up and 5 measured iterations of 1 s each (about 3 minutes).
# Raw output goes to benchmarks/results/jmh-DATE.txt and .json. Extra arguments go to JMH,
# e.g. ./benchmarks/run-jmh.sh RoundRobin   (a regex of benchmarks to run).
set -euo pipefail
cd "$(dirname "$0")"
jdk_major() { [ -x "$1/bin/javac" ] && "$1/bin/java" -XshowSettings:properties -version 2>&1 \
  | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1; }
best=""; best_v=0 # JAVA_HOME when it is >= 21, else the newest JDK under /usr/lib/jvm (as build.sh does)
for dir in ${JAVA_HOME:-} /usr/lib/jvm/*; do
  v=$(jdk_major "$dir" || true)
  if [ -n "$v" ] && [ "$v" -gt "$best_v" ]; then best=$dir best_v=$v; fi
  if [ "$dir" = "${JAVA_HOME:-}" ] && [ "${v:-0}" -ge 21 ]; then break; fi
done
[ "$best_v" -ge 21 ] || { echo "run-jmh.sh: no JDK >= 21 (set JAVA_HOME)" >&2; exit 1; }
export JAVA_HOME=$best
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
mvn -B -q --no-transfer-progress -Dstyle.color=never package | sed 's/\x1b\[[0-9;]*m//g' >&2
DATE=$(date -u +%Y-%m-%dT%H%MZ)
mkdir -p results
"$JAVA_HOME/bin/java" -jar target/benchmarks.jar -f 1 -wi 3 -w 1s -i 5 -r 1s \
  -rf json -rff "results/jmh-$DATE.json" "$@" | tee "results/jmh-$DATE.txt"
echo "wrote benchmarks/results/jmh-$DATE.txt and .json" >&2
