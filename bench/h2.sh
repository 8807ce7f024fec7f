#!/usr/bin/env bash
# h2.sh: HTTP/2 capture figures (RFC 9113). h2load -n N -c 10 -m 10 against nginx serving
# HTTP/2 over TLS (one worker), untraced, traced (httpsnoop -p <worker> -j > file) and, over
# TLS, probe-only (uprobes attached, programs return at once: HTTPSNOOP_TLS_PROBE_ONLY=1);
# runs alternate. When this build cannot capture OpenSSL, nghttpd h2c (cleartext) is used
# instead; the first line says which. Prints exchanges printed vs requests completed, lost
# records and throughput ratios. Figures only, nothing is asserted.
#   bench/h2.sh [build/httpsnoop] [runs] [requests per run]
set -euo pipefail
[ -n "${BENCH_DEBUG:-}" ] && set -x
hs=$(realpath "${1:-build/httpsnoop}")
runs=${2:-3}
n=${3:-20000}
dir=$(mktemp -d /tmp/hs-h2bench.XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$dir"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
for p in h2load nginx nghttpd openssl; do
  command -v "$p" > /dev/null || { echo "h2.sh: $p is not installed"; exit 1; }
done

. "$(dirname "$0")/nginx.sh"
bench_nginx "$dir" "ssl http2"
pids+=("$master")
target=$worker
head -c 1024 /dev/zero | tr '\0' 'x' > "$dir/html/index.html"	# 1 KiB page
url="https://127.0.0.1:$port/index.html"

# Can this build capture OpenSSL? One request traced tells.
tls=0
"$hs" -j -p "$target" > "$dir/probe.json" 2> "$dir/probe.err" &
hpid=$!
for _ in $(seq 600); do grep -q "httpsnoop: tracing " "$dir/probe.err" && break; sleep 0.05; done
sleep 0.3
h2load -n 1 "$url" > /dev/null 2>&1 || true
sleep 0.3
kill -INT "$hpid"; wait "$hpid" || true; hs_settle
grep -q '"status":200' "$dir/probe.json" && tls=1
if [ "$tls" = 1 ]; then
  echo "target: nginx HTTP/2 over TLS (OpenSSL capture), 1 worker, pid $target"
else
  kill "$master"; wait "$master" 2> /dev/null || true
  port=$(free_port)
  nghttpd --no-tls -a 127.0.0.1 -d "$dir/html" "$port" > /dev/null 2>&1 &
  target=$!; pids+=("$target")
  sleep 0.5
  url="http://127.0.0.1:$port/index.html"
  echo "target: nghttpd h2c (cleartext): this build did not capture nginx over TLS"
fi
echo "load: h2load -n $n -c 10 -m 10 $url; $runs runs of each kind, alternating"

# Runs h2load; req/s in $rate, completed requests in $done_.
load() {
  h2load -n "$n" -c 10 -m 10 "$url" > "$dir/h2load.out" 2>&1 || true
  rate=$(awk '/^finished in/ {print $4}' "$dir/h2load.out")
  done_=$(awk '/^requests:/ {print $8}' "$dir/h2load.out")
  [ -n "$rate" ] || { echo "h2load failed:"; cat "$dir/h2load.out"; exit 1; }
}
# Starts httpsnoop on the target with extra environment $1, output to $dir/out.json.
start_hs() {
  env $1 "$hs" -j -p "$target" > "$dir/out.json" 2> "$dir/hs.err" &
  hpid=$!
  for _ in $(seq 600); do grep -q "httpsnoop: tracing " "$dir/hs.err" && break; sleep 0.05; done
  sleep 0.2
}
stop_hs() {
  sleep 0.5
  kill -INT "$hpid" 2> /dev/null || { echo "httpsnoop ended early:"; cat "$dir/hs.err"; }
  wait "$hpid" || true; hs_settle
}

base=0 traced=0 probe=0 completed=0 printed=0 paired=0 lost=0 lostb=0
for i in $(seq "$runs"); do
  load; u=$rate; base=$(echo "$base + $u" | bc -l)
  start_hs ""
  load; t=$rate; traced=$(echo "$traced + $t" | bc -l)
  stop_hs
  c=$done_
  pr=$(grep -c '"response":{"status":' "$dir/out.json" || true)
  ok=$(grep -c '"response":{"status":200' "$dir/out.json" || true)
  l=$(grep -o '[0-9]* lost' "$dir/hs.err" | awk '{print $1}' | tail -1)
  lb=$(grep -o 'lost ([0-9]* bytes)' "$dir/hs.err" | tr -dc '0-9' || true)
  completed=$((completed + c)) printed=$((printed + pr)) paired=$((paired + ok))
  lost=$((lost + ${l:-0})) lostb=$((lostb + ${lb:-0}))
  p=""
  if [ "$tls" = 1 ]; then
    start_hs "HTTPSNOOP_TLS_PROBE_ONLY=1"
    load; p=$rate; probe=$(echo "$probe + $p" | bc -l)
    stop_hs
  fi
  printf 'run %d: untraced %.0f req/s, traced %.0f req/s%s; completed %d, printed %d (status 200: %d), lost records %s\n' \
    "$i" "$u" "$t" "${p:+, probe-only $(printf %.0f "$p") req/s}" "$c" "$pr" "$ok" "${l:-?}"
done
echo "== totals over $runs runs"
printf 'requests completed %d, exchanges printed %d (%.2f %%), with status 200 %d\n' \
  "$completed" "$printed" "$(echo "100 * $printed / $completed" | bc -l)" "$paired"
printf 'lost records %d (%d bytes)\n' "$lost" "$lostb"
printf 'throughput traced/untraced %.3f (mean %.0f vs %.0f req/s)\n' \
  "$(echo "$traced / $base" | bc -l)" "$(echo "$traced / $runs" | bc -l)" \
  "$(echo "$base / $runs" | bc -l)"
if [ "$tls" = 1 ]; then
  printf 'throughput probe-only/untraced %.3f, traced/probe-only %.3f (mean probe-only %.0f req/s)\n' \
    "$(echo "$probe / $base" | bc -l)" "$(echo "$traced / $probe" | bc -l)" \
    "$(echo "$probe / $runs" | bc -l)"
fi
