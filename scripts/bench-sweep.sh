#!/usr/bin/env bash
# sweep against dist on the same keys, in one run. Not run in CI.
#
#   scripts/bench-sweep.sh [KEYS] [NODES-FILE]   (default 5,000,000 keys, samples/pool-10.txt)
#
# Generates KEYS keys `user:N`, then times `dist` and `sweep` (its default rows) on them with the
# release build, best of BENCH_REPS runs (default 3). Prints wall time, keys per second and peak
# RSS (GNU time) of each, and sweep/dist as ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_NUMERIC=C # EPOCHREALTIME with a decimal point

keys=${1:-5000000}
nodes=${2:-samples/pool-10.txt}
reps=${BENCH_REPS:-3}
case $keys in *[!0-9]* | '') sed -n '4s/^# \{0,3\}//p' "$0" >&2; exit 2 ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/ringscope-bench-sweep.XXXXXX")
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet
bin=target/release/ringscope
seq 1 "$keys" | sed 's/^/user:/' > "$work/keys.txt"

# measure CMD...: sets best (seconds) and rss (largest peak RSS in KB) over $reps runs.
measure() {
    local t0 us r
    best='' rss=0
    for ((r = 0; r < reps; r++)); do
        t0=$EPOCHREALTIME
        /usr/bin/time -f '%M' -o "$work/rss" "$@" > /dev/null
        us=$((${EPOCHREALTIME/./} - ${t0/./}))
        if [[ -z $best ]] || ((us < best)); then best=$us; fi
        (($(< "$work/rss") > rss)) && rss=$(< "$work/rss")
    done
    best=$(awk -v us="$best" 'BEGIN { printf "%.3f", us / 1e6 }')
}

measure "$bin" dist --nodes "$nodes" "$work/keys.txt"
dist_s=$best dist_rss=$rss
measure "$bin" sweep --nodes "$nodes" "$work/keys.txt"
sweep_s=$best sweep_rss=$rss

awk -v keys="$keys" -v ds="$dist_s" -v dr="$dist_rss" -v ss="$sweep_s" -v sr="$sweep_rss" 'BEGIN {
    printf "%-8s %10s %14s %12s\n", "command", "seconds", "keys/s", "peak RSS"
    printf "%-8s %10.3f %14.0f %9.1f MB\n", "dist", ds, keys / ds, dr / 1024
    printf "%-8s %10.3f %14.0f %9.1f MB\n", "sweep", ss, keys / ss, sr / 1024
    printf "sweep/dist: %.1f× the time, %.2f× the keys/s, %.1f× the peak RSS\n", ss / ds, ds / ss, sr / dr
}'
