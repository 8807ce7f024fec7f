#!/usr/bin/env bash
# test.sh: install what is missing, build once, run every test tier (unit, golden,
# integration as root; unit and golden again under ASan/UBSan), and end with the summary
# line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }
mountpoint -q /sys/kernel/tracing 2>/dev/null || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
build=${BUILD_DIR:-build}
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" >/dev/null || { echo "0 passed, 1 failed"; exit 1; }
fi
ninja -C "$build" || { echo "0 passed, 1 failed"; exit 1; }
meson test -C "$build" --print-errorlogs --num-processes 2 "$@"
rc=$?
logs="$build/meson-logs/testlog.json"
if [ $# -eq 0 ]; then
  # the unit and golden tiers again under AddressSanitizer and UndefinedBehaviorSanitizer,
  # any report fatal: decoders and output take hostile bytes
  asan=${ASAN_BUILD_DIR:-build-asan}
  if [ ! -f "$asan/build.ninja" ]; then
    meson setup "$asan" -Dstatic=false -Db_sanitize=address,undefined \
      -Dc_args=-fno-sanitize-recover=all >/dev/null || { echo "0 passed, 1 failed"; exit 1; }
  fi
  ninja -C "$asan" || { echo "0 passed, 1 failed"; exit 1; }
  meson test -C "$asan" --print-errorlogs --num-processes 2 --suite unit --suite golden || rc=1
  logs="$logs $asan/meson-logs/testlog.json"
fi
python3 - $logs <<'PY'
import json, sys
res = [json.loads(l)["result"] for f in sys.argv[1:] for l in open(f) if l.strip()]
ok = sum(r in ("OK", "EXPECTEDFAIL") for r in res)
skip = sum(r == "SKIP" for r in res)
print(f"{ok} passed, {len(res) - ok - skip} failed, {skip} skipped")
PY
exit $rc
