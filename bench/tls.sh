#!/usr/bin/env bash
# tls.sh: OpenSSL capture figures. nginx HTTPS on loopback (one worker, a small file) under
# wrk -c 20: untraced, traced (httpsnoop -p <worker> > /dev/null) and probe-only (the same
# uprobes attached, programs only count, syscall hooks detached: HTTPSNOOP_TLS_PROBE_ONLY=1).
# Prints both throughput ratios against untraced and traced against probe-only, exchanges
# printed vs requests completed, lost records, and from one more run of each with BPF
# statistics on, the programs' time per request. Figures only, never asserted.
# BENCH_CLOSE=1: a TLS handshake per request (Connection: close).
#   bench/tls.sh [build/httpsnoop] [seconds per run] [runs]
set -euo pipefail
[ -n "${BENCH_DEBUG:-}" ] && set -x
hs=$(realpath "${1:-build/httpsnoop}")
secs=${2:-5}
runs=${3:-5}
dir=$(mktemp -d /tmp/hs-tlsbench.XXXXXX)
chmod 755 "$dir"
master=
trap 'stats_restore; [ -n "$master" ] && kill "$master" 2>/dev/null; rm -rf "$dir"' EXIT
. "$(dirname "$0")/nginx.sh"
bench_nginx "$dir" ssl
head -c 612 /dev/zero | tr '\0' 'x' > "$dir/html/index.html"
url="https://127.0.0.1:$port/index.html"

# Starts httpsnoop -p worker (extra env in $1), waits for "tracing".
start_hs() {
  env $1 "$hs" -p "$worker" > /dev/null 2> "$dir/hs.err" &
  hpid=$!
  for _ in $(seq 600); do grep -q "httpsnoop: tracing " "$dir/hs.err" && return; sleep 0.01; done
  echo "httpsnoop did not start:"; cat "$dir/hs.err"; exit 1
}
stop_hs() {
  kill -INT "$hpid" 2>/dev/null || { echo "httpsnoop ended early:"; cat "$dir/hs.err"; }
  wait "$hpid" || true; hs_settle
}

echo "== nginx HTTPS (1 worker, 612-byte page) under wrk: ${secs}s x $runs runs, 2 threads, 20 connections${BENCH_CLOSE:+, a new one per request}"
base=0 traced=0 probe=0 printed=0 completed=0 lost=0 hits=0 ratios=
run_probe() {
  start_hs HTTPSNOOP_TLS_PROBE_ONLY=1
  p=$(wrk_rps); probe=$(echo "$probe + $p" | bc -l)
  stop_hs
  h=$(awk '/probe hits/ {print $3}' "$dir/hs.err"); hits=$((hits + ${h:-0}))
}
run_traced() {
  start_hs ""
  t=$(wrk_rps); traced=$(echo "$traced + $t" | bc -l)
  c=$(wrk_total)
  stop_hs
  pr=$(awk '/exchanges? printed/ {print $1}' "$dir/hs.err")
  lo=$(awk '/records captured/ {print $4}' "$dir/hs.err")
  completed=$((completed + c)); printed=$((printed + ${pr:-0})); lost=$((lost + ${lo:-0}))
}
for i in $(seq "$runs"); do
  u=$(wrk_rps); base=$(echo "$base + $u" | bc -l)
  # which of the two goes first alternates: a machine that slows down or speeds up within a
  # round favours neither
  if [ $((i % 2)) = 1 ]; then run_probe; run_traced; else run_traced; run_probe; fi
  ratios="$ratios $(echo "$t / $p" | bc -l)"
  printf 'run %d: untraced %.0f req/s, probe-only %.0f req/s, traced %.0f req/s; traced run: %d requests completed, %s exchanges printed, %s records lost\n' \
    "$i" "$u" "$p" "$t" "$c" "${pr:-?}" "${lo:-?}"
done
# one more run of each with BPF statistics on: the probes' own cost, per request
start_hs HTTPSNOOP_TLS_PROBE_ONLY=1; bpf_time "probe-only" wrk_load; stop_hs
start_hs ""; bpf_time "httpsnoop -p" wrk_load; stop_hs
echo "== summary (means over $runs runs)"
printf 'untraced      %8.0f req/s\n' "$(echo "$base / $runs" | bc -l)"
printf 'probe-only    %8.0f req/s   %.3f x untraced   (%d probe hits in all)\n' \
  "$(echo "$probe / $runs" | bc -l)" "$(echo "$probe / $base" | bc -l)" "$hits"
printf 'httpsnoop -p  %8.0f req/s   %.3f x untraced   %.3f x probe-only\n' \
  "$(echo "$traced / $runs" | bc -l)" "$(echo "$traced / $base" | bc -l)" "$(echo "$traced / $probe" | bc -l)"
# per run, probe-only and traced follow each other: the median of their ratios is what a
# noisy neighbour disturbs least
median=$(median $ratios)
printf 'traced / probe-only, median of the %d runs: %.3f\n' "$runs" "$median"
printf 'exchanges printed %d of %d requests completed (%.2f %%), %d records lost\n' \
  "$printed" "$completed" "$(echo "100 * $printed / $completed" | bc -l)" "$lost"
echo "note: wrk stops mid-request at the end of a run; those requests are not completed but may print"
