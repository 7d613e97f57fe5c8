#!/usr/bin/env bash
# run-demo.sh starts two demo backends (a on 127.0.0.1:9001, b on
# 127.0.0.1:9002) and Jetway on configs/quickstart.yaml, then waits.
# Ctrl-C stops everything it started. Run `make build` first.
set -euo pipefail
cd "$(dirname "$0")/.."

config=configs/quickstart.yaml
pids=()

# stop gives the processes 2 s to end on their own (Ctrl-C reaches them
# all), then sends SIGTERM to those left and waits for them.
stop() {
	trap - EXIT INT TERM
	((${#pids[@]})) || return 0
	for _ in $(seq 20); do
		local alive=()
		for pid in "${pids[@]}"; do
			if kill -0 "$pid" 2>/dev/null; then
				alive+=("$pid")
			fi
		done
		((${#alive[@]})) || return 0
		sleep 0.1
	done
	kill -TERM "${alive[@]}" 2>/dev/null || true
	wait "${alive[@]}" 2>/dev/null || true
}
trap stop EXIT
trap 'echo "stopped"; exit 0' INT TERM

# wait_port waits up to 5 s for a TCP listener on 127.0.0.1:$1.
wait_port() {
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
			return 0
		fi
		sleep 0.05
	done
	echo "nothing listens on 127.0.0.1:$1" >&2
	return 1
}

bin/jetway validate -c "$config"
bin/jetway-backend -listen 127.0.0.1:9001 -name a &
pids+=($!)
bin/jetway-backend -listen 127.0.0.1:9002 -name b &
pids+=($!)
wait_port 9001
wait_port 9002
bin/jetway run -c "$config" &
pids+=($!)
wait_port 9080

cat <<MSG

Jetway listens on http://127.0.0.1:9080 in front of backends a and b.
Try:

  for i in 1 2 3 4 5 6 7 8; do curl -s http://127.0.0.1:9080/; done
  curl -s http://127.0.0.1:9080/headers    # the request as the backend got it
  curl -s http://127.0.0.1:9090/v1/healthcheck   # node health (Control API)
  bin/jetway validate -c $config

Edit $config and Jetway reloads it; \`kill -HUP ${pids[2]}\` does too.
Ctrl-C stops everything.

MSG
# Ctrl-C reaches every process; each exits 0 on it. Whichever ends first,
# the rest are stopped; a failure is reported.
status=0
wait -n "${pids[@]}" || status=$?
if ((status != 0)); then
	echo "a demo process failed (exit $status)" >&2
	exit 1
fi
echo "stopped"
