#!/usr/bin/env bash
# `make bench`: every benchmark, each printing Kiban's figures next to the reference system
# measured in the same run on this machine. Benchmarks are not tests: nothing here fails on a
# slow figure. BENCH_ONLY="http store" runs a subset.
set -euo pipefail
cd "$(dirname "$0")/.."
ran=0
for script in bench/bench-*.sh; do
  [ -e "$script" ] || continue
  name=$(basename "$script" .sh); name=${name#bench-}
  if [ -n "${BENCH_ONLY:-}" ] && [[ " $BENCH_ONLY " != *" $name "* ]]; then continue; fi
  echo "== bench: $name"
  bash "$script"
  ran=$((ran + 1))
done
[ "$ran" -gt 0 ] || echo "no benchmark selected"
