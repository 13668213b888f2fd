#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a fixed budget and prints the executions of each.
#
#   scripts/fuzz.sh [SECONDS]      # SECONDS per target, default 60
#
# libFuzzer through cargo-fuzz (`cargo install cargo-fuzz`). cargo-fuzz needs nightly compiler
# flags (-Zsanitizer, coverage passes); with only a stable toolchain installed they are unlocked
# with RUSTC_BOOTSTRAP=1. Targets build with optimisations, debug assertions (so overflow checks)
# and AddressSanitizer, into fuzz/target (never the workspace's target directory: different flags).
#
# Each target starts from its corpus (fuzz/corpus/<target>, kept between runs, not committed)
# and its seeds (fuzz/seeds/<target>), with a dictionary of the tokens its parser cares about
# (fuzz/dicts/<target>.dict). An input taking over 10 s or 2 GiB counts as a crash. Any crash
# is left in fuzz/artifacts/<target>/ and the script exits 1: turn it into a regression test in
# the crate's tests (reproduce with `cargo fuzz run -O -a <target> <artifact>`).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

budget="${1:-60}"
case "$budget" in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac
targets=(money_parse rasmiy_params tophamyon_query notification)

command -v cargo-fuzz >/dev/null 2>&1 || { echo "cargo-fuzz is missing: cargo install cargo-fuzz" >&2; exit 2; }
unset CARGO_TARGET_DIR
export RUSTC_BOOTSTRAP=1

cargo fuzz build -O -a

mkdir -p logs
results=()
failed=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  dirs=("corpus/$t")
  [ -d "seeds/$t" ] && dirs+=("seeds/$t")
  before=$(find "artifacts/$t" -type f | wc -l)
  echo "==> $t: ${budget}s"
  status=0
  cargo fuzz run -O -a "$t" "${dirs[@]}" -- \
    -max_total_time="$budget" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
    -dict="dicts/$t.dict" -print_final_stats=1 >"logs/$t.log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "logs/$t.log" | tail -1)
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "logs/$t.log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "logs/$t.log" | tail -1 | cut -d' ' -f2)
  corpus=$(find "corpus/$t" -type f | wc -l)
  after=$(find "artifacts/$t" -type f | wc -l)
  crashes=$((after - before))
  if [ "$status" != 0 ] || [ "$crashes" != 0 ]; then
    failed=1
    echo "    CRASH (exit $status): see fuzz/logs/$t.log and fuzz/artifacts/$t/" >&2
    grep -E 'panicked|ERROR|SUMMARY' "logs/$t.log" | head -5 >&2 || true
  fi
  results+=("$(printf '%-16s %12s %8s %6s %8s %8s' "$t" "${runs:-?}" "${secs:-?}" "${cov:-?}" "$corpus" "$crashes")")
done

echo
printf '%-16s %12s %8s %6s %8s %8s\n' target executions seconds cov corpus crashes
printf '%s\n' "${results[@]}"
exit "$failed"
