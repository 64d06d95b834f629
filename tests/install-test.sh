#!/bin/sh
# install-test.sh MESON BUILD_DIR PREFIX BINDIR DATADIR LOCALEDIR PO_DIR
#
# Installs the build into a temporary DESTDIR, checks that every file the
# desktop looks for is where it looks, and starts the installed window for a
# moment: once without its settings schema (it must not abort) and once with
# it (it must find it). The window runs only with a display; without one
# the files are checked and the test says it skipped the rest.
set -eu

meson=$1 build=$2 prefix=$3 bindir=$4 datadir=$5 localedir=$6 po_dir=$7
app_id=io.github.layerwise.Layerwise

under_prefix() {
  case $1 in
    /*) printf '%s' "$1" ;;
    *) printf '%s/%s' "$prefix" "$1" ;;
  esac
}

dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT INT TERM

"$meson" install -C "$build" --no-rebuild --quiet --destdir "$dest" >"$dest/install.log" 2>&1 \
  || { cat "$dest/install.log"; echo "meson install failed"; exit 1; }

bin=$dest$(under_prefix "$bindir")
share=$dest$(under_prefix "$datadir")
locale=$dest$(under_prefix "$localedir")

failed=0
expect() {
  if [ -e "$1" ]; then
    echo "ok: ${1#"$dest"}"
  else
    echo "MISSING: ${1#"$dest"}"
    failed=1
  fi
}

expect "$bin/layerwise"
expect "$bin/layerwise-cli"
expect "$share/applications/$app_id.desktop"
expect "$share/metainfo/$app_id.metainfo.xml"
expect "$share/icons/hicolor/scalable/apps/$app_id.svg"
expect "$share/icons/hicolor/symbolic/apps/$app_id-symbolic.svg"
expect "$share/glib-2.0/schemas/$app_id.gschema.xml"
expect "$share/layerwise/presets.ini"
expect "$share/mime/packages/$app_id.xml"
for lang in $(grep -v '^#' "$po_dir/LINGUAS"); do
  expect "$locale/$lang/LC_MESSAGES/layerwise.mo"
done

# What the desktop file names must be what was installed.
desktop=$share/applications/$app_id.desktop
if [ -e "$desktop" ]; then
  exec_name=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$desktop")
  icon_name=$(sed -n 's/^Icon=//p' "$desktop")
  [ -x "$bin/$exec_name" ] || { echo "Exec=$exec_name is not an installed program"; failed=1; }
  [ -e "$share/icons/hicolor/scalable/apps/$icon_name.svg" ] \
    || { echo "Icon=$icon_name is not an installed icon"; failed=1; }
fi
# The run files' type: known by its magic and by its name once the MIME
# database is built, and the desktop file opens it.
if [ -e "$share/mime/packages/$app_id.xml" ] && command -v update-mime-database >/dev/null 2>&1; then
  update-mime-database "$share/mime" >/dev/null 2>&1 \
    || { echo "update-mime-database refused $app_id.xml"; failed=1; }
  expect "$share/mime/application/x-layerwise-run.xml"
  if command -v gio >/dev/null 2>&1; then
    printf '\211LWRUN\r\n\002\000\000\000' > "$dest/saved-run"
    printf '\001\002\003' > "$dest/named.lwrun"
    for f in saved-run named.lwrun; do
      type=$(XDG_DATA_DIRS="$share" gio info -a standard::content-type "$dest/$f" 2>/dev/null \
             | sed -n 's/^ *standard::content-type: //p')
      if [ "$type" = application/x-layerwise-run ]; then
        echo "ok: $f is application/x-layerwise-run"
      else
        echo "$f is '$type', not application/x-layerwise-run"
        failed=1
      fi
    done
  fi
fi
grep -q '^MimeType=application/x-layerwise-run;$' "$desktop" \
  || { echo "the desktop file does not open application/x-layerwise-run"; failed=1; }
grep -q '^Exec=layerwise %f$' "$desktop" \
  || { echo "the desktop file's Exec does not take a file (%f)"; failed=1; }
[ $failed -eq 0 ] || exit 1

if [ -z "${DISPLAY-}" ] && [ -z "${WAYLAND_DISPLAY-}" ]; then
  echo "no display: installed files checked; the installed window not started (run under xvfb-run)"
  exit 77
fi

# A DESTDIR install leaves compiling the schemas to the packager.
glib-compile-schemas "$share/glib-2.0/schemas"

run_installed() {
  # $1: XDG_DATA_DIRS for the run; the log is left in $dest/run.log.
  env -u GSETTINGS_SCHEMA_DIR GSETTINGS_BACKEND=memory XDG_DATA_DIRS="$1" \
      G_MESSAGES_DEBUG=Layerwise GSK_RENDERER=cairo OPENBLAS_NUM_THREADS=1 \
      timeout 60 "$bin/layerwise" --preset 1x256 --threads 1 --benchmark-seconds 1 \
      >"$dest/run.log" 2>&1
}

if ! run_installed /nonexistent; then
  cat "$dest/run.log"
  echo "the installed layerwise failed without its settings schema"
  exit 1
fi
grep -q "settings schema $app_id not installed" "$dest/run.log" \
  || { cat "$dest/run.log"; echo "expected a note that the schema is missing"; exit 1; }
echo "ok: the installed layerwise ran without its schema"

if ! run_installed "$share:${XDG_DATA_DIRS:-/usr/local/share:/usr/share}"; then
  cat "$dest/run.log"
  echo "the installed layerwise failed"
  exit 1
fi
if grep -q "settings schema $app_id not installed" "$dest/run.log"; then
  cat "$dest/run.log"
  echo "the installed layerwise did not find its installed schema"
  exit 1
fi
echo "ok: the installed layerwise ran with its schema"
