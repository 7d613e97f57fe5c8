#!/usr/bin/env bash
# compare.sh: side-by-side benchmark of Jetway against nginx, HAProxy and a
# direct connection to the backend, on one machine, in one run.
#
# Layout (see bench/README.md): two backends and wrk share the load core;
# each proxy runs alone on the proxy core with one worker. Rounds are
# interleaved (direct, nginx, haproxy, jetway per round, in reverse order
# every other round) and the report gives the median per target, with the
# proxy's own CPU time per request.
#
# Usage: bash bench/compare.sh [--duration 10s] [--rounds 5] [--connections 64]
#                              [--warmup 1s] [--out FILE] [--targets LIST]
#                              [--proxy-cpu N] [--load-cpu N]
#                              [--backend-bin PATH] [--jetway-bin PATH]
#                              [--jetway-types LIST] [--jetway-base REV]
set -euo pipefail

readonly ORIG_ARGS=("$@")

DURATION=10s
ROUNDS=5
CONNECTIONS=64
WARMUP=1s
OUT=""
TARGETS="direct,nginx,haproxy,jetway"
PROXY_CPU=0
LOAD_CPU=1
BACKEND_BIN=""
JETWAY_BIN=""
JETWAY_TYPES=""
JETWAY_BASE=""
JETWAY_ENGINE=""

readonly BACKEND1=127.0.0.1:19001
readonly BACKEND2=127.0.0.1:19002
readonly NGINX_ADDR=127.0.0.1:19081
readonly HAPROXY_ADDR=127.0.0.1:19082
readonly JETWAY_ADDR=127.0.0.1:19083
# Relay floors (bench/relayfloor), one port per design.
declare -A FLOOR_AT=([floor-parked]=127.0.0.1:19085 [floor-blocking]=127.0.0.1:19086 [floor-goroutine]=127.0.0.1:19087)
readonly FLOORS="floor-parked floor-blocking floor-goroutine"
# --jetway-types: one Jetway per balancer type, on consecutive ports.
readonly JETWAY_TYPES_PORT=19090
readonly BALANCER_TYPES="roundrobin chash least_conn ewma random p2c"
# --jetway-base: the Jetway built from another commit.
readonly JETWAY_BASE_ADDR=127.0.0.1:19088

usage() {
	cat <<'EOF'
Usage: bash bench/compare.sh [options]

  --duration D      length of each measured wrk run (default 10s; s or m)
  --rounds N        interleaved rounds; the report gives the median (default 5)
  --connections N   keep-alive connections held by wrk (default 64)
  --warmup D        warm-up wrk run before each measured run (default 1s, 0 = none)
  --out FILE        report path (default bench/results/compare-DATE.md)
  --targets LIST    comma-separated subset of direct,nginx,haproxy,jetway,
                    and of the relay floors floor-parked, floor-blocking,
                    floor-goroutine (bench/relayfloor; never by default)
  --proxy-cpu N     core the proxy under test runs on (default 0)
  --load-cpu N      core wrk and the backends run on (default 1)
  --backend-bin P   use this jetway-backend binary instead of building it
  --jetway-bin P    use this jetway binary instead of building it
  --jetway-types L  replace the jetway target by one Jetway per balancer
                    type in L (comma-separated: roundrobin, chash,
                    least_conn, ewma, random, p2c), each a target of its own
                    named jetway-TYPE; chash hashes remote_addr
  --jetway-base REV also run Jetway built from git revision REV, as the
                    target jetway-base; the report then gives each Jetway's
                    CPU per request against it, round by round
  --jetway-engine E gateway.http.engine of the Jetway targets (goroutines or
                    loop; default: Jetway's own, loop on Linux); jetway-base
                    keeps its default
  -h, --help        this text
EOF
}

die() {
	echo "compare.sh: $*" >&2
	exit 1
}

log() {
	echo "compare.sh: $*" >&2
}

while [ $# -gt 0 ]; do
	arg=$1
	val=""
	case $arg in
	--*=*)
		val=${arg#*=}
		arg=${arg%%=*}
		;;
	-h | --help)
		usage
		exit 0
		;;
	--*)
		[ $# -ge 2 ] || die "$arg needs a value"
		val=$2
		shift
		;;
	*) die "unknown argument: $arg (see --help)" ;;
	esac
	case $arg in
	--duration) DURATION=$val ;;
	--rounds) ROUNDS=$val ;;
	--connections) CONNECTIONS=$val ;;
	--warmup) WARMUP=$val ;;
	--out) OUT=$val ;;
	--targets) TARGETS=$val ;;
	--proxy-cpu) PROXY_CPU=$val ;;
	--load-cpu) LOAD_CPU=$val ;;
	--backend-bin) BACKEND_BIN=$val ;;
	--jetway-bin) JETWAY_BIN=$val ;;
	--jetway-types) JETWAY_TYPES=$val ;;
	--jetway-base) JETWAY_BASE=$val ;;
	--jetway-engine) JETWAY_ENGINE=$val ;;
	*) die "unknown option: $arg (see --help)" ;;
	esac
	shift
