#!/usr/bin/env bash
# Health-check CPU, side by side: HAProxy and Jetway each probe the same
# 10,000 nodes (two jetway-backend processes, 5,000 ports each, on
# 127.0.0.1) once a second, with http checks and with tcp checks. The
# checker's CPU (user + system, from /proc/PID/stat) is measured over a
# window after a warm-up; rounds are interleaved and the median is printed.
#
#   bash bench/probes.sh [--rounds N] [--window SECONDS]
#
# Needs haproxy (installed with apt-get when missing and run as root), Go,
# ports 127.0.0.1:21000-30999 free, and an open-file limit of 20,000.
set -euo pipefail

ROUNDS=3
WINDOW=10
WARMUP=6
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) ROUNDS=$2; shift 2 ;;
	--window) WINDOW=$2; shift 2 ;;
	*) echo "usage: $0 [--rounds N] [--window SECONDS]" >&2; exit 2 ;;
	esac
done

die() { echo "probes.sh: $*" >&2; exit 1; }
if ! command -v haproxy >/dev/null; then
	[ "$(id -u)" = 0 ] || die "haproxy is missing; run as root or install it"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
fi
ulimit -n 20000 || die "cannot raise the open-file limit to 20000"

cd "$(dirname "$0")/.."
WORK=$(mktemp -d /tmp/jetway-probes.XXXXXX)
PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

go build -trimpath -o "$WORK/jetway" ./cmd/jetway
go build -trimpath -o "$WORK/jetway-backend" ./bench/backend
"$WORK/jetway-backend" -listen-range 127.0.0.1:21000-25999 >"$WORK/b1.log" 2>&1 & PIDS+=($!)
"$WORK/jetway-backend" -listen-range 127.0.0.1:26000-30999 >"$WORK/b2.log" 2>&1 & PIDS+=($!)
sleep 2

# HAProxy: a new connection per check (its only mode); maxconn 4000 keeps
# its descriptor needs under 20,000.
haproxy_cfg() { # http|tcp
	echo "global"
	echo "  maxconn 4000"
	echo "defaults"
	echo "  mode http"
	echo "  timeout connect 1s"
	echo "  timeout check 1s"
	echo "  timeout client 10s"
	echo "  timeout server 10s"
	echo "frontend f"
	echo "  bind 127.0.0.1:19181"
	echo "  default_backend b"
	echo "backend b"
	[ "$1" = http ] && echo "  option httpchk GET /"
	for p in $(seq 21000 30999); do echo "  server s$p 127.0.0.1:$p check inter 1s"; done
}
# Jetway: keep-alive http probes, or connect-and-close tcp probes.
jetway_cfg() { # http|tcp
	echo "gateway: {http: {listen: [\"127.0.0.1:19180\"]}, control: {listen: \"\"}, log: {level: warn}}"
	echo "upstreams:"
	echo "  - id: u"
	echo "    checks: {active: {type: $1}}"
	echo "    nodes:"
	for p in $(seq 21000 30999); do echo "      \"127.0.0.1:$p\": 1"; done
	echo "routes: [{id: r, uri: /*, upstream_id: u}]"
}
for kind in http tcp; do
	haproxy_cfg $kind >"$WORK/haproxy-$kind.cfg"
	jetway_cfg $kind >"$WORK/jetway-$kind.yaml"
done

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# measure NAME CMD...: starts CMD, waits WARMUP, prints the CPU percent of
# one core it used over WINDOW seconds, stops it.
measure() {
	local name=$1 pid c0 c1
	shift
	"$@" >"$WORK/$name.log" 2>&1 &
	pid=$!
	sleep "$WARMUP"
	[ -d "/proc/$pid" ] || die "$name exited early: $(tail -3 "$WORK/$name.log")"
	c0=$(ticks "$pid")
	sleep "$WINDOW"
	c1=$(ticks "$pid")
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null || true
	echo $(( (c1 - c0) * 100 * 100 / (hz * WINDOW) ))
}

declare -A runs=()
for r in $(seq "$ROUNDS"); do
	for kind in http tcp; do
		runs[haproxy-$kind]+=" $(measure haproxy-$kind haproxy -f "$WORK/haproxy-$kind.cfg")"
		runs[jetway-$kind]+=" $(measure jetway-$kind "$WORK/jetway" run -c "$WORK/jetway-$kind.yaml")"
	done
	echo "round $r done" >&2
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
pct() { printf '%d.%02d' $(( $1 / 100 )) $(( $1 % 100 )); }
echo "| checker | check | CPU % of one core (median of $ROUNDS × ${WINDOW} s) | runs |"
echo "|---|---|--:|---|"
for name in haproxy-http jetway-http haproxy-tcp jetway-tcp; do
	m=$(echo "${runs[$name]}" | median)
	list=""
	for v in ${runs[$name]}; do list+="$(pct "$v") "; done
	echo "| ${name%-*} | ${name#*-} | $(pct "$m") | ${list% } |"
done
