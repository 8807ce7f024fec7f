#!/usr/bin/env bash
# gotls.sh: Go crypto/tls capture figures. (1) time from start to "attached" for the largest Go
# binary at hand (kubectl if installed, blocked on a listener that never answers; else the
# tests/go server); (2) a Go HTTPS server (tests/go/tlsserver, HTTP/1.1) under wrk: untraced,
# traced (httpsnoop -p) and probe-only (uprobes attached, programs return at once:
# HTTPSNOOP_GOTLS_PROBE_ONLY=1), with exchanges printed vs requests completed. Figures only.
#   bench/gotls.sh [build/httpsnoop] [seconds per run] [runs] [big Go binary]
set -euo pipefail
[ -n "${BENCH_DEBUG:-}" ] && set -x
hs=$(realpath "${1:-build/httpsnoop}")
secs=${2:-5}
runs=${3:-3}
big=${4:-$(command -v kubectl || ls /usr/lib/google-cloud-sdk/bin/kubectl 2>/dev/null || true)}
src=$(cd "$(dirname "$0")/../tests/go" && pwd)
dir=$(mktemp -d /tmp/hs-gobench.XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$dir"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ms() { date +%s%N; }
. "$(dirname "$0")/nginx.sh"	# hs_settle, wrk_rps

export GOCACHE=${GOCACHE:-$dir/gocache} GOPATH=${GOPATH:-$dir/gopath} CGO_ENABLED=0 \
  GOTOOLCHAIN=local GOPROXY=off GOFLAGS=
(cd "$src" && go build -o "$dir/tlsserver" ./tlsserver)

# Starts httpsnoop -v -p $1 (extra env in $2); waits for "tracing"; the ms it took go in
# $attach_ms.
start_hs() {
  local t0 t1
  t0=$(ms)
  env $2 "$hs" -v -p "$1" > /dev/null 2> "$dir/hs.err" &
  hpid=$!
  for _ in $(seq 400); do grep -q "httpsnoop: tracing " "$dir/hs.err" && break; sleep 0.005; done
  t1=$(ms)
  attach_ms=$(( (t1 - t0) / 1000000 ))
}
stop_hs() {
  kill -INT "$hpid" 2>/dev/null || { echo "httpsnoop ended early:"; cat "$dir/hs.err"; }
  wait "$hpid" || true; hs_settle
}

echo "== time to attach"
if [ -n "$big" ] && [ -x "$big" ]; then
  lport=$(free_port)
  python3 -c "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1',$lport)); s.listen(); c=s.accept(); time.sleep(120)" &
  pids+=($!)
  sleep 0.3
  "$big" --kubeconfig=/dev/null --token=bench --server="https://127.0.0.1:$lport" \
    --request-timeout=100s get pods < /dev/null > /dev/null 2>&1 &
  bpid=$!; pids+=("$bpid")
  sleep 0.5
  target=$bpid
else
  echo "no Go binary of 20 MB or more found (kubectl): measuring the tests/go server instead"
  big=$dir/tlsserver
  "$big" -addr 127.0.0.1:0 > /dev/null 2>&1 &
  target=$!; pids+=("$target"); sleep 0.3
fi
size=$(stat -L -c %s "$big")
for i in 1 2 3; do
  start_hs "$target" ""
  stop_hs
  line=$(grep -o 'gotls: pid.*' "$dir/hs.err" || echo "gotls: (no note)")
  printf 'run %d: %s (%d MB): start to "tracing" (BPF load + Go analysis + attach) %d ms; %s\n' \
    "$i" "$(basename "$big")" $((size / 1000000)) "$attach_ms" "$line"
done

echo "== Go HTTPS server under wrk (${secs}s x $runs runs, 2 threads, 20 connections)"
port=$(free_port)
"$dir/tlsserver" -addr "127.0.0.1:$port" > /dev/null 2>&1 &
spid=$!; pids+=("$spid")
sleep 0.5
url="https://127.0.0.1:$port/bench"

base=0 traced=0 probe=0 printed=0 completed=0 lost=0
for i in $(seq "$runs"); do
  u=$(wrk_rps); base=$(echo "$base + $u" | bc -l)
  start_hs "$spid" ""
  t=$(wrk_rps); traced=$(echo "$traced + $t" | bc -l)
  completed=$((completed + $(wrk_total)))
  sleep 0.5; stop_hs
  printed=$((printed + $(awk '/exchanges? printed/ {print $1}' "$dir/hs.err")))
  lost=$((lost + $(sed -n 's/.* captured, \([0-9]*\) lost.*/\1/p' "$dir/hs.err")))
  start_hs "$spid" "HTTPSNOOP_GOTLS_PROBE_ONLY=1"
  p=$(wrk_rps); probe=$(echo "$probe + $p" | bc -l)
  stop_hs
  printf 'run %d: untraced %.0f req/s, traced %.0f req/s, probe-only %.0f req/s\n' "$i" "$u" "$t" "$p"
done
printf 'throughput ratio traced/untraced: %.3f, probe-only/untraced: %.3f\n' \
  "$(echo "$traced / $base" | bc -l)" "$(echo "$probe / $base" | bc -l)"
printf 'exchanges printed (traced runs): %d of %d requests completed (%.2f %%)\n' "$printed" \
  "$completed" "$(echo "100 * $printed / $completed" | bc -l)"
printf 'records lost: %d\n' "$lost"
echo "(probe-only still runs the syscall tracepoints, which then see the TLS records as plain bytes)"