done

case $JETWAY_ENGINE in "" | goroutines | loop) ;; *) die "--jetway-engine: want goroutines or loop, got '$JETWAY_ENGINE'" ;; esac
[[ $DURATION =~ ^[1-9][0-9]*[sm]?$ ]] || die "--duration: want e.g. 10s or 1m, got '$DURATION'"
[[ $WARMUP =~ ^[0-9]+[sm]?$ ]] || die "--warmup: want e.g. 1s or 0, got '$WARMUP'"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "--rounds: want a positive integer, got '$ROUNDS'"
[[ $CONNECTIONS =~ ^[1-9][0-9]*$ ]] || die "--connections: want a positive integer, got '$CONNECTIONS'"
[[ $PROXY_CPU =~ ^[0-9]+$ && $LOAD_CPU =~ ^[0-9]+$ ]] || die "--proxy-cpu/--load-cpu: want core numbers"
[ "$PROXY_CPU" != "$LOAD_CPU" ] || die "--proxy-cpu and --load-cpu must differ"

# Repository root: the parent of this script's folder.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# --out is relative to where the script was started; the default is under ROOT.
if [ -n "$OUT" ] && [[ $OUT != /* ]]; then OUT=$PWD/$OUT; fi
cd "$ROOT"

want_target() { [[ ",$TARGETS," == *",$1,"* ]]; }
for t in ${TARGETS//,/ }; do
	case $t in direct | nginx | haproxy | jetway | floor-parked | floor-blocking | floor-goroutine) ;;
	*) die "--targets: unknown target '$t'" ;;
	esac
done
WANT_FLOORS=()
for f in $FLOORS; do
	if want_target "$f"; then WANT_FLOORS+=("$f"); fi
done
# JETWAYS lists the Jetway targets: "jetway", or one jetway-TYPE per type.
JETWAYS=()
declare -A JETWAY_AT=() # Jetway target -> listen address
if want_target jetway; then
	if [ -z "$JETWAY_TYPES" ]; then
		JETWAYS=(jetway)
		JETWAY_AT[jetway]=$JETWAY_ADDR
	else
		k=0
		for typ in ${JETWAY_TYPES//,/ }; do
			[[ " $BALANCER_TYPES " == *" $typ "* ]] || die "--jetway-types: unknown type '$typ' (want some of: $BALANCER_TYPES)"
			JETWAYS+=("jetway-$typ")
			JETWAY_AT[jetway-$typ]=127.0.0.1:$((JETWAY_TYPES_PORT + k))
			k=$((k + 1))
		done
	fi
fi

[ -r /proc/self/stat ] || die "needs Linux /proc"
NCPU=$(getconf _NPROCESSORS_ONLN)
((PROXY_CPU < NCPU && LOAD_CPU < NCPU)) ||
	die "needs cores $PROXY_CPU and $LOAD_CPU; this machine has $NCPU"
CLK_TCK=$(getconf CLK_TCK)

# Where interrupt time goes. With CONFIG_IRQ_TIME_ACCOUNTING the kernel keeps
# it out of every process's time; without it (tick-based accounting) a tick
# that lands in a soft interrupt is charged both to the interrupt column of
# /proc/stat and to the process it interrupted. Loopback TCP delivers a sent
# packet in a soft interrupt on the sender's core, so in the second case the
# proxy's CPU time includes that work and the irq column overlaps with it.
KCONFIG=$( (zcat /proc/config.gz || cat "/boot/config-$(uname -r)") 2>/dev/null || true)
case $KCONFIG in
*$'\n'CONFIG_IRQ_TIME_ACCOUNTING=y*)
	IRQ_IN_PROCS=0
	IRQ_ACCOUNTING="with IRQ_TIME_ACCOUNTING; interrupt time is charged to no process, so proxy CPU leaves out the soft-interrupt work its packets cause"
	;;
*$'\n'CONFIG_TICK_CPU_ACCOUNTING=y*)
	IRQ_IN_PROCS=1
	IRQ_ACCOUNTING="tick-based; interrupt time is also charged to the process it interrupts, so proxy CPU includes the soft-interrupt work of its own loopback packets"
	;;
*)
	IRQ_IN_PROCS=1
	IRQ_ACCOUNTING="unknown (no kernel config found); treated as tick-based"
	;;
esac

# ---------------------------------------------------------------- tools

ensure_tools() {
	local missing=() pkg
	command -v wrk >/dev/null || missing+=(wrk)
	command -v curl >/dev/null || missing+=(curl)
	command -v taskset >/dev/null || missing+=(util-linux)
	if want_target nginx && ! command -v nginx >/dev/null; then missing+=(nginx); fi
	if want_target haproxy && ! command -v haproxy >/dev/null; then missing+=(haproxy); fi
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" = 0 ] || die "missing ${missing[*]}; run as root or install them"
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq "${missing[@]}" >/dev/null
	for pkg in "${missing[@]}"; do
		case $pkg in util-linux) pkg=taskset ;; esac
		command -v "$pkg" >/dev/null || die "$pkg still missing after apt-get install"
	done
}
ensure_tools
command -v go >/dev/null || [ -n "$BACKEND_BIN" ] || die "go is needed to build jetway-backend"

# ---------------------------------------------------------------- processes

WORK=$(mktemp -d /tmp/jetway-compare.XXXXXX)
chmod 0755 "$WORK" # the nginx worker runs as an unprivileged user
PIDS=()            # every long-lived process this script started
declare -A PID=()  # the same, by name
WRK_PID=""

# descendants PID...: prints each PID and all its live descendants.
descendants() {
	local queue=("$@") out=() f line pid fields
	local -A kids=()
	for f in /proc/[0-9]*/stat; do
		line=$(cat "$f" 2>/dev/null) || continue
		pid=${f#/proc/}
		pid=${pid%/stat}
		read -ra fields <<<"${line##*) }"
		kids[${fields[1]}]+=" $pid"
	done
	while [ ${#queue[@]} -gt 0 ]; do
		pid=${queue[0]}
		queue=("${queue[@]:1}")
		[ -d "/proc/$pid" ] || continue
		out+=("$pid")
		# shellcheck disable=SC2206
		queue+=(${kids[$pid]:-})
	done
	echo "${out[@]:-}"
}

cleanup() {
	local rc=$? all pid i
	trap - EXIT INT TERM
	if [ -n "$WRK_PID" ] && [ -d "/proc/$WRK_PID" ]; then kill -TERM "$WRK_PID" 2>/dev/null || true; fi
	if [ ${#PIDS[@]} -gt 0 ]; then
		all=$(descendants "${PIDS[@]}")
		for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
		for i in $(seq 50); do
			local alive=0
			for pid in $all; do [ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && alive=1; done
			[ $alive = 0 ] && break
			sleep 0.1
		done
		for pid in $all; do kill -KILL "$pid" 2>/dev/null || true; done
		wait 2>/dev/null || true
	fi
	rm -rf "$WORK"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_busy() { (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null; }

# start NAME CMD...: runs CMD in the background, output to $WORK/NAME.log.
start() {
	local name=$1
	shift
	"$@" >"$WORK/$name.log" 2>&1 &
	PIDS+=($!)
	PID[$name]=$!
}

# wait_ready NAME PID URL: waits until URL answers 200, or fails.
wait_ready() {
	local name=$1 pid=$2 url=$3 i code
	for i in $(seq 100); do
		[ -d "/proc/$pid" ] || {
			log "$name exited during start-up; its log:"
			sed 's/^/  /' "$WORK/$name.log" >&2
			return 1
		}
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true)
		[ "$code" = 200 ] && return 0
		sleep 0.1
	done
	log "$name did not answer 200 at $url within 10s (last status: $code); its log:"
	sed 's/^/  /' "$WORK/$name.log" >&2
	return 1
}

# fill TEMPLATE OUT LISTEN [TYPE]: writes a config from a bench/*.tmpl
# file; TYPE is Jetway's balancer type (default roundrobin).
fill() {
	local typ="type: ${4:-roundrobin}"
	[ "${4:-}" != chash ] || typ="$typ, hash_on: vars, key: remote_addr"
	sed -e "s|@LISTEN@|$3|g" -e "s|@BACKEND1@|$BACKEND1|g" \
		-e "s|@BACKEND2@|$BACKEND2|g" -e "s|@DIR@|$WORK|g" -e "s|@TYPE@|$typ|g" "$1" >"$2"
}

# ---------------------------------------------------------------- build

for addr in $BACKEND1 $BACKEND2 $NGINX_ADDR $HAPROXY_ADDR "${JETWAY_AT[@]}"; do
	! port_busy "$addr" || die "$addr is already in use"
done

declare -A JETWAY_BIN_OF=() # Jetway target -> binary, where not JETWAY_BIN
if [ -n "$JETWAY_BASE" ]; then
	want_target jetway || die "--jetway-base needs the jetway target"
	BASE_REV=$(git -C "$ROOT" rev-parse --short "$JETWAY_BASE^{commit}" 2>/dev/null) || die "--jetway-base: no commit '$JETWAY_BASE'"
	JETWAYS+=(jetway-base)
	JETWAY_AT[jetway-base]=$JETWAY_BASE_ADDR
fi
NOTES=()
if [ -z "$BACKEND_BIN" ]; then
	log "building jetway-backend"
	go build -trimpath -o "$WORK/jetway-backend" ./bench/backend || die "building ./bench/backend failed"
	BACKEND_BIN=$WORK/jetway-backend
fi
[ -x "$BACKEND_BIN" ] || die "backend binary $BACKEND_BIN is not executable"

if [ ${#WANT_FLOORS[@]} -gt 0 ]; then
	log "building relayfloor"
	go build -trimpath -o "$WORK/relayfloor" ./bench/relayfloor || die "building ./bench/relayfloor failed"
fi

if [ -n "$JETWAY_BASE" ]; then
	log "building jetway at $BASE_REV"
	mkdir -p "$WORK/base-src"
	git -C "$ROOT" archive --format=tar "$BASE_REV" | tar -x -C "$WORK/base-src" || die "git archive $BASE_REV failed"
	(cd "$WORK/base-src" && go build -trimpath -o "$WORK/jetway-base" ./cmd/jetway) || die "building jetway at $BASE_REV failed"
	JETWAY_BIN_OF[jetway-base]=$WORK/jetway-base
fi

if want_target jetway && [ -z "$JETWAY_BIN" ]; then
	log "building jetway"
	if go build -trimpath -o "$WORK/jetway" ./cmd/jetway 2>"$WORK/jetway-build.log"; then
		JETWAY_BIN=$WORK/jetway
	else
		sed 's/^/  /' "$WORK/jetway-build.log" >&2
		NOTES+=("jetway was not measured: \`go build ./cmd/jetway\` failed.")
		TARGETS=${TARGETS//jetway/}
		JETWAY_AT=()
	fi
fi

# ---------------------------------------------------------------- start

# This script and everything it starts stay off the proxy core unless placed
# there on purpose.
taskset -cp "$LOAD_CPU" $$ >/dev/null
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

start b1 env GOMAXPROCS=1 taskset -c "$LOAD_CPU" "$BACKEND_BIN" -listen "$BACKEND1" -name b1
start b2 env GOMAXPROCS=1 taskset -c "$LOAD_CPU" "$BACKEND_BIN" -listen "$BACKEND2" -name b2
wait_ready b1 "${PID[b1]}" "http://$BACKEND1/" || die "backend b1 did not start"
wait_ready b2 "${PID[b2]}" "http://$BACKEND2/" || die "backend b2 did not start"

if want_target nginx; then
	fill bench/nginx.conf.tmpl "$WORK/nginx.conf" "$NGINX_ADDR"
	start nginx taskset -c "$PROXY_CPU" nginx -p "$WORK/" -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log"
	wait_ready nginx "${PID[nginx]}" "http://$NGINX_ADDR/" || die "nginx did not start"
fi
if want_target haproxy; then
	fill bench/haproxy.cfg.tmpl "$WORK/haproxy.cfg" "$HAPROXY_ADDR"
	start haproxy taskset -c "$PROXY_CPU" haproxy -db -f "$WORK/haproxy.cfg"
	wait_ready haproxy "${PID[haproxy]}" "http://$HAPROXY_ADDR/" || die "haproxy did not start"
fi
if want_target jetway; then
	for j in "${JETWAYS[@]}"; do
		typ=roundrobin
		case $j in jetway | jetway-base) ;; *) typ=${j#jetway-} ;; esac
		fill bench/jetway.yaml.tmpl "$WORK/$j.yaml" "${JETWAY_AT[$j]}" "$typ"
		if [ -n "$JETWAY_ENGINE" ] && [ "$j" != jetway-base ]; then
			sed -i "s|^  http:$|  http:\n    engine: $JETWAY_ENGINE|" "$WORK/$j.yaml"
		fi
		start "$j" env GOMAXPROCS=1 taskset -c "$PROXY_CPU" "${JETWAY_BIN_OF[$j]:-$JETWAY_BIN}" run -c "$WORK/$j.yaml"
		if ! wait_ready "$j" "${PID[$j]}" "http://${JETWAY_AT[$j]}/"; then
			NOTES+=("$j was not measured: it did not start and answer 200 at http://${JETWAY_AT[$j]}/ (last log line: \`$(tail -n1 "$WORK/$j.log")\`).")
			unset "JETWAY_AT[$j]"
		fi
	done
fi

for f in "${WANT_FLOORS[@]}"; do
	start "$f" env GOMAXPROCS=1 taskset -c "$PROXY_CPU" "$WORK/relayfloor" -listen "${FLOOR_AT[$f]}" -mode "${f#floor-}" "$BACKEND1" "$BACKEND2"
	wait_ready "$f" "${PID[$f]}" "http://${FLOOR_AT[$f]}/" || die "$f did not start"
done

addr_of() {
	case $1 in
	floor-*) echo "${FLOOR_AT[$1]}" ;;
	direct) echo "$BACKEND1" ;;
	nginx) echo "$NGINX_ADDR" ;;
	haproxy) echo "$HAPROXY_ADDR" ;;
	jetway*) echo "${JETWAY_AT[$1]}" ;;
	esac
}

# check_target TARGET: every target must answer 200 with a backend's body;
# every proxy must spread requests over both backends (but chash, which
# sends one client address to one backend, and ewma, which sends one
# request at a time to the faster one). On failure it sets CHECK_ERR and
# returns 1.
CHECK_ERR=""
check_target() {
	local t=$1 url n=20 i bodies c1 c2 urls=()
	url="http://$(addr_of "$t")/"
	for ((i = 0; i < n; i++)); do urls+=("$url"); done
	if ! bodies=$(curl -s --fail --max-time 5 "${urls[@]}"); then
		CHECK_ERR="GET $url did not answer 200"
		return 1
	fi
	c1=$(grep -cx b1 <<<"$bodies" || true)
	c2=$(grep -cx b2 <<<"$bodies" || true)
	if [ $((c1 + c2)) -ne $n ]; then
		CHECK_ERR="$((n - c1 - c2)) of $n answers to GET $url were not a backend's body"
		return 1
	fi
	if [[ ! $t =~ ^(direct|jetway-chash|jetway-ewma)$ ]] && { [ "$c1" -eq 0 ] || [ "$c2" -eq 0 ]; }; then
		CHECK_ERR="$n requests to $url went b1=$c1 b2=$c2; want both backends used"
		return 1
	fi
	log "$t: 200 OK, $n requests -> b1=$c1 b2=$c2"
}

# A failing peer or baseline stops the benchmark; a failing Jetway is
# reported and the others are still measured.
ACTIVE=()
for t in direct nginx haproxy "${JETWAYS[@]}" "${WANT_FLOORS[@]}"; do
	if [[ $t == jetway* ]]; then [ -n "${JETWAY_AT[$t]:-}" ] || continue; else want_target "$t" || continue; fi
	if ! check_target "$t"; then
		[[ $t == jetway* ]] || die "$t: $CHECK_ERR"
		log "$t: $CHECK_ERR"
		NOTES+=("$t was not measured: $CHECK_ERR.")
		continue
	fi
	ACTIVE+=("$t")
done
[ ${#ACTIVE[@]} -gt 0 ] || die "no target to measure"

# ---------------------------------------------------------------- sampling

# cpu_ticks PID...: user+system clock ticks of the given processes.
cpu_ticks() {
	local pid line sum=0 fields
	for pid in "$@"; do
		line=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
		# Fields after "pid (comm) ": state ppid ... utime(12th) stime(13th).
		read -ra fields <<<"${line##*) }"
		sum=$((sum + fields[11] + fields[12]))
	done
	echo "$sum"
}

# hwm_kib PID...: summed VmHWM (peak resident set) of the given processes.
hwm_kib() {
	local pid sum=0 kb
	for pid in "$@"; do
		kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
		sum=$((sum + ${kb:-0}))
	done
	echo "$sum"
}

# core_stat CPU: "busy irq total" jiffies of one core from /proc/stat; irq
# counts hard and soft interrupts, which the kernel charges to no process.
core_stat() {
	awk -v c="cpu$1" '$1 == c {
		t = 0; for (i = 2; i <= 9; i++) t += $i
		print t - $5 - $6, $7 + $8, t }' /proc/stat
}

# waited_ticks: user+system ticks of this shell's reaped children (wrk).
waited_ticks() {
	local line fields
	line=$(</proc/$$/stat)
	# After "pid (comm) ": cutime and cstime are the 14th and 15th fields.
	read -ra fields <<<"${line##*) }"
	echo $((fields[13] + fields[14]))
}

now_ns() { date +%s%N; }

# to_ms VALUE: wrk latency ("812.00us", "1.23ms", "1.01s") in milliseconds.
to_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
		printf "%.3f", n }'
}

# run_wrk URL DURATION FILE: one wrk run on the load core.
run_wrk() {
	taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$2" --latency "$1" >"$3" 2>&1 &
	WRK_PID=$!
	wait "$WRK_PID" || die "wrk failed: $(cat "$3")"
	WRK_PID=""
}

RUNS=$WORK/runs.tsv
: >"$RUNS"

# measure ROUND TARGET: warm-up, then one measured run; appends a line to $RUNS.
measure() {
	local r=$1 t=$2 url out root="" pids0="" pids1=""
	local ticks0 ticks1 load0 load1 t0 t1 pc0 pc1 lc0 lc1
	url="http://$(addr_of "$t")/"
	out=$WORK/wrk-$r-$t.txt
	if [[ ! $WARMUP =~ ^0+[sm]?$ ]]; then run_wrk "$url" "$WARMUP" "$WORK/warmup.txt"; fi

	[ "$t" = direct ] || root=${PID[$t]}
	[ -z "$root" ] || pids0=$(descendants "$root")
	# shellcheck disable=SC2086
	ticks0=$(cpu_ticks $pids0)
	load0=$(($(cpu_ticks "${PID[b1]}" "${PID[b2]}") + $(waited_ticks)))
	pc0=$(core_stat "$PROXY_CPU")
	lc0=$(core_stat "$LOAD_CPU")
	t0=$(now_ns)
	run_wrk "$url" "$DURATION" "$out"
	t1=$(now_ns)
	lc1=$(core_stat "$LOAD_CPU")
	pc1=$(core_stat "$PROXY_CPU")
	load1=$(($(cpu_ticks "${PID[b1]}" "${PID[b2]}") + $(waited_ticks)))
	[ -z "$root" ] || pids1=$(descendants "$root")
	# shellcheck disable=SC2086
	ticks1=$(cpu_ticks $pids1)
	[ -z "$root" ] || [ -d "/proc/$root" ] || die "$t exited during the run"
	[ "$pids0" = "$pids1" ] || log "warning: $t processes changed during round $r ($pids0 -> $pids1)"

	local reqs rps p50 p99 non2xx sockerr rss=0
	reqs=$(awk '/ requests in / {print $1}' "$out")
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
	p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
	p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
	non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
	sockerr=$(awk -F'[ ,]+' '/Socket errors:/ {print $4 + $6 + $8 + $10}' "$out")
	[[ -n $reqs && -n $rps ]] ||
		die "could not read wrk output: $(cat "$out")"
	# shellcheck disable=SC2086
	[ -z "$root" ] || rss=$(hwm_kib $pids1)

	# Fields: 1 round, 2 target, 3 req/s, 4 p50 ms, 5 p99 ms, 6 requests,
	# 7 errors, 8 proxy ticks, 9 wall s, 10 peak RSS KiB, 11 proxy core
	# busy %, 12 proxy core irq %, 13 load core busy %, 14 load core irq %,
	# 15 wrk+backends ticks.
	awk -v r="$r" -v t="$t" -v rps="$rps" -v p50="$p50" -v p99="$p99" -v reqs="$reqs" \
		-v err="$((${non2xx:-0} + ${sockerr:-0}))" -v ticks="$((ticks1 - ticks0))" \
		-v wall="$(((t1 - t0) / 1000))" -v rss="$rss" -v pc0="$pc0" -v pc1="$pc1" \
		-v lc0="$lc0" -v lc1="$lc1" -v lticks="$((load1 - load0))" 'BEGIN {
			split(pc0, a, " "); split(pc1, b, " "); split(lc0, c, " "); split(lc1, d, " ")
			pt = b[3] - a[3]; lt = d[3] - c[3]; if (pt <= 0) pt = 1; if (lt <= 0) lt = 1
			printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.3f\t%s\t%.1f\t%.1f\t%.1f\t%.1f\t%s\n",
				r, t, rps, p50, p99, reqs, err, ticks, wall / 1e6, rss,
				100 * (b[1] - a[1]) / pt, 100 * (b[2] - a[2]) / pt,
				100 * (d[1] - c[1]) / lt, 100 * (d[2] - c[2]) / lt, lticks }' >>"$RUNS"
	log "round $r $t: $(tail -n1 "$RUNS" | awk -F'\t' '{printf "%s req/s, p50 %s ms, p99 %s ms, errors %s", $3, $4, $5, $7}')"
}

# ---------------------------------------------------------------- run

START_DATE=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
log "targets: ${ACTIVE[*]}; $ROUNDS rounds of $DURATION (warm-up $WARMUP), $CONNECTIONS connections"
# Odd rounds run the targets in order, even rounds in reverse: no target
# always runs right after the same other one.
for r in $(seq "$ROUNDS"); do
	order=("${ACTIVE[@]}")
	if ((r % 2 == 0)); then
		order=()
		for ((i = ${#ACTIVE[@]} - 1; i >= 0; i--)); do order+=("${ACTIVE[i]}"); done
	fi
	for t in "${order[@]}"; do
		measure "$r" "$t"
	done
done

# ---------------------------------------------------------------- report

first_line() { "$@" 2>&1 | head -n1 || true; }
CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
[ -n "$CPU_MODEL" ] || CPU_MODEL=$(uname -m)
JETWAY_REV=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain 2>/dev/null | head -n1)" ]; then JETWAY_REV="$JETWAY_REV (with uncommitted changes)"; fi
CMD="bash bench/compare.sh"
for a in "${ORIG_ARGS[@]}"; do
	if [[ $a =~ ^[A-Za-z0-9_./,:=+-]+$ ]]; then CMD+=" $a"; else CMD+=" $(printf '%q' "$a")"; fi
done

[ -n "$OUT" ] || OUT=bench/results/compare-$(date -u +%Y%m%d-%H%M%S).md
mkdir -p "$(dirname "$OUT")"

# The awk programs below read $RUNS; field numbers are listed in measure.
report() {
	echo "# Jetway side-by-side benchmark"
	echo
	local warm="after a $WARMUP warm-up run"
	[[ ! $WARMUP =~ ^0+[sm]?$ ]] || warm="with no warm-up run"
	echo "Median of $ROUNDS interleaved rounds. Each run: \`wrk -t1 -c$CONNECTIONS -d$DURATION --latency\`,"
	echo "$warm. Proxy core: CPU $PROXY_CPU, one worker per proxy. Load core:"
	echo "CPU $LOAD_CPU, wrk and both backends."
	echo
	awk -F'\t' -v tck="$CLK_TCK" -v order="${ACTIVE[*]}" -v inprocs="$IRQ_IN_PROCS" -v base="${BASE_REV:-}" '
	function pos(x) { return x > 0 ? x : 0 }
	function median(s,    n, v, i, j, x) {
		n = split(s, v, " ")
		for (i = 2; i <= n; i++) { x = v[i]; for (j = i - 1; j > 0 && v[j] + 0 > x + 0; j--) v[j + 1] = v[j]; v[j + 1] = x }
		return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	{
		t = $2
		rps[t] = rps[t] " " $3; p50[t] = p50[t] " " $4; p99[t] = p99[t] " " $5
		err[t] += $7
		cpu[t] = cpu[t] " " (1e6 * $8 / tck / $6)
		cr[t, $1] = 1e6 * $8 / tck / $6
		pct[t] = pct[t] " " (100 * $8 / tck / $9)
		rss[t] = rss[t] " " ($10 / 1024)
		lb[t] = lb[t] " " $13
		po = pos($11 - (inprocs ? 0 : $12) - 100 * $8 / tck / $9)
		lo = pos($13 - (inprocs ? 0 : $14) - 100 * $15 / tck / $9)
		noisy[t] += (po > 5 || lo > 5)
	}
	END {
		n = split(order, ts, " ")
		for (i = 1; i <= n; i++) { t = ts[i]; mr[t] = median(rps[t]); mc[t] = median(cpu[t]) }
		# Per-round ratios to nginx: the two ran seconds apart, so drift of
		# the machine between rounds cancels out of each ratio.
		for (k in cr) {
			split(k, kk, SUBSEP)
			if (kk[1] != "nginx" && kk[1] != "direct" && ("nginx", kk[2]) in cr && cr["nginx", kk[2]] > 0) {
				x = cr[k] / cr["nginx", kk[2]]
				pr[kk[1]] = pr[kk[1]] " " x
				if (!(kk[1] in plo) || x < plo[kk[1]]) plo[kk[1]] = x
				if (!(kk[1] in phi) || x > phi[kk[1]]) phi[kk[1]] = x
			}
		}
		print "| target | req/s | p50 ms | p99 ms | proxy CPU µs/req | proxy CPU s per 100k req | proxy CPU % of its core | peak RSS MiB | CPU/req vs nginx | per-round CPU/req vs nginx: median (range) | req/s vs direct | load core busy % | errors | runs disturbed |"
		print "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
		for (i = 1; i <= n; i++) {
			t = ts[i]
			if (t == "direct") { c = "—"; c100 = "—"; cp = "—"; r = "—"; vn = "—" }
			else {
				c = sprintf("%.2f", mc[t]); c100 = sprintf("%.3f", mc[t] / 10)
				cp = sprintf("%.1f", median(pct[t])); r = sprintf("%.1f", median(rss[t]))
				vn = ("nginx" in mc && mc["nginx"] > 0) ? sprintf("%.2f", mc[t] / mc["nginx"]) : "—"
			}
			vp = (t in pr) ? sprintf("%.2f (%.2f–%.2f)", median(pr[t]), plo[t], phi[t]) : "—"
			vd = ("direct" in mr && mr["direct"] > 0) ? sprintf("%.2f", mr[t] / mr["direct"]) : "—"
			printf "| %s | %.0f | %.3f | %.3f | %s | %s | %s | %s | %s | %s | %s | %.1f | %d | %d of %d |\n",
				t, mr[t], median(p50[t]), median(p99[t]), c, c100, cp, r, vn, vp, vd, median(lb[t]), err[t],
				noisy[t], split(rps[t], tmp, " ")
		}
		# Each Jetway against the one built from --jetway-base, round by
		# round, as with nginx above.
		if ("jetway-base" in mc) {
			print ""
			for (i = 1; i <= n; i++) {
				t = ts[i]
				if (t !~ /^jetway/ || t == "jetway-base") continue
				s = ""; m = 0; below = 0
				for (k in cr) {
					split(k, kk, SUBSEP)
					if (kk[1] != t || !(("jetway-base", kk[2]) in cr) || cr["jetway-base", kk[2]] <= 0) continue
					x = cr[k] / cr["jetway-base", kk[2]]
					s = s " " x; below += (x < 1)
					if (m == 0 || x < lo) lo = x
					if (m == 0 || x > hi) hi = x
					m++
				}
				if (m > 0)
					printf "- **%s against jetway-base (commit %s):** CPU per request, round by round: median %.3f (%.3f–%.3f), lower in %d of %d rounds.\n", t, base, median(s), lo, hi, below, m
			}
		}
	}' "$RUNS"
	echo
	for note in "${NOTES[@]}"; do echo "- **Note:** $note"; done
	# Other processes on either core: busy time there that is not ours.
	awk -F'\t' -v tck="$CLK_TCK" -v inprocs="$IRQ_IN_PROCS" '
	function pos(x) { return x > 0 ? x : 0 }
	{
		po = pos($11 - (inprocs ? 0 : $12) - 100 * $8 / tck / $9)
		lo = pos($13 - (inprocs ? 0 : $14) - 100 * $15 / tck / $9)
		if (po > pmax) pmax = po; if (lo > lmax) lmax = lo
	}
	END {
		if (pmax > 5 || lmax > 5)
			printf "- **Note:** other processes on this machine used up to %.0f%% of the proxy core and %.0f%% of the load core during some runs (\"runs disturbed\": more than 5%% of either core; see \"other %%\" below). Those runs have lower req/s, higher latency and higher CPU per request than a quiet machine gives.\n", pmax, lmax
	}' "$RUNS"
	echo
	echo "## Machine"
	echo
	echo "- CPU: $CPU_MODEL; $NCPU cores online"
	echo "- Kernel: $(uname -sr)"
	echo "- CPU time accounting: $IRQ_ACCOUNTING"
	if want_target nginx; then echo "- nginx: $(first_line nginx -v | sed 's/^nginx version: //')"; fi
	if want_target haproxy; then echo "- HAProxy: $(first_line haproxy -v)"; fi
	echo "- wrk: $(first_line wrk -v)"
	if command -v go >/dev/null; then echo "- Go: $(go version)"; fi
	echo "- Jetway: commit $JETWAY_REV"
	if [ -n "${BASE_REV:-}" ]; then echo "- jetway-base: commit $BASE_REV"; fi
	if [ -n "$JETWAY_ENGINE" ]; then echo "- Jetway engine (gateway.http.engine): $JETWAY_ENGINE"; fi
	echo "- Date: $START_DATE"
	echo
	echo "## Command"
	echo
	echo '```'
	echo "$CMD"
	echo '```'
	echo
	echo "## Every run"
	echo
	echo "| round | target | req/s | p50 ms | p99 ms | requests | errors | wall s | proxy CPU s | proxy CPU µs/req | peak RSS MiB | proxy core: proxy % | irq % | other % | load core: wrk+backends % | irq % | other % |"
	echo "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
	awk -F'\t' -v tck="$CLK_TCK" -v inprocs="$IRQ_IN_PROCS" '
	function pos(x) { return x > 0 ? x : 0 }
	{
		pp = 100 * $8 / tck / $9; lp = 100 * $15 / tck / $9
		if ($2 == "direct") { cs = "—"; cu = "—"; rs = "—"; ps = "—" }
		else { cs = sprintf("%.2f", $8 / tck); cu = sprintf("%.2f", 1e6 * $8 / tck / $6); rs = sprintf("%.1f", $10 / 1024); ps = sprintf("%.1f", pp) }
		printf "| %s | %s | %.0f | %.3f | %.3f | %s | %s | %.2f | %s | %s | %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f |\n",
			$1, $2, $3, $4, $5, $6, $7, $9, cs, cu, rs, ps, $12,
			pos($11 - (inprocs ? 0 : $12) - pp), lp, $14, pos($13 - (inprocs ? 0 : $14) - lp) }' "$RUNS"
	echo
	echo "Proxy CPU is user+system time from /proc/PID/stat of all the proxy's processes"
	echo "(nginx: master and worker), sampled right before and after each measured run, in"
	echo "ticks of 1/$CLK_TCK s. Peak RSS is VmHWM summed over those processes. Core figures come"
	echo "from /proc/stat over the same window: irq is hard and soft interrupt time on that core"
	echo "(see the accounting line above for whether it is also inside the processes' time);"
	echo "other is the core's busy time that neither the processes of this run nor, where kept"
	echo "apart, interrupts account for. See bench/README.md."
}

report | tee "$OUT"
log "report written to $OUT"
[ ${#NOTES[@]} -eq 0 ] || exit 2
