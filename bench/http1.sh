#!/usr/bin/env bash
# http1.sh: overhead of tracing nginx serving a small response over plaintext HTTP/1.1.
# Alternates untraced and traced wrk runs (httpsnoop -p <worker> > /dev/null) and prints the
# throughput ratio, exchanges printed vs requests completed, and records lost. Figures only.
# The ratio is the median of the per-round ratios (an untraced and a traced run, each first in
# every other round): on a shared machine a slow phase hits both runs of a round, while a
# sum would let it pick a side.
# A third run per round, "hooks only", traces an idle process instead of nginx: the programs
# are attached and run on every socket send and receive (with HTTPSNOOP_HOOKS=syscalls, on
# every read/write-family call) but capture nothing. It is the floor that attaching the
# tracepoints costs on this kernel, whatever the programs do. One more traced run with BPF
# statistics on prints the programs' time per request.
#   bench/http1.sh [build/httpsnoop] [seconds per run] [runs]
set -euo pipefail
hs=$(realpath "${1:-build/httpsnoop}")
secs=${2:-5}
runs=${3:-5}
dir=$(mktemp -d /tmp/hs-bench.XXXXXX)
master= idle=
trap 'stats_restore; [ -n "$master" ] && kill "$master" 2>/dev/null; [ -n "$idle" ] && kill "$idle"; rm -rf "$dir"' EXIT
. "$(dirname "$0")/nginx.sh"
bench_nginx "$dir" "" "$small_response"
url="http://127.0.0.1:$port/"

# start_hs PID: httpsnoop -p PID in the background, once it traces
start_hs() {
  "$hs" -p "$1" > /dev/null 2> "$dir/hs.err" &
  hpid=$!
  for _ in $(seq 100); do grep -q "httpsnoop: tracing " "$dir/hs.err" && break; sleep 0.05; done
}
sleep 1000000 & idle=$!

base=0 traced=0 printed=0 completed=0 lost=0 ratios= floors=
run_untraced() { u=$(wrk_rps); base=$(echo "$base + $u" | bc -l); }
run_hooks() {
  start_hs "$idle"
  f=$(wrk_rps)
  kill -INT "$hpid"; wait "$hpid" || true; hs_settle
}
run_traced() {
  start_hs "$worker"
  r=$(wrk_rps); traced=$(echo "$traced + $r" | bc -l)
  completed=$((completed + $(wrk_total)))
  sleep 0.5
  kill -INT "$hpid"; wait "$hpid" || true; hs_settle
  printed=$((printed + $(awk '/exchanges? printed/ {print $1}' "$dir/hs.err")))
  lost=$((lost + $(sed -n 's/.* captured, \([0-9]*\) lost.*/\1/p' "$dir/hs.err")))
}
for i in $(seq "$runs"); do
  # the order reverses every round: a machine that slows down or speeds up within a round
  # favours no side
  if [ $((i % 2)) = 1 ]; then run_untraced; run_hooks; run_traced
  else run_traced; run_hooks; run_untraced; fi
  ratios="$ratios $(echo "$r / $u" | bc -l)"
  floors="$floors $(echo "$f / $u" | bc -l)"
  printf 'run %d: untraced %.0f req/s, hooks only %.0f req/s, traced %.0f req/s\n' "$i" "$u" "$f" "$r"
done
# one more traced run with BPF statistics on: the programs' own cost, per request
start_hs "$worker"; bpf_time "traced" wrk_load
kill -INT "$hpid"; wait "$hpid" || true; hs_settle
median=$(median $ratios)
printf 'throughput ratio traced/untraced: %.3f (median of %d pairs; ratio of the sums %.3f)\n' \
  "$median" "$runs" "$(echo "$traced / $base" | bc -l)"
printf 'hooks only (an idle process traced)/untraced: %.3f (median of %d pairs)\n' \
  "$(median $floors)" "$runs"
printf 'exchanges printed: %d of %d requests completed (%.2f %%)\n' "$printed" "$completed" \
  "$(echo "100 * $printed / $completed" | bc -l)"
printf 'records lost: %d\n' "$lost"
