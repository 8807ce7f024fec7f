#!/usr/bin/env bash
# update.sh: regenerate the expected golden outputs after an intended output change.
#   tests/golden/update.sh build/httpsnoop      (review the diff before committing)
exec "$(dirname "$0")/run.sh" "${1:-build/httpsnoop}" --update
