#!/usr/bin/env bash
# demo.sh: build httpsnoop, start a local HTTP server and a local HTTPS server, trace them
# while curl makes a few requests, and show what httpsnoop printed.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "demo: run as root (httpsnoop loads BPF programs)" >&2; exit 1; }
bash scripts/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
hs=build/httpsnoop

dir=$(mktemp -d /tmp/httpsnoop-demo.XXXXXX)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
cd "$dir"
echo '{"hello": "world"}' > hello.json
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -keyout key.pem -out cert.pem >/dev/null 2>&1
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http_port=$(port); https_port=$(port)
python3 -m http.server "$http_port" --bind 127.0.0.1 >/dev/null 2>&1 & pids+=($!)
http_pid=$!
python3 - "$https_port" >/dev/null 2>&1 <<'PY' & pids+=($!)
import http.server, ssl, sys
srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("cert.pem", "key.pem")
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
PY
https_pid=$!
for p in $http_port $https_port; do
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.1; done
done

echo "== sudo httpsnoop -p $http_pid,$https_pid -v" >&2
"$OLDPWD/$hs" -p "$http_pid,$https_pid" -v > out.txt 2> err.txt & pids+=($!)
snoop=$!
for _ in $(seq 100); do grep -q tracing err.txt 2>/dev/null && break; sleep 0.1; done
curl -s "http://127.0.0.1:$http_port/hello.json" -o /dev/null
curl -s "http://127.0.0.1:$http_port/missing" -o /dev/null
curl -s -X POST -d 'name=demo' "http://127.0.0.1:$http_port/form" -o /dev/null
curl -sk "https://127.0.0.1:$https_port/hello.json" -o /dev/null
sleep 0.5
kill -INT "$snoop"; wait "$snoop" || true
cat out.txt
cat err.txt >&2
