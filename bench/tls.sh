#!/usr/bin/env bash
# tls.sh: OpenSSL capture figures. nginx HTTPS on loopback (one worker, a small file) under
# wrk -c 20: untraced, traced (httpsnoop -p <worker> > /dev/null) and probe-only (the same
# uprobes attached, programs only count, syscall hooks detached: HTTPSNOOP_TLS_PROBE_ONLY=1).
# Prints both throughput ratios against untraced and traced against probe-only, exchanges
# printed vs requests completed, lost records. Figures only, never asserted.
#   bench/tls.sh [build/httpsnoop] [seconds per run] [runs]
set -euo pipefail
[ -n "${BENCH_DEBUG:-}" ] && set -x
hs=$(realpath "${1:-build/httpsnoop}")
secs=${2:-5}
runs=${3:-3}
dir=$(mktemp -d /tmp/hs-tlsbench.XXXXXX)
chmod 755 "$dir"
master=
trap '[ -n "$master" ] && kill "$master" 2>/dev/null; rm -rf "$dir"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

mkdir -p "$dir/html" "$dir/logs" "$dir/tmp"
head -c 612 /dev/zero | tr '\0' 'x' > "$dir/html/index.html"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" 2> /dev/null
cat > "$dir/nginx.conf" <<EOF
worker_processes 1;
daemon off;
user root;
pid $dir/nginx.pid;
error_log $dir/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp; fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$port ssl;
    ssl_certificate $dir/cert.pem; ssl_certificate_key $dir/key.pem;
    root $dir/html;
  }
}
EOF
nginx -p "$dir" -c "$dir/nginx.conf" &
master=$!
for _ in $(seq 100); do worker=$(pgrep -P "$master" || true); [ -n "$worker" ] && break; sleep 0.05; done
[ -n "$worker" ] || { echo "nginx did not start"; cat "$dir/logs/error.log"; exit 1; }
sleep 0.3
url="https://127.0.0.1:$port/index.html"

wrk_run() { wrk -t 2 -c 20 -d "${secs}s" "$url" > "$dir/wrk.out"; awk '/Requests\/sec/ {print $2}' "$dir/wrk.out"; }
wrk_total() { awk '/requests in/ {print $1}' "$dir/wrk.out"; }
# Starts httpsnoop -p worker (extra env in $1), waits for "tracing".
start_hs() {
  env $1 "$hs" -p "$worker" > /dev/null 2> "$dir/hs.err" &
  hpid=$!
  for _ in $(seq 600); do grep -q tracing "$dir/hs.err" && return; sleep 0.01; done
  echo "httpsnoop did not start:"; cat "$dir/hs.err"; exit 1
}
stop_hs() {
  kill -INT "$hpid" 2>/dev/null || { echo "httpsnoop ended early:"; cat "$dir/hs.err"; }
  wait "$hpid" || true
}

echo "== nginx HTTPS (1 worker, 612-byte page) under wrk: ${secs}s x $runs runs, 2 threads, 20 connections"
base=0 traced=0 probe=0 printed=0 completed=0 lost=0 hits=0
for i in $(seq "$runs"); do
  u=$(wrk_run); base=$(echo "$base + $u" | bc -l)

  start_hs HTTPSNOOP_TLS_PROBE_ONLY=1
  p=$(wrk_run); probe=$(echo "$probe + $p" | bc -l)
  stop_hs
  h=$(awk '/probe hits/ {print $3}' "$dir/hs.err"); hits=$((hits + ${h:-0}))

  start_hs ""
  t=$(wrk_run); traced=$(echo "$traced + $t" | bc -l)
  c=$(wrk_total)
  stop_hs
  pr=$(awk '/exchanges? printed/ {print $1}' "$dir/hs.err")
  lo=$(awk '/records captured/ {print $4}' "$dir/hs.err")
  completed=$((completed + c)); printed=$((printed + ${pr:-0})); lost=$((lost + ${lo:-0}))
  printf 'run %d: untraced %.0f req/s, probe-only %.0f req/s, traced %.0f req/s; traced run: %d requests completed, %s exchanges printed, %s records lost\n' \
    "$i" "$u" "$p" "$t" "$c" "${pr:-?}" "${lo:-?}"
done
echo "== summary (means over $runs runs)"
printf 'untraced      %8.0f req/s\n' "$(echo "$base / $runs" | bc -l)"
printf 'probe-only    %8.0f req/s   %.3f x untraced   (%d probe hits in all)\n' \
  "$(echo "$probe / $runs" | bc -l)" "$(echo "$probe / $base" | bc -l)" "$hits"
printf 'httpsnoop -p  %8.0f req/s   %.3f x untraced   %.3f x probe-only\n' \
  "$(echo "$traced / $runs" | bc -l)" "$(echo "$traced / $base" | bc -l)" "$(echo "$traced / $probe" | bc -l)"
printf 'exchanges printed %d of %d requests completed (%.2f %%), %d records lost\n' \
  "$printed" "$completed" "$(echo "100 * $printed / $completed" | bc -l)" "$lost"
echo "note: wrk stops mid-request at the end of a run; those requests are not completed but may print"
