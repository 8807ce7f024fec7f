#!/usr/bin/env bash
# tcpdump.sh: the reference figures of issue #3 on this machine. The same nginx and wrk load
# as bench/http1.sh, untraced, under `tcpdump -w /dev/null` and under `tcpdump -A > /dev/null`
# (loopback, the server's port), alternating in every round; prints each throughput ratio
# against untraced (median of the rounds) and the packets tcpdump dropped. Put next to
# bench/http1.sh's ratio, it tells how this machine compares with the ones the targets were
# set on (there, tcpdump -w keeps 0.88 and tcpdump -A 0.61, dropping about half).
#   bench/tcpdump.sh [seconds per run] [runs]
set -euo pipefail
secs=${1:-5}
runs=${2:-5}
command -v tcpdump > /dev/null || { echo "tcpdump.sh: tcpdump is not installed (apt-get install tcpdump)"; exit 1; }
dir=$(mktemp -d /tmp/hs-tcpdump.XXXXXX)
master= tpid=
trap '[ -n "$tpid" ] && kill "$tpid" 2>/dev/null; [ -n "$master" ] && kill "$master" 2>/dev/null; rm -rf "$dir"' EXIT
. "$(dirname "$0")/nginx.sh"
bench_nginx "$dir" "" "$small_response"
url="http://127.0.0.1:$port/"

# dump NAME ARGS...: one run under tcpdump ARGS; sets r, adds its drops to drops_NAME
dump() {
  local name=$1 d
  shift
  tcpdump -i lo -n -U "$@" "tcp port $port" > /dev/null 2> "$dir/td.err" &
  tpid=$!
  for _ in $(seq 100); do grep -q "listening on" "$dir/td.err" && break; sleep 0.05; done
  r=$(wrk_rps)
  kill -INT "$tpid"; wait "$tpid" || true; tpid=
  d=$(awk '/dropped by kernel/ {print $1}' "$dir/td.err")
  eval "drops_$name=\$((drops_$name + ${d:-0}))"
  eval "got_$name=\$((got_$name + $(awk '/packets captured/ {print $1}' "$dir/td.err")))"
}
drops_w=0 drops_a=0 got_w=0 got_a=0 rw= ra=
for i in $(seq "$runs"); do
  if [ $((i % 2)) = 1 ]; then
    u=$(wrk_rps); dump w -w /dev/null; w=$r; dump a -A; a=$r
  else
    dump a -A; a=$r; dump w -w /dev/null; w=$r; u=$(wrk_rps)
  fi
  rw="$rw $(echo "$w / $u" | bc -l)" ra="$ra $(echo "$a / $u" | bc -l)"
  printf 'run %d: untraced %.0f req/s, tcpdump -w %.0f req/s, tcpdump -A %.0f req/s\n' "$i" "$u" "$w" "$a"
done
printf 'tcpdump -w /dev/null: %.3f of untraced (median of %d rounds), %d of %d packets dropped\n' \
  "$(median $rw)" "$runs" "$drops_w" "$((got_w + drops_w))"
printf 'tcpdump -A > /dev/null: %.3f of untraced (median of %d rounds), %d of %d packets dropped\n' \
  "$(median $ra)" "$runs" "$drops_a" "$((got_a + drops_a))"
