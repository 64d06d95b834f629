#!/bin/sh
# with-session-bus.sh PROGRAM ARGS...: runs a TAP test program on a D-Bus
# session bus of its own, as on a desktop, where each application the
# program opens exports its objects. Without dbus-run-session the test is
# skipped, saying so.
#
# It gets an X display of its own too (xvfb-run, where there is one), and
# the bus is started inside it: the accessibility bus that the bus starts
# leaves its address on the root window of the bus's display (AT_SPI_BUS),
# and the tests without a bus on a shared display would reach for it.
if ! command -v dbus-run-session >/dev/null 2>&1; then
  echo "1..0 # SKIP dbus-run-session not found (./run.sh installs dbus-daemon)"
  exit 0
fi
#
# Only the program writes to standard output, which meson reads as TAP: the
# bus and the daemons it starts (the accessibility registry says "SpiRegistry
# daemon is running ...") write to standard error. Descriptor 3 carries the
# real standard output past them to the program.
exec 3>&1 1>&2
run_test='exec "$@" 1>&3 3>&-'
if command -v xvfb-run >/dev/null 2>&1; then
  exec xvfb-run -a -s "-screen 0 1280x1024x24" dbus-run-session -- sh -c "$run_test" sh "$@"
fi
exec dbus-run-session -- sh -c "$run_test" sh "$@"
