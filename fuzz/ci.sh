#!/usr/bin/env bash
# The fuzz smoke run of CI (.ci/run calls it): seeds the corpora from the
# fixtures, builds every target and runs each for FUZZ_SECONDS (default 30).
# A crash, timeout or out-of-memory fails with the end of the target's log;
# otherwise one line per target with its executions and executions per
# second. Needs target/debug/authsift for the partial seeds (cargo test
# builds it; without it the partial target starts from an empty corpus).
set -euo pipefail
cd "$(dirname "$0")/.."
# cargo-fuzz needs nightly flags (-Zsanitizer): RUSTC_BOOTSTRAP lets the
# stable toolchain take them. Installed once, then found on PATH.
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1
fuzz/seed.sh
cargo fuzz build
mkdir -p fuzz/logs
for target in $(cargo fuzz list); do
  log="fuzz/logs/$target.log"
  if ! cargo fuzz run "$target" -- -max_total_time="${FUZZ_SECONDS:-30}" -timeout=20 \
      -print_final_stats=1 >"$log" 2>&1; then
    tail -n 80 "$log"
    echo "fuzz target $target failed (crash, timeout or out of memory): see fuzz/artifacts/$target/" >&2
    exit 1
  fi
  echo "-- $target:" $(grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' "$log")
done
