#!/bin/sh
# fuzz.sh PYTHON DIR SECONDS HARNESS...: each harness (fuzz/fuzz_NAME.py)
# run SECONDS seconds by PYTHON, from the committed seeds (fuzz/corpus/NAME)
# and what earlier runs found (DIR/corpus/NAME), against the instrumented
# build in DIR (make fuzz prepares it and sets FUZZ_RUN, the environment
# that preloads the sanitizer runtime).  Findings are written as
# DIR/NAME-crash-*, the whole output as DIR/NAME.log; a run that does not
# finish its time cleanly fails.
set -eu
python=$1 dir=$2 seconds=$3
shift 3
for h in "$@"; do
  mkdir -p "$dir/corpus/$h" "fuzz/corpus/$h"
  echo "== fuzz_$h: $seconds s"
  # shellcheck disable=SC2086  # FUZZ_RUN is a command prefix: env VAR=... ...
  $FUZZ_RUN "$python" "fuzz/fuzz_$h.py" -max_total_time="$seconds" -max_len=512 \
    -print_final_stats=1 -artifact_prefix="$dir/$h-" \
    "$dir/corpus/$h" "fuzz/corpus/$h" 2>&1 | tee "$dir/$h.log" |
    grep -E "^INFO: Loaded 1 modules|DONE|^stat::(number|average)|ERROR|Uncaught|Error:|runtime error" || true
  grep -q "^Done [0-9]* runs" "$dir/$h.log" || { echo "fuzz_$h failed: $dir/$h.log"; exit 1; }
done
