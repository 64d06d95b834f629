#!/bin/sh
# run-tool.sh TOOL ARGS...: runs a validator; when TOOL is not installed the
# test is skipped (exit 77), saying so, rather than failing.
tool=$1
shift
if ! command -v "$tool" >/dev/null 2>&1; then
  echo "$tool not found: skipped (./run.sh installs it)"
  exit 77
fi
exec "$tool" "$@"
