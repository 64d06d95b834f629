#!/usr/bin/env bash
# tools/screenshot.sh — build, start Layerwise under Xvfb, train for a while,
# and save a screenshot of the whole screen.
#
#   tools/screenshot.sh [SECONDS] [OUTPUT.png] [-- LAYERWISE ARGS...]
#
# Defaults: 15 seconds, data/screenshots/layerwise.png, the curves page, a
# 1600x1000 screen (SCREENSHOT_SCREEN=1366x768 for a projector's).
# Needs xvfb-run and ImageMagick's import.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=${BUILD_DIR:-_build}
seconds=15
output=data/screenshots/layerwise.png
[ $# -gt 0 ] && [ "$1" != "--" ] && { seconds=$1; shift; }
[ $# -gt 0 ] && [ "$1" != "--" ] && { output=$1; shift; }
[ "${1-}" = "--" ] && shift
app_args=("$@")

for tool in xvfb-run import; do
  command -v "$tool" >/dev/null 2>&1 || { echo "screenshot.sh: $tool is missing (apt-get install xvfb imagemagick)" >&2; exit 1; }
done

[ -f "$BUILD_DIR/build.ninja" ] || meson setup "$BUILD_DIR" >/dev/null
ninja -C "$BUILD_DIR" src/app/layerwise data/gschemas.compiled layerwise-gmo >/dev/null

mkdir -p "$(dirname "$output")"
export SCREENSHOT_SECONDS=$seconds SCREENSHOT_OUTPUT=$output
export LAYERWISE=$BUILD_DIR/src/app/layerwise
# Software rendering under Xvfb: Cairo costs far less CPU than GL on llvmpipe.
export GSK_RENDERER=${GSK_RENDERER:-cairo}
# The window as it first opens, whatever this user chose before.
export GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR=$PWD/$BUILD_DIR/data
# Translations from the build tree: LANGUAGE=de tools/screenshot.sh … shows German.
export LAYERWISE_LOCALEDIR=$PWD/$BUILD_DIR/po
xvfb-run -a -s "-screen 0 ${SCREENSHOT_SCREEN:-1600x1000}x24" bash -c '
  "$LAYERWISE" --autoplay "$@" &
  app=$!
  sleep "$SCREENSHOT_SECONDS"
  # No window manager: the window sits at the top left; trim the empty screen.
  import -window root -trim +repage "$SCREENSHOT_OUTPUT"
  kill "$app"
  wait "$app" 2>/dev/null || true
' screenshot "${app_args[@]}"
echo "saved $output"
