#!/bin/sh
# with-session-bus.sh PROGRAM ARGS...: runs a TAP test program on a D-Bus
# session bus of its own, as on a desktop, where each application the
# program opens exports its objects. Without dbus-run-session the test is
# skipped, saying so.
if ! command -v dbus-run-session >/dev/null 2>&1; then
  echo "1..0 # SKIP dbus-run-session not found (./run.sh installs dbus-daemon)"
  exit 0
fi
exec dbus-run-session -- "$@"
