# nginx.sh: sourced by the benchmarks. bench_nginx DIR LISTEN_FLAGS [DIRECTIVES] starts nginx
# (one worker, its own prefix in DIR, a self-signed certificate when LISTEN_FLAGS has ssl) on a
# free loopback port serving DIR/html plus DIRECTIVES, and sets port, master and worker.
bench_nginx() {
  local dir=$1 flags=${2:-} extra=${3:-}
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$dir/html" "$dir/logs" "$dir/tmp"
  chmod 755 "$dir"
  local ssl=""
  if [[ $flags == *ssl* ]]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
      -keyout "$dir/key.pem" -out "$dir/cert.pem" 2> /dev/null
    ssl="ssl_certificate $dir/cert.pem; ssl_certificate_key $dir/key.pem;"
  fi
  cat > "$dir/nginx.conf" <<CONF
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
  keepalive_requests 1000000;	# load generators keep one connection for all requests
  server {
    listen 127.0.0.1:$port $flags;
    $ssl
    root $dir/html;
    $extra
  }
}
CONF
  nginx -p "$dir" -c "$dir/nginx.conf" &
  master=$!
  worker=
  for _ in $(seq 100); do worker=$(pgrep -P "$master" | head -1 || true); [ -n "$worker" ] && break; sleep 0.05; done
  [ -n "$worker" ] || { echo "nginx did not start"; cat "$dir/logs/error.log"; exit 1; }
  sleep 0.3
}

# The plaintext benchmarks' server: one small response (bench/http1.sh, and the reference
# tools of bench/tcpdump.sh on the same load).
small_response='location / { default_type text/plain; return 200 "hello, benchmark\n"; }'

# wrk_rps: one wrk run against $url (2 threads, 20 connections, $secs seconds); prints its
# requests per second and leaves its report in $dir/wrk.out, whose completed requests
# wrk_total prints. wrk_load: a run that prints only those (for bpf_time). BENCH_CLOSE=1: a
# new connection per request (Connection: close), for what a connection costs.
wrk_rps() {
  wrk -t 2 -c 20 -d "${secs}s" ${BENCH_CLOSE:+-H "Connection: close"} "$url" > "$dir/wrk.out"
  awk '/Requests\/sec/ {print $2}' "$dir/wrk.out"
}
wrk_total() { awk '/requests in/ {print $1}' "$dir/wrk.out"; }
wrk_load() { wrk_rps > /dev/null; wrk_total; }

# median VALUE...: the middle value (mean of the two middle ones for an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
# hs_settle: waits until no process of the httpsnoop binary $hs is left. httpsnoop leaves a
# child to take its probes away after it ends; the next run must not measure them.
hs_settle() { while pgrep -f "^$hs( |\$)" > /dev/null; do sleep 0.1; done; }
# stats_restore: BPF statistics as they were before bpf_time (call it from the EXIT trap: they
# slow every program down while on)
stats_restore() {
  [ -z "${stats_was:-}" ] || sysctl -q kernel.bpf_stats_enabled="$stats_was"
  stats_was=
}
# bpf_time LABEL REQUESTS_FN: runs REQUESTS_FN (a load run that prints how many requests it
# completed) with BPF statistics on and prints the run time of the programs of httpsnoop
# ($hpid) per request, the busiest first: they run in every process's socket calls (the
# load generator's too). Steadier than throughput on a noisy machine; the statistics' own
# clock reads are included (~0.1 us per program run).
bpf_time() {
  local label=$1 fn=$2 n
  command -v bpftool > /dev/null || { echo "$label: no bpftool, BPF time not measured"; return; }
  stats_was=$(sysctl -n kernel.bpf_stats_enabled)
  sysctl -q kernel.bpf_stats_enabled=1
  bpftool -j prog show > "$dir/bpf0.json"
  n=$($fn)
  bpftool -j prog show > "$dir/bpf1.json"
  stats_restore
  # httpsnoop's programs: those it holds a descriptor of
  cat /proc/"$hpid"/fdinfo/* 2> /dev/null | awk '/^prog_id:/ {print $2}' > "$dir/ids"
  python3 - "$dir/bpf0.json" "$dir/bpf1.json" "$n" "$label" "$dir/ids" <<'PY'
import json, sys
before = {p["id"]: p for p in json.load(open(sys.argv[1]))}
n, label, rows = int(sys.argv[3]), sys.argv[4], []
ours = {int(x) for x in open(sys.argv[5]).read().split()}
for p in json.load(open(sys.argv[2])):
    if p["id"] not in ours:
        continue
    b = before.get(p["id"], {})
    runs = p.get("run_cnt", 0) - b.get("run_cnt", 0)
    ns = p.get("run_time_ns", 0) - b.get("run_time_ns", 0)
    if runs:
        rows.append((ns / n, runs / n, p.get("name", "?")))
rows.sort(reverse=True)
print(f"{label}: BPF time per request {sum(r[0] for r in rows):.0f} ns ("
      + ", ".join(f"{name} {t:.0f} ns in {c:.1f} runs" for t, c, name in rows) + ")")
PY
}
