#!/usr/bin/env bash
# Node-count benchmark: ring, dist, lint and sweep on pools of 10,000, 100,000 and 1,000,000
# nodes, with the wall time and peak RSS of each run. Not run in CI.
#
#   scripts/bench-nodes.sh                     (every size, a few minutes on 2 cores)
#   SIZES="10000 100000" scripts/bench-nodes.sh
#   ALGO=jump scripts/bench-nodes.sh           (--algo, and sweep's one row; default: ketama, and
#                                              sweep's default rows)
#   KEYS=1000000                               (dist --random; the default)
#
# Pools are plain lists of distinct `10.x.y.z:6379` lines. Each command runs once, from a
# release build, under GNU time (`/usr/bin/time -f '%e %M'`; package `time`). Exit 1 (lint's
# findings) is a result; exit 2 is a refusal, shown in the table with its time and memory and
# its message below it. Prints a markdown table on stdout, progress on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=${SIZES:-10000 100000 1000000}
keys=${KEYS:-1000000}
algo=${ALGO:-}
for n in $sizes $keys; do
    case $n in
        '' | *[!0-9]*)
            echo "SIZES and KEYS take whole numbers, e.g. SIZES=\"10000 100000\"" >&2
            exit 2
            ;;
    esac
done
if [[ ! -x /usr/bin/time ]]; then
    echo "GNU time is needed at /usr/bin/time (Debian/Ubuntu: apt-get install time)" >&2
    exit 2
fi

note() { printf '· %s\n' "$*" >&2; }

note "release build"
cargo build --release --quiet
bin=$PWD/target/release/ringscope

work=$(mktemp -d "${TMPDIR:-/tmp}/ringscope-bench-nodes.XXXXXX")
trap 'rm -rf "$work"' EXIT

# pool N: N distinct addresses, one a line (up to 2^24).
pool() {
    awk -v n="$1" 'BEGIN {
        for (i = 0; i < n; i++)
            printf "10.%d.%d.%d:6379\n", int(i / 65536) % 256, int(i / 256) % 256, i % 256
    }' > "$work/pool-$1.txt"
}

# human KB: a peak RSS in MB or GB.
human() {
    awk -v kb="$1" 'BEGIN {
        if (kb >= 1048576) printf "%.2f GB", kb / 1048576; else printf "%.0f MB", kb / 1024
    }'
}

# thousands N: 1000000 as 1,000,000.
thousands() {
    printf '%s' "$1" | rev | sed 's/[0-9]\{3\}/&,/g; s/,$//' | rev
}

commands=(ring dist lint sweep)
declare -A cell
refusals=()

for n in $sizes; do
    note "$(thousands "$n") nodes"
    pool "$n"
    for command in "${commands[@]}"; do
        args=("$command" --nodes "$work/pool-$n.txt")
        # sweep compares algorithms: ALGO is its only row.
        if [[ -n $algo && $command == sweep ]]; then
            args+=(--algos "$algo")
        elif [[ -n $algo ]]; then
            args+=(--algo "$algo")
        fi
        [[ $command == dist ]] && args+=(--random "$keys")
        note "  ${args[*]/#$work\//}"
        set +e
        /usr/bin/time -f '%e %M' -o "$work/time" "$bin" "${args[@]}" > /dev/null 2> "$work/err"
        code=$?
        set -e
        read -r seconds kb < <(tail -n 1 "$work/time")
        text="$seconds s · $(human "$kb")"
        case $code in
            0 | 1) ;;
            2)
                text+=" (refused)"
                refusals+=("$command, $(thousands "$n") nodes: $(head -n 1 "$work/err")")
                ;;
            *) text+=" (exit $code)" ;;
        esac
        cell[$command,$n]=$text
    done
    rm -f "$work/pool-$n.txt"
done

printf '%s nodes · %s · dist on %s random keys · %s cores · wall time and peak RSS\n\n' \
    "$(for n in $sizes; do thousands "$n"; printf ' '; done | sed 's/ $//; s/ / \/ /g')" \
    "${algo:-default algorithm (ketama)}" "$(thousands "$keys")" "$(nproc)"
printf '| command |'
for n in $sizes; do printf ' %s nodes |' "$(thousands "$n")"; done
printf '\n|---|'
for _ in $sizes; do printf -- '---|'; done
printf '\n'
for command in "${commands[@]}"; do
    printf '| `%s` |' "$command"
    for n in $sizes; do printf ' %s |' "${cell[$command,$n]}"; done
    printf '\n'
done
if ((${#refusals[@]})); then
    printf '\n'
    for line in "${refusals[@]}"; do printf -- '- %s\n' "$line"; done
fi
