#!/usr/bin/env bash
# Runs every cargo-fuzz target in turn, each for SECONDS (default 600), starting from the seeds in
# fuzz/seeds/TARGET and keeping what it learns in fuzz/corpus/TARGET (not committed). Not run in
# CI. Stops at the first target that finds a crash, a timeout or an out-of-memory; the input is
# in fuzz/artifacts/TARGET/, to be kept as a test in tests/fuzz_regressions.rs once fixed.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). The fuzzer needs nightly compiler flags; on a
# stable toolchain RUSTC_BOOTSTRAP=1 (set here) lets it use them.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
shift || true
case $seconds in
    '' | *[!0-9]*)
        sed -n '8p' "$0" >&2
        exit 2
        ;;
esac
command -v cargo-fuzz > /dev/null || {
    echo "fuzz.sh: cargo-fuzz not found; install it with: cargo install cargo-fuzz" >&2
    exit 2
}
export RUSTC_BOOTSTRAP=1

if (($# == 0)); then
    mapfile -t targets < <(cargo fuzz list)
else
    targets=("$@")
fi

cargo fuzz build -O
for target in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$target"
    echo "== $target: ${seconds} s"
    start=$SECONDS
    log=fuzz/corpus/$target.log
    # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: bounded memory.
    status=0
    cargo fuzz run -O "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        > "$log" 2>&1 || status=$?
    grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|SUMMARY|Test unit written|==[0-9]+== ERROR)' "$log" || true
    if ((status != 0)); then
        echo "== $target: FAILED (exit $status) after $((SECONDS - start)) s; see $log and fuzz/artifacts/$target/"
        exit 1
    fi
    echo "== $target: clean after $((SECONDS - start)) s"
done
echo "all ${#targets[@]} targets ran clean for ${seconds} s each"
