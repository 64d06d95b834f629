# bench-common.sh — what bench-mlp.sh and bench-vgg8b.sh share: the log
# directory, medians and formatting, and one run of each program with its
# figures parsed out. Sourced, not run; the caller sets NAME (its script
# name), CLI, PYTHON, TORCH_REF, RUN_TIMEOUT, KEEP_LOGS, OURS_ARGS and
# REF_ARGS first. The caller decides how many digits of samples/s to show
# through SPS_FORMAT (printf format, default %6.0f).

LOG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/$NAME.XXXXXX") || die "cannot create a log directory"
FAILED=0
cleanup() { [ "$KEEP_LOGS" -eq 1 ] || [ "$FAILED" -ne 0 ] || rm -rf "$LOG_DIR"; }
trap cleanup EXIT

median() {   # numbers on stdin -> median, or "-" when there are none
  sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "-"; exit }
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

fmt0() { [ "$1" = "-" ] && printf -- '-' || printf '%.0f' "$1"; }
fmt1() { [ "$1" = "-" ] && printf -- '-' || printf '%.1f' "$1"; }
fmt2() { [ "$1" = "-" ] && printf -- '-' || printf '%.2f' "$1"; }
ratio() { if [ "$1" = "-" ] || [ "$2" = "-" ]; then printf -- '-'; else awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; fi; }

fail_run() {   # name log
  FAILED=1
  case "$1" in *"exit 124)"*) printf '%s.sh: timed out after %s s\n' "$NAME" "$RUN_TIMEOUT" >&2 ;; esac
  printf '%s.sh: %s failed; last lines of %s:\n' "$NAME" "$1" "$2" >&2
  tail -n 15 "$2" >&2
}

# Results per thread count, one value per line, appended by the run functions.
declare -A OURS_SPS OURS_ACC OURS_RSS REF_SPS REF_ACC REF_RSS

run_ours() {   # T rep
  local t=$1 rep=$2 log="$LOG_DIR/ours-T$1-r$2.log" sps acc rss
  OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t timeout "$RUN_TIMEOUT" \
    "$CLI" "${OURS_ARGS[@]}" --threads "$t" >"$log" 2>"$log.err"
  local rc=$?
  cat "$log.err" >>"$log"
  # Epoch line (src/cli/lw-trainer.c): epoch loss train-acc test-b1..bn test-out samples/s seconds.
  read -r sps acc < <(awk '$1 == "1" && NF >= 6 && $(NF-2) ~ /%$/ {
                             a = $(NF-2); sub(/%$/, "", a); print $(NF-1), a }' "$log" | tail -n 1)
  rss=$(sed -n 's/^peak RSS \([0-9.]*\) MiB.*/\1/p' "$log" | tail -n 1)
  if [ "$rc" -ne 0 ] || [ -z "${sps:-}" ] || [ -z "${acc:-}" ] || [ -z "$rss" ]; then
    fail_run "ours (T=$t, rep $rep, exit $rc)" "$log"
    return
  fi
  OURS_SPS[$t]+="$sps"$'\n'; OURS_ACC[$t]+="$acc"$'\n'; OURS_RSS[$t]+="$rss"$'\n'
  printf "    T=%s rep %s  ours:      ${SPS_FORMAT:-%6.0f} samples/s, test %s%%, peak RSS %s MiB\n" \
    "$t" "$rep" "$sps" "$acc" "$rss"
}

run_ref() {   # T rep
  local t=$1 rep=$2 log="$LOG_DIR/ref-T$1-r$2.log" sps acc rss
  OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t timeout "$RUN_TIMEOUT" \
    "$PYTHON" "$TORCH_REF" "${REF_ARGS[@]}" --threads "$t" >"$log" 2>&1
  local rc=$?
  # "epoch 1: train X s = N samples/s, ..., test acc Y%"
  sps=$(sed -n 's/^epoch 1: train [0-9.]* s = \([0-9.]*\) samples\/s.*/\1/p' "$log" | tail -n 1)
  acc=$(sed -n 's/^final test acc \([0-9.]*\)%.*/\1/p' "$log" | tail -n 1)
  rss=$(sed -n 's/.*peak RSS \([0-9.]*\) MiB.*/\1/p' "$log" | tail -n 1)
  if [ "$rc" -ne 0 ] || [ -z "$sps" ] || [ -z "$acc" ] || [ -z "$rss" ]; then
    fail_run "reference (T=$t, rep $rep, exit $rc)" "$log"
    return
  fi
  REF_SPS[$t]+="$sps"$'\n'; REF_ACC[$t]+="$acc"$'\n'; REF_RSS[$t]+="$rss"$'\n'
  printf "    T=%s rep %s  reference: ${SPS_FORMAT:-%6.0f} samples/s, test %s%%, peak RSS %s MiB\n" \
    "$t" "$rep" "$sps" "$acc" "$rss"
}


say_setup() {   # the lines every bench log starts with, after the caller's own; sets START
  say "ours: $CLI${SCHEDULE:+, schedule $SCHEDULE}"
  if [ "$HAVE_REF" -eq 1 ]; then
    say "reference: $PYTHON $TORCH_REF"
  else
    say "reference: not run"
  fi
  say "data: $DATA_DIR"
  say "env: OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:--} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:--}" \
      "MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:--} nproc=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
  START=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
  say "start $START"
}

run_reps() {   # T: REPS runs of each program, the figures appended to the tables
  local t=$1 r
  OURS_SPS[$t]=; OURS_ACC[$t]=; OURS_RSS[$t]=; REF_SPS[$t]=; REF_ACC[$t]=; REF_RSS[$t]=
  say "T=$t"
  for ((r = 1; r <= REPS; r++)); do
    # ABBA order: a drift in machine speed hits both programs alike.
    if [ "$HAVE_REF" -eq 1 ] && [ $((r % 2)) -eq 0 ]; then
      run_ref "$t" "$r"; run_ours "$t" "$r"
    else
      run_ours "$t" "$r"; [ "$HAVE_REF" -eq 1 ] && run_ref "$t" "$r"
    fi
  done
}
