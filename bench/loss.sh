#!/usr/bin/env bash
# loss.sh: pairing under record loss. nginx answers each request with its own path; wrk
# sends a different path each time while httpsnoop traces the worker with a kernel ring
# buffer too small to keep up (-B), so records are lost. Prints records lost, exchanges
# printed, how many of them carry both a request and a response, and how many of those
# pair a response with the wrong request (the body is not the target). Figures only.
#   bench/loss.sh [build/httpsnoop] [seconds] [ring buffer KiB]
set -euo pipefail
hs=$(realpath "${1:-build/httpsnoop}")
secs=${2:-5}
kib=${3:-64}
dir=$(mktemp -d /tmp/hs-bench.XXXXXX)
master=
trap '[ -n "$master" ] && kill "$master" 2>/dev/null; [ -n "${KEEP:-}" ] && cp "$dir/out.json" "$KEEP"; [ -n "${KEEP:-}" ] && cp "$dir/hs.err" "$KEEP.err"; rm -rf "$dir"' EXIT
. "$(dirname "$0")/nginx.sh"
bench_nginx "$dir" "" 'location / { default_type text/plain; return 200 "$uri"; }'
cat > "$dir/paths.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/p" .. n)
end
LUA
"$hs" -j -p "$worker" -B "$kib" > "$dir/out.json" 2> "$dir/hs.err" &
hpid=$!
for _ in $(seq 100); do grep -q "httpsnoop: tracing " "$dir/hs.err" && break; sleep 0.05; done
wrk -t 2 -c 20 -d "${secs}s" -s "$dir/paths.lua" "http://127.0.0.1:$port/" > "$dir/wrk.out"
sleep 0.5
kill -INT "$hpid" 2> /dev/null || { echo "httpsnoop exited early:"; cat "$dir/hs.err"; }
rc=0; wait "$hpid" || rc=$?
hs_settle
[ "$rc" = 0 ] || { echo "httpsnoop exited with status $rc:"; tail -5 "$dir/hs.err"; exit 1; }
awk '/requests in/ {print "requests completed: " $1}' "$dir/wrk.out"
sed -n 's/.* captured, \([0-9]*\) lost.*/records lost: \1/p' "$dir/hs.err"
python3 - "$dir/out.json" <<'PY'
import json, sys
ex = [json.loads(l) for l in open(sys.argv[1])]
both = [e for e in ex if e.get("request") and e.get("response")
        and e["request"].get("target") and (e["response"].get("body") or {}).get("text")]
wrong = [e for e in both if e["response"]["body"]["text"] != e["request"]["target"]]
print(f"exchanges printed: {len(ex)}")
print(f"with a request and a response body: {len(both)}")
print(f"mispaired (response body is not the request's target): {len(wrong)}")
for e in wrong[:3]:
    print("  e.g.", e["request"]["target"], "answered by", e["response"]["body"]["text"])
PY
