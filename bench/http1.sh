#!/usr/bin/env bash
# http1.sh: overhead of tracing nginx serving a small response over plaintext HTTP/1.1.
# Alternates untraced and traced wrk runs (httpsnoop -p <worker> > /dev/null) and prints the
# throughput ratio, exchanges printed vs requests completed, and records lost. Figures only.
#   bench/http1.sh [build/httpsnoop] [seconds per run] [runs]
set -euo pipefail
hs=$(realpath "${1:-build/httpsnoop}")
secs=${2:-5}
runs=${3:-3}
dir=$(mktemp -d /tmp/hs-bench.XXXXXX)
chmod 755 "$dir"
trap 'kill $(cat "$dir/nginx.pid" 2>/dev/null) 2>/dev/null; rm -rf "$dir"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$dir/logs" "$dir/html"
cat > "$dir/nginx.conf" <<CONF
worker_processes 1;
user root;
pid $dir/nginx.pid;
error_log $dir/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$port;
    location / { default_type text/plain; return 200 "hello, benchmark\n"; }
  }
}
CONF
nginx -p "$dir" -c "$dir/nginx.conf"
sleep 0.5
worker=$(pgrep -P "$(cat "$dir/nginx.pid")" | head -1)
url="http://127.0.0.1:$port/"

wrk_rps() { wrk -t 2 -c 20 -d "${secs}s" "$url" > "$dir/wrk.out"; awk '/Requests\/sec/ {print $2}' "$dir/wrk.out"; }
wrk_total() { awk '/requests in/ {print $1}' "$dir/wrk.out"; }

base=0 traced=0 printed=0 completed=0 lost=0
for i in $(seq "$runs"); do
  r=$(wrk_rps); base=$(echo "$base + $r" | bc -l)
  "$hs" -p "$worker" > /dev/null 2> "$dir/hs.err" &
  hpid=$!
  for _ in $(seq 100); do grep -q tracing "$dir/hs.err" && break; sleep 0.05; done
  r=$(wrk_rps); traced=$(echo "$traced + $r" | bc -l)
  completed=$((completed + $(wrk_total)))
  sleep 0.5
  kill -INT "$hpid"; wait "$hpid" || true
  printed=$((printed + $(awk '/exchanges? printed/ {print $1}' "$dir/hs.err")))
  lost=$((lost + $(sed -n 's/.* captured, \([0-9]*\) lost.*/\1/p' "$dir/hs.err")))
  printf 'run %d: untraced %.0f req/s, traced %.0f req/s\n' "$i" "$(echo "$base / $i" | bc -l)" "$r"
done
printf 'throughput ratio traced/untraced: %.3f\n' "$(echo "$traced / $base" | bc -l)"
printf 'exchanges printed: %d of %d requests completed (%.2f %%)\n' "$printed" "$completed" \
  "$(echo "100 * $printed / $completed" | bc -l)"
printf 'records lost: %d\n' "$lost"
