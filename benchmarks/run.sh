#!/usr/bin/env bash
# End-to-end benchmark of the gateway beside its ceiling (client -> replica directly), nginx, its
# framework variants (benchmarks/variants/NAME) and Spring Cloud Gateway (benchmarks/peers/scg).
# Loopback only, bounded in time (about 9 minutes with the defaults, plus SCG's first build), interleaved rounds.
#
#   ./build.sh bench                      # the usual way: builds the jar if needed, then runs this
#   ROUNDS=3 DURATION=10 WARMUP=30 ./build.sh bench
#
# Settings (environment):
#   ROUNDS=3 DURATION=10      measured rounds, seconds per variant per round
#   WARMUP=30                 seconds of load on each JVM variant before the rounds (nginx: 3)
#   CONNECTIONS=64 THREADS=2  load: wrk -tTHREADS -cCONNECTIONS (or the Java load generator)
#   GATEWAY_JAR=path          the gateway to measure (default target/gateway.jar)
#   GATEWAY_JVM_FLAGS="..."   JVM flags of the gateway's rows and its variants (./build.sh bench passes the launcher's)
#   SCG_JVM_FLAGS="..."       Spring Cloud Gateway's (default -XX:+UseSerialGC -Xmx256m: Spring wants more than the gateway's 56 MiB)
#   VARIANTS="direct nginx virtual platform redis sockets helidon vertx scg"   which built-in rows to run:
#       sockets helidon vertx: benchmarks/variants/NAME/target/gateway-NAME.jar with the virtual row's flags,
#       skipped when not built (sockets falls back to GATEWAY_JAR --upstream sockets);
#       scg: benchmarks/peers/scg/target/scg.jar, built here with Maven when missing or stale
#   EXPERIMENTS=file          extra gateway rows, one per line: name|jar|jvm flags|gateway flags
#   STARTUP_RUNS=5            launches timed for the startup table (0: skip it), with and without an AOT cache
#   NO_WRK=1 NO_NGINX=1 NO_REDIS=1   pretend the tool is absent (to exercise the fallbacks)
#   OUT=file                  where the Markdown report goes (default benchmarks/results/e2e-DATE.md);
#                             the chart goes beside it, same name with .svg
#   QUIET_MAX=120             seconds in all the runner may wait for other processes to leave the CPUs
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

if [ -z "${BENCH_VIA_BUILD:-}" ]; then exec "$ROOT/build.sh" bench "$@"; fi # finds the JDK, builds the jar

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-30}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
GATEWAY_JAR=$(readlink -f "${GATEWAY_JAR:-$ROOT/target/gateway.jar}")
GATEWAY_JVM_FLAGS=${GATEWAY_JVM_FLAGS:--XX:+UseSerialGC -Xmx56m -XX:TrimNativeHeapInterval=1000 -XX:+ExitOnOutOfMemoryError}
SCG_JVM_FLAGS=${SCG_JVM_FLAGS:--XX:+UseSerialGC -Xmx256m -XX:+ExitOnOutOfMemoryError}
VARIANTS=${VARIANTS:-direct nginx virtual platform redis sockets helidon vertx scg}
EXPERIMENTS=${EXPERIMENTS:-}
STARTUP_RUNS=${STARTUP_RUNS:-5}
QUIET_MAX=${QUIET_MAX:-120}
DATE=$(date -u +%Y-%m-%dT%H%MZ)
OUT=${OUT:-$ROOT/benchmarks/results/e2e-$DATE.md}
CHART=${OUT%.md}.svg
JAVA="$JAVA_HOME/bin/java"
WORK=$(mktemp -d /tmp/gateway-bench.XXXXXX)
TOOLS=$ROOT/benchmarks/target/tools
SERVICE=bench
BODY='{"service":"bench","replica":"fixed","ok":true,"padding":"0123456789abcdefghijklmnopqrstu"}'

have() { [ -z "${2:-}" ] && command -v "$1" >/dev/null 2>&1; }
log() { echo "bench: $*" >&2; }
die() { log "$*"; exit 1; }
[ -f "$GATEWAY_JAR" ] || die "no gateway jar at $GATEWAY_JAR"

NOTES=() # lines for the report: rows skipped or started another way, and why

