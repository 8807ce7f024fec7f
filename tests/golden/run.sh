#!/usr/bin/env bash
# run.sh: decode every capture in tests/data/ with -r and compare with the expected output in
# tests/golden/ (text with -vv, and JSON Lines; the one-line output against -vv's summary
# lines). With --update, rewrite the expected files.
#   tests/golden/run.sh build/httpsnoop [--update]
set -uo pipefail
hs=$(realpath "$1")
update=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
export TZ=UTC NO_COLOR=1
fail=0 n=0
for cap in "$here"/../data/*.hsnoop; do
  name=$(basename "$cap" .hsnoop)
  for mode in txt json; do
    flags=(-vv); [ "$mode" = json ] && flags=(-j)
    got=$("$hs" -r "$cap" "${flags[@]}" 2>/dev/null)
    rc=$?	# a sanitizer's report (a leak too) makes it fail
    want="$here/$name.$mode"
    n=$((n + 1))
    if [ "$update" = --update ]; then
      printf '%s\n' "$got" > "$want"
    elif [ "$rc" != 0 ]; then
      echo "FAIL $name.$mode: exit status $rc"
      fail=$((fail + 1))
    elif [ "$mode" = txt ] && printf '%s' "$got" | LC_ALL=C grep -q '[[:cntrl:]]' <(printf '%s' "$got" | tr -d '\n'); then
      echo "FAIL $name.txt: a control character from the capture reached the text output"
      fail=$((fail + 1))
    elif ! diff -u "$want" <(printf '%s\n' "$got"); then
      echo "FAIL $name.$mode"
      fail=$((fail + 1))
    fi
  done
  if [ "$mode" = json ] && [ "$update" != --update ]; then
    # every JSON line must parse
    "$hs" -r "$cap" -j 2>/dev/null | jq -e . >/dev/null || { echo "FAIL $name: jq"; fail=$((fail + 1)); }
    # the one-line output keeps no header fields and no body bytes: its lines must still be
    # the summary lines of -vv (sizes included)
    n=$((n + 1))
    diff -u <(grep -v '^  ' "$here/$name.txt") <("$hs" -r "$cap" 2>/dev/null) ||
      { echo "FAIL $name: one-line output"; fail=$((fail + 1)); }
  fi
done
[ "$n" -gt 0 ] || { echo "no captures found"; exit 1; }
echo "$((n - fail)) of $n golden outputs match"
exit $((fail > 0))
