#!/usr/bin/env bash
# run-fuzz.sh — run one libFuzzer target for a set time and say what it did.
#
#   run-fuzz.sh [--corpus DIR] [--artifacts DIR] FUZZER SECONDS INPUT_DIR...
#
# Every file of the INPUT_DIRs (seeds, past crashes) runs first, then the
# fuzzer mutates for SECONDS. New inputs go into --corpus (kept between runs;
# by default a temporary folder), a crashing input into --artifacts (default:
# the current folder) as crash-*, leak-*, timeout-* or oom-*. Prints one line:
# the executions and whether it crashed; exits non-zero on a crash.
set -euo pipefail

corpus=""
artifacts="$PWD"
while [ $# -gt 0 ]; do
  case "$1" in
    --corpus) corpus=$2; shift 2 ;;
    --artifacts) artifacts=$2; shift 2 ;;
    *) break ;;
  esac
done
[ $# -ge 2 ] || { sed -n '2,11s/^# \{0,1\}//p' "$0" >&2; exit 2; }
fuzzer=$1 seconds=$2
shift 2
name=$(basename "$fuzzer")

inputs=()
for dir in "$@"; do
  [ -d "$dir" ] && inputs+=("$dir")
done

tmp=""
cleanup() { if [ -n "$tmp" ]; then rm -rf "$tmp"; fi; }
trap cleanup EXIT
if [ -z "$corpus" ]; then
  tmp=$(mktemp -d)
  corpus=$tmp
fi
mkdir -p "$corpus" "$artifacts"
log="$artifacts/$name.log"

# halt_on_error: a UBSan report is a crash too, not a line in the log.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# The fast unwinder whatever the caller chose: every input allocates, and
# what a target leaks is ours, built with frame pointers.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=1"
# GLib's slice allocator would hide a freed GError from ASan.
export G_SLICE=always-malloc
status=0
"$fuzzer" -max_total_time="$seconds" -timeout=25 -print_final_stats=1 \
  -artifact_prefix="$artifacts/$name-" "$corpus" "${inputs[@]}" >"$log" 2>&1 || status=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
units=$(find "$corpus" -type f | wc -l)
if [ "$status" -eq 0 ]; then
  echo "$name: ${execs:-?} executions in ${seconds}s, no crash ($units inputs in $corpus)"
  exit 0
fi
found=$(sed -n "s/.*Test unit written to \(.*\)$/\1/p" "$log" | tail -n 1)
echo "$name: CRASH after ${execs:-?} executions (exit status $status); input: ${found:-none written}; log: $log"
# The report itself: the sanitizer's or libFuzzer's summary and stack.
grep -n -m 1 -B 2 -A 40 -E 'ERROR|runtime error|^ALARM' "$log" || tail -n 40 "$log"
exit 1
