#!/usr/bin/env bash
# tsan-session.sh — build test-session with ThreadSanitizer in its own
# build folder and run it; any data race report fails the run.
#
#   tools/tsan-session.sh            configure _build-tsan if needed, build, run
#   BUILD_DIR=dir tools/tsan-session.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=${BUILD_DIR:-_build-tsan}

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  meson setup "$BUILD_DIR" -Db_sanitize=thread -Dbuildtype=debug
fi
ninja -C "$BUILD_DIR" tests/test-session

# No suppressions: the test trains on one thread (OPENBLAS_NUM_THREADS=1
# comes from the test environment), so uninstrumented OpenBLAS starts no
# threads of its own, and every report would be ours.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
# TSan makes every step ~10x slower: give the test more time.
meson test -C "$BUILD_DIR" --no-rebuild --timeout-multiplier 4 --print-errorlogs test-session