# ---- processes: every one we start is remembered by pid and stopped by pid, nothing else -------
PIDS=()
stop_pid() { # SIGTERM, up to 10 s, then SIGKILL; the pid must be one we started
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

USED_PORTS=" "
free_port() { # a port nothing listens on; fine for a benchmark (no lock against a race)
  local p i
  for i in $(seq 200); do
    p=$((20000 + RANDOM % 30000))
    case "$USED_PORTS" in *" $p "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then USED_PORTS+="$p "; echo "$p"; return; fi
  done
  die "no free port found"
}

# ---- CPU accounting: how much of the machine other processes took while we measured ------------
CLK=$(getconf CLK_TCK)
cpu_busy() { awk '/^cpu /{print $2+$3+$4; exit}' /proc/stat; } # user+nice+system ticks, all cores
cpu_steal() { awk '/^cpu /{print $9; exit}' /proc/stat; }       # ticks the hypervisor gave to other guests
proc_ticks() { # utime+stime of the given pids (and their children threads), in ticks
  local t=0 pid
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    t=$((t + $(sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $12+$13}')))
  done
  echo "$t"
}
# CPU ticks our reaped children used between two outputs of the shell's `times` (run in this shell, not a subshell).
ticks_between() { awk -v clk="$CLK" 'FNR==2 { split($1,u,"[ms]"); split($2,s,"[ms]"); t[++n] = (u[1]*60+u[2]+s[1]*60+s[2])*clk }
  END { printf "%d\n", t[2] - t[1] }' "$1" "$2"; }
quiet_left=$QUIET_MAX
wait_for_quiet() { # waits (within QUIET_MAX for the whole run) until others use < 0.25 core
  local b0 b1 busy
  while [ "$quiet_left" -gt 0 ]; do
    b0=$(cpu_busy); sleep 1; b1=$(cpu_busy)
    busy=$(( (b1 - b0) * 100 / CLK ))
    [ "$busy" -lt 25 ] && return 0
    quiet_left=$((quiet_left - 1))
  done
}

# ---- tools ------------------------------------------------------------------------------------
mkdir -p "$TOOLS"
"$JAVA_HOME/bin/javac" -d "$TOOLS" "$ROOT/benchmarks/tools/Launch.java" "$ROOT/benchmarks/tools/Replica.java" "$ROOT/benchmarks/tools/Chart.java"
if have wrk "${NO_WRK:-}"; then
  LOADGEN="wrk $( { wrk --version 2>&1 || true; } | awk 'NR==1{print $2}')"
else
  HDR=$ROOT/benchmarks/target/lib/HdrHistogram-2.2.2.jar
  if [ ! -f "$HDR" ]; then
    ${MVN_CMD:-mvn -B -q} -q dependency:copy -Dartifact=org.hdrhistogram:HdrHistogram:2.2.2 \
      -DoutputDirectory="$ROOT/benchmarks/target/lib" >&2
  fi
  "$JAVA_HOME/bin/javac" -cp "$HDR" -d "$TOOLS" "$ROOT/benchmarks/tools/Load.java"
  LOADGEN="benchmarks/tools/Load.java (HdrHistogram 2.2.2)"
fi

# Runs the load against $1 for $2 seconds; prints "rps p50_ms p99_ms errors loadgen_ticks requests".
# Call it in this shell (not in $(...)), so that `times` sees the load generator's CPU.
load() {
  local url=$1 secs=$2 out=$WORK/load.out
  times >"$WORK/times0"
  if [[ "$LOADGEN" == wrk* ]]; then
    timeout $((secs + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" --latency "$url" >"$out" 2>&1 || true
    times >"$WORK/times1"
    awk -v ticks="$(ticks_between "$WORK/times0" "$WORK/times1")" '
      function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
      /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
      /^Requests\/sec:/ { rps = $2 }
      / requests in / { requests = $1 }
      /Non-2xx or 3xx responses:/ { err += $NF }
      /Socket errors:/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
      END { if (rps == "") rps = 0; printf "%s %.3f %.3f %d %d %d\n", rps, p50, p99, err, ticks, requests }' "$out"
  else
    timeout $((secs + 30)) "$JAVA" -XX:+UseSerialGC -cp "$TOOLS:$HDR" Load "$url" "$CONNECTIONS" "$secs" >"$out" 2>&1 || true
    times >"$WORK/times1"
    tr ' ' '\n' <"$out" | awk -F= -v ticks="$(ticks_between "$WORK/times0" "$WORK/times1")" '
      { v[$1] = $2 } END { printf "%s %s %s %d %d %d\n", v["rps"]+0, v["p50_ms"]+0, v["p99_ms"]+0, v["non2xx"] + v["socket_errors"], ticks, v["requests"] }'
  fi
}

rss_mib() { # VmRSS of the pids, summed, in MiB
  local kb=0 pid
  for pid in "$@"; do
    [ -r "/proc/$pid/status" ] && kb=$((kb + $(awk '/^VmRSS:/{print $2}' "/proc/$pid/status")))
  done
  echo $(( (kb + 512) / 1024 ))
}
tree_pids() { echo "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); } # a process and its children

# Starts a command through Launch; sets LAUNCHED_PID, LAUNCHED_PORT and LAUNCHED_FIRST (ms).
launch() { # name, launch options..., --, command...
  local name=$1 line; shift
  line=$("$JAVA" -XX:TieredStopAtLevel=1 -cp "$TOOLS" Launch --out "$WORK/$name.out" --err "$WORK/$name.err" "$@") || {
    local pid; pid=$(sed -n 's/^pid=\([0-9]*\).*/\1/p' <<<"$line"); [ -n "$pid" ] && stop_pid "$pid"
    log "$name did not start: $(tail -n 5 "$WORK/$name.err" 2>/dev/null)"; return 1; }
  LAUNCHED_PID=$(sed -n 's/^pid=\([0-9]*\).*/\1/p' <<<"$line")
  LAUNCHED_PORT=$(sed -n 's/.* port=\([0-9]*\).*/\1/p' <<<"$line")
  LAUNCHED_FIRST=$(sed -n 's/.* first200_ms=\([0-9]*\).*/\1/p' <<<"$line")
  PIDS+=("$LAUNCHED_PID")
}

# ---- Spring Cloud Gateway: a Maven project of its own, built only here (not by ./build.sh, not by CI) --
SCG_DIR=$ROOT/benchmarks/peers/scg
SCG_JAR=$SCG_DIR/target/scg.jar
SCG_READY=""
if [[ " $VARIANTS " == *" scg "* ]]; then
  if [ ! -f "$SCG_JAR" ] || [ -n "$(find "$SCG_DIR/src" "$SCG_DIR/pom.xml" -newer "$SCG_JAR" -print -quit)" ]; then
    log "building benchmarks/peers/scg (Spring Cloud Gateway; the first build downloads ~50 MB of dependencies)"
    # shellcheck disable=SC2086
    if ${MVN_CMD:-mvn -B --no-transfer-progress} -f "$SCG_DIR/pom.xml" -q package -DskipTests >"$WORK/scg-build.log" 2>&1; then SCG_READY=1
    else
      NOTES+=("scg: skipped, benchmarks/peers/scg did not build (offline?): $(sed 's/\x1b\[[0-9;]*m//g' "$WORK/scg-build.log" | grep -m1 -E '^\[(FATAL|ERROR)\] [^[]' | sed -E 's# ?\(?[a-z]+://[^ )]*\)?##g' | cut -c1-200)")
    fi
  else SCG_READY=1; fi
fi
# The versions Maven resolved, read from the jar's own library list (BOOT-INF/lib/NAME-VERSION.jar).
scg_versions() {
  "$JAVA_HOME/bin/jar" tf "$SCG_JAR" | sed -n 's#^BOOT-INF/lib/\(spring-boot\|spring-cloud-gateway-server-webflux\|reactor-netty-http\)-\([0-9][^/]*\)\.jar$#\1 \2#p' \
    | paste -sd, - | sed 's/,/, /g'
}

# ---- replicas --------------------------------------------------------------------------------
R1=$(free_port); R2=$(free_port)
nginx_conf() { # prefix, workers, server blocks
  mkdir -p "$1/logs" "$1/tmp"
  cat >"$1/nginx.conf" <<EOF
worker_processes $2;
daemon off;
pid $1/nginx.pid;
error_log $1/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $1/tmp/body; proxy_temp_path $1/tmp/proxy; fastcgi_temp_path $1/tmp/fastcgi;
  uwsgi_temp_path $1/tmp/uwsgi; scgi_temp_path $1/tmp/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 120s;
$3
}
EOF
}
if have nginx "${NO_NGINX:-}"; then
  NGINX=$(command -v nginx)
  REPLICAS="nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///'), 1 worker, two ports, fixed ${#BODY}-byte return 200"
  nginx_conf "$WORK/replicas" 1 "  server { listen 127.0.0.1:$R1; location / { default_type application/json; return 200 '$BODY'; } }
  server { listen 127.0.0.1:$R2; location / { default_type application/json; return 200 '$BODY'; } }"
  launch replicas --port "$R1" --probe / -- "$NGINX" -p "$WORK/replicas" -c "$WORK/replicas/nginx.conf" -e "$WORK/replicas/logs/error.log" \
    || die "replicas did not start"
else
  REPLICAS="benchmarks/tools/Replica.java (JDK HttpServer, one JVM, two ports, ${#BODY}-byte body; nginx not installed)"
  launch replicas --port "$R1" --probe / -- "$JAVA" -XX:+UseSerialGC -Xmx128m -cp "$TOOLS" Replica "$R1" "$R2" \
    || die "replicas did not start"
fi
REPLICA_PID=$LAUNCHED_PID REPLICA_FIRST=$LAUNCHED_FIRST

# ---- variants: name -> how to start it; filled in as each one starts ---------------------------
# KIND: jvm (gets the long warm-up) or native; PEER: set for the rows that are not this gateway
# (drawn grey in the chart); JAR: the jar a JVM row runs (its size goes in the table).
declare -A URL FIRST PIDOF KIND DESC PEER JAR
ORDER=()
GATEWAY_ARGS=(--port 0 --bind 127.0.0.1)
VIRTUAL_FLAGS="--executor virtual" # the default row's gateway flags; the variants get the same

start_gateway() { # name, jar, jvm flags, gateway flags
  local name=$1 jar=$2 jvm=$3 flags=$4
  wait_for_quiet # launch -> first 200 is timed: not while another agent's build holds the CPUs
  # shellcheck disable=SC2086
  launch "$name" --port-from-stdout --register "$SERVICE=127.0.0.1:$R1" --register "$SERVICE=127.0.0.1:$R2" --probe "/$SERVICE/" \
    -- "$JAVA" $jvm -jar "$jar" "${GATEWAY_ARGS[@]}" $flags || return 1
  URL[$name]="http://127.0.0.1:$LAUNCHED_PORT/$SERVICE/"; FIRST[$name]=$LAUNCHED_FIRST; PIDOF[$name]=$LAUNCHED_PID
  KIND[$name]=jvm; JAR[$name]=$jar; DESC[$name]="java $jvm -jar $jar ${GATEWAY_ARGS[*]} $flags"
  ORDER+=("$name")
}
variant_jar() { echo "$ROOT/benchmarks/variants/$1/target/gateway-$1.jar"; } # built by the variants' own modules
stale_note() { # a variant jar older than its module or the shared core measures code that is no longer there
  local jar; jar=$(variant_jar "$1")
  if [ -n "$(find "$ROOT/src/main" "$ROOT/benchmarks/variants/$1" -path '*/target' -prune -o -type f -newer "$jar" -print -quit)" ]; then
    NOTES+=("$1: its jar is older than src/main or benchmarks/variants/$1 (rebuild it to measure the current code)")
  fi
}

for v in $VARIANTS; do
  case "$v" in
    direct)
      URL[direct]="http://127.0.0.1:$R1/"; FIRST[direct]=$REPLICA_FIRST; PIDOF[direct]=$REPLICA_PID; KIND[direct]=native; PEER[direct]=1
      DESC[direct]="replica 1 directly ($REPLICAS)"; ORDER+=(direct)
      [[ "$REPLICAS" == nginx* ]] || KIND[direct]=jvm ;;
    virtual)  start_gateway virtual "$GATEWAY_JAR" "$GATEWAY_JVM_FLAGS" "$VIRTUAL_FLAGS" || NOTES+=("virtual: did not start") ;;
    platform) start_gateway platform "$GATEWAY_JAR" "$GATEWAY_JVM_FLAGS" "--executor platform" || NOTES+=("platform: did not start") ;;
    sockets) # the variant module when built, else the same idea inside the default jar
      if [ -f "$(variant_jar sockets)" ]; then
        stale_note sockets
        start_gateway sockets "$(variant_jar sockets)" "$GATEWAY_JVM_FLAGS" "$VIRTUAL_FLAGS" || NOTES+=("sockets: did not start")
      else
        NOTES+=("sockets: benchmarks/variants/sockets is not built; the row runs the default jar with --upstream sockets")
        start_gateway sockets "$GATEWAY_JAR" "$GATEWAY_JVM_FLAGS" "$VIRTUAL_FLAGS --upstream sockets" || NOTES+=("sockets: did not start")
      fi ;;
    helidon|vertx)
      if [ -f "$(variant_jar "$v")" ]; then
        stale_note "$v"
        start_gateway "$v" "$(variant_jar "$v")" "$GATEWAY_JVM_FLAGS" "$VIRTUAL_FLAGS" || NOTES+=("$v: did not start")
      else NOTES+=("$v: skipped, benchmarks/variants/$v/target/gateway-$v.jar is not built"); fi ;;
    scg)
      [ -n "$SCG_READY" ] || continue # the note says why
      SP=$(free_port)
      wait_for_quiet
      # shellcheck disable=SC2086
      if launch scg --port "$SP" --probe "/$SERVICE/" --timeout-ms 60000 -- "$JAVA" $SCG_JVM_FLAGS -jar "$SCG_JAR" \
           --server.port="$SP" --bench.replica1="http://127.0.0.1:$R1" --bench.replica2="http://127.0.0.1:$R2"; then
        URL[scg]="http://127.0.0.1:$SP/$SERVICE/"; FIRST[scg]=$LAUNCHED_FIRST; PIDOF[scg]=$LAUNCHED_PID; KIND[scg]=jvm; PEER[scg]=1
        JAR[scg]=$SCG_JAR; ORDER+=(scg)
        DESC[scg]="Spring Cloud Gateway ($(scg_versions)), route /$SERVICE/** -> lb://$SERVICE (two static instances, round-robin), StripPrefix=1, Retry (1 retry of a GET on 502 or a connect error): java $SCG_JVM_FLAGS -jar $SCG_JAR --server.port=P --bench.replica1=http://127.0.0.1:R1 --bench.replica2=http://127.0.0.1:R2"
      else NOTES+=("scg: did not start"); fi ;;
    redis)
      if ! have redis-server "${NO_REDIS:-}"; then NOTES+=("redis: skipped, redis-server is not installed"); continue; fi
      RP=$(free_port)
      # Our own redis-server, never the machine's on 6379: a free port, nothing kept on disk.
      redis-server --port "$RP" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" --logfile "$WORK/redis.log" </dev/null &
      PIDS+=("$!")
      for i in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$RP") 2>/dev/null && break; sleep 0.1; done
      if ! start_gateway redis "$GATEWAY_JAR" "$GATEWAY_JVM_FLAGS" "--executor virtual --store redis://127.0.0.1:$RP"; then
        if grep -q -- '--store' "$WORK/redis.err" 2>/dev/null; then
          NOTES+=("redis: skipped, this gateway jar rejects --store redis://: $(grep -m1 -- '--store' "$WORK/redis.err")")
        else
          NOTES+=("redis: the gateway did not start with --store redis://127.0.0.1:$RP")
        fi
      fi ;;
    nginx)
      if ! have nginx "${NO_NGINX:-}"; then NOTES+=("nginx: skipped, nginx is not installed"); continue; fi
      NP=$(free_port)
      nginx_conf "$WORK/proxy" auto "  upstream $SERVICE { server 127.0.0.1:$R1; server 127.0.0.1:$R2; keepalive 64; }
  server {
    listen 127.0.0.1:$NP;
    location /$SERVICE/ {
      proxy_pass http://$SERVICE/;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$host;
    }
  }"
      if launch nginx --port "$NP" --probe "/$SERVICE/" -- "$NGINX" -p "$WORK/proxy" -c "$WORK/proxy/nginx.conf" -e "$WORK/proxy/logs/error.log"; then
        URL[nginx]="http://127.0.0.1:$NP/$SERVICE/"; FIRST[nginx]=$LAUNCHED_FIRST; PIDOF[nginx]=$LAUNCHED_PID; KIND[nginx]=native; PEER[nginx]=1
        DESC[nginx]="nginx round-robin proxy over both replicas, worker_processes auto, upstream keepalive 64"; ORDER+=(nginx)
      else NOTES+=("nginx: did not start"); fi ;;
    *) die "unknown variant '$v'" ;;
  esac
done
if [ -n "$EXPERIMENTS" ]; then
  while IFS='|' read -r -u 3 name jar jvm flags; do
    [ -z "$name" ] || [[ "$name" == \#* ]] && continue
    start_gateway "$name" "$(readlink -f "$jar")" "$jvm" "$flags" </dev/null || NOTES+=("$name: did not start")
  done 3<"$EXPERIMENTS"
fi
[ ${#ORDER[@]} -gt 0 ] || die "nothing to measure"

# ---- warm-up, then interleaved rounds ----------------------------------------------------------
for v in "${ORDER[@]}"; do
  secs=3; [ "${KIND[$v]}" = jvm ] && secs=$WARMUP
  log "warm-up: $v for ${secs}s"
  load "${URL[$v]}" "$secs" >/dev/null
done
: >"$WORK/rounds.tsv"
n=${#ORDER[@]}
for r in $(seq "$ROUNDS"); do
  for k in $(seq 0 $((n - 1))); do
    v=${ORDER[$(( (k + r - 1) % n ))]} # each round starts one variant later: no variant always runs first
    wait_for_quiet
    own=$(tree_pids "${PIDOF[$v]}") # the row's own process (nginx: master and workers)
    pids=$own; [ "$v" != direct ] && pids="$pids $(tree_pids "$REPLICA_PID")"
    b0=$(cpu_busy); s0=$(cpu_steal); o0=$(proc_ticks $pids); m0=$(proc_ticks $own)
    load "${URL[$v]}" "$DURATION" >"$WORK/result"
    read -r rps p50 p99 err lg reqs <"$WORK/result"
    b1=$(cpu_busy); s1=$(cpu_steal); o1=$(proc_ticks $pids); m1=$(proc_ticks $own)
    # CPU µs per request: the row's own utime+stime over the round (ticks of 1/CLK s) / the requests wrk counted.
    cpu_us=$(awk -v t=$((m1 - m0)) -v n="${reqs:-0}" -v clk="$CLK" 'BEGIN { if (n > 0) printf "%.1f", t / clk * 1e6 / n; else print "-" }')
    other=$(awk -v b=$((b1 - b0)) -v o=$((o1 - o0)) -v l="$lg" -v d="$DURATION" -v clk="$CLK" \
      'BEGIN { x = (b - o - l) / clk / d; printf "%.2f", x < 0 ? 0 : x }')
    steal=$(awk -v t=$((s1 - s0)) -v d="$DURATION" -v clk="$CLK" 'BEGIN { printf "%.2f", t / clk / d }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$v" "$r" "$rps" "$p50" "$p99" "$err" "$other" "$steal" "$reqs" "$cpu_us" >>"$WORK/rounds.tsv"
    log "round $r: $(printf '%-10s %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  CPU %6s µs/req  errors %s  other CPU %s  steal %s cores' "$v" "$rps" "$p50" "$p99" "$cpu_us" "$err" "$other" "$steal")"
  done
done
declare -A RSS
for v in "${ORDER[@]}"; do RSS[$v]=$(rss_mib $(tree_pids "${PIDOF[$v]}")); done

# ---- startup: launch -> first proxied 200, without and with an AOT cache (JDK 25+) ------------------
STARTUP=""
if [ "$STARTUP_RUNS" -gt 0 ] && [[ " ${ORDER[*]} " == *" virtual "* ]]; then
  for v in "${ORDER[@]}"; do [ "$v" = direct ] || stop_pid "${PIDOF[$v]}"; done # a quiet machine for the launches
  startup_series() { # label, jvm flags -> median of STARTUP_RUNS launches
    local label=$1 jvm=$2 i all=()
    for i in $(seq "$STARTUP_RUNS"); do
      # shellcheck disable=SC2086
      launch "startup-$i" --port-from-stdout --register "$SERVICE=127.0.0.1:$R1" --probe "/$SERVICE/" \
        -- "$JAVA" $jvm -jar "$GATEWAY_JAR" "${GATEWAY_ARGS[@]}" || continue
      all+=("$LAUNCHED_FIRST"); stop_pid "$LAUNCHED_PID"
    done
    STARTUP+="| $label | \`$jvm\` | $(printf '%s\n' "${all[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}') | ${all[*]} |"$'\n'
  }
  startup_series "launcher flags" "$GATEWAY_JVM_FLAGS"
  if "$JAVA" -XX:AOTCacheOutput=/dev/null -version >/dev/null 2>&1; then
    AOT=$WORK/gateway.aot
    # Training run: start, register, proxy a few thousand requests, stop; the JVM writes the cache on exit.
    # shellcheck disable=SC2086
    if launch aot-training --port-from-stdout --register "$SERVICE=127.0.0.1:$R1" --probe "/$SERVICE/" \
         -- "$JAVA" $GATEWAY_JVM_FLAGS -XX:AOTCacheOutput="$AOT" -jar "$GATEWAY_JAR" "${GATEWAY_ARGS[@]}"; then
      load "http://127.0.0.1:$LAUNCHED_PORT/$SERVICE/" 3 >/dev/null
      stop_pid "$LAUNCHED_PID"
    fi
    if [ -s "$AOT" ]; then startup_series "launcher flags + AOT cache" "$GATEWAY_JVM_FLAGS -XX:AOTCache=$AOT"
    else NOTES+=("AOT cache: the training run wrote no cache"); fi
  else
    NOTES+=("AOT cache: this JDK has no -XX:AOTCacheOutput (JDK 25+)")
  fi
fi

# ---- report ------------------------------------------------------------------------------------
median() { sort -g | awk '{a[NR]=$1} END{ if (NR==0) print 0; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
col() { awk -F'\t' -v v="$1" -v c="$2" '$1==v {print $c}' "$WORK/rounds.tsv"; }
declare -A RPS P50 P99 ERR OTHER STEAL CPU_US JAR_MIB
for v in "${ORDER[@]}"; do
  RPS[$v]=$(col "$v" 3 | median); P50[$v]=$(col "$v" 4 | median); P99[$v]=$(col "$v" 5 | median)
  ERR[$v]=$(col "$v" 6 | awk '{s+=$1} END{print s+0}'); OTHER[$v]=$(col "$v" 7 | sort -g | tail -n1); STEAL[$v]=$(col "$v" 8 | sort -g | tail -n1)
  CPU_US[$v]=$(col "$v" 10 | { grep -v '^-$' || true; } | median | awk '{ if ($1 > 0) printf "%.1f", $1; else print "-" }') # -: no round counted requests
  JAR_MIB[$v]=–
  if [ -n "${JAR[$v]:-}" ]; then JAR_MIB[$v]=$(awk -v b="$(stat -c %s "${JAR[$v]}")" 'BEGIN { printf "%.1f", b / 1048576 }'); fi
done
ratio() { awk -v a="$1" -v b="${2:-}" 'BEGIN { if (b == "" || b == 0) print "–"; else printf "%.2f", a / b }'; }
TABLE="| variant | req/s | p50 ms | p99 ms | × direct | × nginx | × SCG | p99 × nginx | CPU µs/req | errors | launch → first 200 ms | RSS MiB | jar MiB | other CPU | steal |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"$'\n'
for v in "${ORDER[@]}"; do
  TABLE+=$(printf '| %s | %.0f | %.2f | %.2f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |' "$v" "${RPS[$v]}" "${P50[$v]}" "${P99[$v]}" \
    "$(ratio "${RPS[$v]}" "${RPS[direct]:-}")" "$(ratio "${RPS[$v]}" "${RPS[nginx]:-}")" "$(ratio "${RPS[$v]}" "${RPS[scg]:-}")" \
    "$(ratio "${P99[$v]}" "${P99[nginx]:-}")" "${CPU_US[$v]/#-/–}" "${ERR[$v]}" "${FIRST[$v]}" "${RSS[$v]}" "${JAR_MIB[$v]}" \
    "${OTHER[$v]}" "${STEAL[$v]}")$'\n'
done
echo
echo "$TABLE"
[ -n "$STARTUP" ] && printf '| startup | JVM flags | median first 200 ms | runs ms |\n|---|---|---:|---|\n%s\n' "$STARTUP"
for note in "${NOTES[@]+"${NOTES[@]}"}"; do echo "note: $note"; done

JAR_TREE=$(dirname "$(dirname "$GATEWAY_JAR")") # the checkout the jar was built in (JAR_TREE/target/gateway.jar)
if COMMIT=$(git -C "$JAR_TREE" rev-parse --short HEAD 2>/dev/null) && [ -f "$JAR_TREE/pom.xml" ]; then
  [ -n "$(git -C "$JAR_TREE" status --porcelain -- src pom.xml 2>/dev/null)" ] && COMMIT+=" (with uncommitted changes under src/)"
else
  COMMIT="unknown: the jar is not in a checkout's target/ (this checkout: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo none))"
fi
mkdir -p "$(dirname "$OUT")"

# The chart: req/s and CPU µs per request per row, plain SVG beside the report.
for v in "${ORDER[@]}"; do
  printf '%s\t%s\t%s\t%s\n' "$v" "${RPS[$v]}" "${CPU_US[$v]}" "$([ -n "${PEER[$v]:-}" ] && echo peer || echo gateway)"
done >"$WORK/chart.tsv"
"$JAVA" -cp "$TOOLS" Chart "$WORK/chart.tsv" "$CHART" \
  "End to end, $DATE, commit ${COMMIT%% *}: ${LOADGEN%% *} -t$THREADS -c$CONNECTIONS, $ROUNDS rounds of ${DURATION}s" \
  || { NOTES+=("chart: benchmarks/tools/Chart.java failed"); CHART=""; }

{
  echo "# End-to-end benchmark, $DATE"
  echo
  echo "- commit: $COMMIT; gateway jar: \`$GATEWAY_JAR\` (sha256 $(sha256sum "$GATEWAY_JAR" | cut -c1-12))"
  for v in "${ORDER[@]}"; do
    if [ -n "${JAR[$v]:-}" ] && [ "${JAR[$v]}" != "$GATEWAY_JAR" ]; then
      echo "- $v jar: \`${JAR[$v]#"$ROOT"/}\` (sha256 $(sha256sum "${JAR[$v]}" | cut -c1-12), built $(date -u -r "${JAR[$v]}" +%Y-%m-%dT%H%MZ))"
    fi
  done
  echo "- JDK: $("$JAVA" -version 2>&1 | sed -n 2p)"
  echo "- CPU: $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo), $(nproc) cores; $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo); kernel $(uname -r)"
  echo "- load: $LOADGEN, $THREADS threads, $CONNECTIONS connections, GET of a ${#BODY}-byte body, loopback only"
  echo "- replicas: $REPLICAS"
  echo "- method: warm-up ${WARMUP}s per JVM variant (3 s for nginx and direct), then $ROUNDS interleaved rounds of ${DURATION}s; medians of the rounds (errors summed; other CPU: the most, in cores, that processes outside the benchmark took during a round; steal: the most CPU the hypervisor gave to other guests during a round)"
  echo "- the gateway's rows and its variants run with \`$GATEWAY_JVM_FLAGS\`, Spring Cloud Gateway with \`$SCG_JVM_FLAGS\`, no AOT cache; the variants and virtual with \`$VIRTUAL_FLAGS\`"
  echo "- CPU µs/req: the row's own process (nginx: master and workers; direct: the replica) — utime+stime from /proc/PID/stat over the round, divided by the requests the load generator counted; median of the rounds. × SCG: req/s over Spring Cloud Gateway's"
  echo "- launch → first 200: from the process launch to the first 200 through it (for a gateway: start, POST /register both replicas, GET /$SERVICE/; for SCG: start with both replicas configured, GET /$SERVICE/), polled every millisecond by tools/Launch.java; RSS: VmRSS after the rounds (nginx: master and workers); jar: the size of the jar run"
  echo
  echo "$TABLE"
  if [ -n "$CHART" ]; then echo "Chart: [$(basename "$CHART")]($(basename "$CHART")) (req/s and CPU µs per request per row)"; echo; fi
  if [ -n "$STARTUP" ]; then
    echo "Startup alone, $STARTUP_RUNS launches each on an otherwise idle machine (the AOT cache from a training run of 3 s of load):"
    echo
    printf '| startup | JVM flags | median first 200 ms | runs ms |\n|---|---|---:|---|\n%s\n' "$STARTUP"
  fi
  for note in "${NOTES[@]+"${NOTES[@]}"}"; do echo "- note: $note"; done
  echo
  echo "Commands:"
  echo
  echo '```'
  echo "ROUNDS=$ROUNDS DURATION=$DURATION WARMUP=$WARMUP CONNECTIONS=$CONNECTIONS THREADS=$THREADS VARIANTS=\"$VARIANTS\"${EXPERIMENTS:+ EXPERIMENTS=$EXPERIMENTS} ./build.sh bench"
  for v in "${ORDER[@]}"; do echo "# $v: ${DESC[$v]}"; done
  if [[ "$LOADGEN" == wrk* ]]; then echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency URL"
  else echo "java -cp benchmarks/target/tools:HdrHistogram-2.2.2.jar Load URL $CONNECTIONS $DURATION"; fi
  echo '```'
  echo
  for conf in replicas proxy; do
    [ -f "$WORK/$conf/nginx.conf" ] || continue
    echo "nginx configuration ($conf; started as \`nginx -p DIR -c DIR/nginx.conf -e DIR/logs/error.log\`):"
    echo
    echo '```nginx'
    sed "s#$WORK#DIR#g" "$WORK/$conf/nginx.conf"
    echo '```'
    echo
  done
  echo "Rounds (variant, round, req/s, p50 ms, p99 ms, errors, other CPU, steal, requests, CPU µs/req):"
  echo
  echo '```'
  cat "$WORK/rounds.tsv"
  echo '```'
} >"$OUT"
log "wrote ${OUT#"$ROOT"/}${CHART:+ and ${CHART#"$ROOT"/}}"
