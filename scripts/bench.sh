#!/usr/bin/env bash
# End-to-end benchmark: every target of issue 6 (performance) in one run. Not run in CI.
#
#   scripts/bench.sh [--big] [KEYS]      (default 10,000,000 keys; the peers run on a tenth)
#   BENCH_BIG=1 scripts/bench.sh         (same as --big)
#
# Generates KEYS mixed-shape keys (~24 bytes) and runs on them, with 10 nodes:
#   - the floor (`wc -l`) and the peers: uhashring (Python) and npm `hashring` (node), on KEYS/10;
#   - ringscope dist (fnv1a_64, md5; every core and --threads 1), simulate --remove (with and
#     without --moves FILE) and map writing TSV to a file;
#   - dist with 10,000 nodes; dist and simulate --moves on KEYS/10 keys, and with --big dist on
#     KEYS×10 keys (~2.5 GB of disk in $TMPDIR, default /tmp): peak RSS must not grow with them;
#   - the ring build at 10,000 nodes (`lookup`, `ring --format json`), with uhashring's build at
#     1,000 nodes for reference (10,000 takes it minutes).
# Prints a plain fixed-width table on stdout (paste it into the README as is) and progress on
# stderr. Every run is repeated and the best of 3 kept (BENCH_REPS=N to change; the ring builds
# take the best and median of 7): wall time from bash's microsecond clock (GNU time's %e has 10 ms
# resolution), peak RSS from GNU time (/usr/bin/time). About a minute at the default size.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_NUMERIC=C # EPOCHREALTIME with a decimal point

usage() {
    sed -n '4,5s/^# \{0,3\}//p' "$0" >&2
    exit 2
}

big=${BENCH_BIG:-0}
keys=10000000
for arg in "$@"; do
    case $arg in
        --big) big=1 ;;
        -h | --help) usage ;;
        *[!0-9]* | '') usage ;;
        *) keys=$arg ;;
    esac
done
peer_keys=$((keys / 10))
((peer_keys > 0)) || usage
reps=${BENCH_REPS:-3}

work=$(mktemp -d "${TMPDIR:-/tmp}/ringscope-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

note() { printf '· %s\n' "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# Measuring

# measure N OUT CMD...: run CMD N times with stdout to OUT. Sets best and median (seconds, from
# bash's microsecond clock), runs, and rss (the largest peak RSS of the runs in KB, GNU time).
measure() {
    local want=$1 out=$2 t0 us peak=0 r
    local -a times=()
    shift 2
    while :; do
        t0=$EPOCHREALTIME
        /usr/bin/time -f '%M' -o "$work/rss" "$@" > "$out"
        us=$((${EPOCHREALTIME/./} - ${t0/./}))
        times+=("$us")
        r=$(tail -n 1 "$work/rss")
        peak=$((r > peak ? r : peak))
        if ((${#times[@]} >= want)); then break; fi
    done
    mapfile -t times < <(printf '%s\n' "${times[@]}" | sort -n)
    best=$(seconds "${times[0]}")
    median=$(seconds "${times[${#times[@]} / 2]}")
    runs=${#times[@]}
    rss=$peak
}

seconds() { printf '%d.%06d' $(($1 / 1000000)) $(($1 % 1000000)); }

# py EXPR: evaluate a Python expression (the arithmetic and the formatting)
py() { python3 -c "print($1)"; }

# ---------------------------------------------------------------------------------------------
# The table

width=58
line() { py "'─' * $((width + 52))"; }

# rate_row NAME KEYS SECONDS RSS_KB: one row of the keys/s table
rate_row() {
    python3 - "$@" "$uh_rate" "$wc_rate" "$width" <<'PY'
import sys
name, n, s, rss, uh, wc, w = sys.argv[1], *map(float, sys.argv[2:])
rate = n / s
uh_x = f"{rate / uh:10.1f}" if uh else f"{'–':>10}"
mem = f"{rss / 1024:8.1f} MB" if rss else f"{'–':>11}"
print(f"{name:{int(w)}s} {s:8.3f} {rate / 1e6:8.2f} M {uh_x} {rate / wc:8.3f} {mem}")
PY
}

# time_row NAME BEST MEDIAN RUNS RSS_KB: one row of the ring-build table
time_row() {
    python3 - "$@" "$width" <<'PY'
import sys
name, best, median, runs, rss, w = sys.argv[1], *map(float, sys.argv[2:])
mem = f"{rss / 1024:8.1f} MB" if rss else f"{'–':>11}"
print(f"{name:{int(w)}s} {best:8.3f} {median:10.3f} {int(runs):6d} {mem}")
PY
}

# ratio_line TEXT VALUE [TARGET]: a line under a table
ratio_line() {
    python3 - "$@" <<'PY'
import sys
text, value, target = (sys.argv[1:] + [""])[:3]
print(f"  {text:56s} {value:>10s}   {target}".rstrip())
PY
}
pct() { py "f'{100 * $1:.1f}%'"; }
count() { py "f'{$1:,}'"; } # 1,000,000

# ---------------------------------------------------------------------------------------------
# Setup

note "building (cargo build --release)"
cargo build --release --quiet
# A copy, so that a rebuild while the benchmark runs does not change the binary under it.
bin="$work/ringscope"
cp "${CARGO_TARGET_DIR:-target}/release/ringscope" "$bin"

rev=$(git rev-parse --short HEAD)
rev_date=$(git log -1 --format=%cd --date=short)
if [[ -n $(git status --porcelain -- src Cargo.toml Cargo.lock) ]]; then
    rev="$rev + uncommitted changes"
fi
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)

nodes="$work/nodes.txt"
for i in $(seq 1 10); do echo "10.0.0.$i:6379"; done > "$nodes"
# node_list N: N addresses 10.x.y.z:6379
node_list() { awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++) printf "10.%d.%d.%d:6379\n", int(i / 65536) % 256, int(i / 256) % 256, i % 256 }'; }
nodes1k="$work/nodes-1000.txt"
nodes10k="$work/nodes-10000.txt"
node_list 1000 > "$nodes1k"
node_list 10000 > "$nodes10k"

note "generating $keys keys"
# Mixed key shapes of about 24 bytes, the same every run.
"$bin" map --node a:1 --random "$keys" --seed 1 --pattern 'user:{n}:{}' | cut -f1 | cut -c1-24 > "$work/keys.txt"
head -n "$peer_keys" "$work/keys.txt" > "$work/peer-keys.txt"

python3 -c 'import uhashring' 2> /dev/null ||
    python3 -m pip install --quiet --disable-pip-version-check uhashring==2.5

npm_hashring=target/npm/node_modules/hashring
if ! command -v node > /dev/null; then
    npm_skip="node not found"
elif [[ ! -f $npm_hashring/package.json ]] && ! command -v npm > /dev/null; then
    npm_skip="npm not found, and $npm_hashring missing"
elif [[ ! -f $npm_hashring/package.json ]] &&
    ! npm install --silent --no-save --no-audit --no-fund --prefix target/npm hashring@3.2.0 >&2; then
    npm_skip="npm install hashring@3.2.0 failed"
else
    npm_skip=""
fi

cat > "$work/uhashring_bench.py" <<'PY'
import sys
from uhashring import HashRing
ring = HashRing(nodes=[f"10.0.0.{i}:6379" for i in range(1, 11)], hash_fn="ketama")
counts = {}
with open(sys.argv[1], "rb") as keys:
    for line in keys:
        node = ring.get_node(line.rstrip(b"\n").decode())
        counts[node] = counts.get(node, 0) + 1
PY

cat > "$work/hashring_bench.js" <<'JS'
'use strict';
// node hashring_bench.js MODULE KEYFILE: each key's server, counted per server
const fs = require('fs');
const readline = require('readline');
const HashRing = require(process.argv[2]);
const servers = [];
for (let i = 1; i <= 10; i++) servers.push(`10.0.0.${i}:6379`);
const ring = new HashRing(servers);
const counts = new Map();
const lines = readline.createInterface({ input: fs.createReadStream(process.argv[3]), crlfDelay: Infinity });
lines.on('line', (key) => {
  const server = ring.get(key);
  counts.set(server, (counts.get(server) || 0) + 1);
});
JS

# uhashring_build.py NODEFILE REPS: best and median seconds uhashring takes to build its ketama
# ring of the nodes, in-process
cat > "$work/uhashring_build.py" <<'PY'
import statistics, sys, time
from uhashring import HashRing
nodes = open(sys.argv[1]).read().split()
times = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    HashRing(nodes=nodes, hash_fn="ketama")
    times.append(time.perf_counter() - t)
print(f"{min(times):.6f} {statistics.median(times):.6f}")
PY

# ---------------------------------------------------------------------------------------------
# Header

printf 'ringscope %s (committed %s) · run %s\n' "$rev" "$rev_date" "$(date -u '+%Y-%m-%d %H:%M UTC')"
printf 'machine: %s cores (nproc), %s; load average %s at the start\n' "$(nproc)" "$cpu" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'command: scripts/bench.sh%s %s\n' "$([[ $big == 1 ]] && echo ' --big')" "$keys"
printf '%s keys (mixed shapes, ~24 bytes), 10 nodes, twemproxy ketama; the peers on %s keys\n' \
    "$(count "$keys")" "$(count "$peer_keys")"
echo

# ---------------------------------------------------------------------------------------------
# Keys per second

note "wc -l and the peers"
measure "$reps" /dev/null wc -l "$work/keys.txt"
wc_s=$best
wc_rate=$(py "$keys / $wc_s")
measure "$reps" /dev/null python3 "$work/uhashring_bench.py" "$work/peer-keys.txt"
uh_s=$best uh_rss=$rss
uh_rate=$(py "$peer_keys / $uh_s")
if [[ -z $npm_skip ]]; then
    measure "$reps" /dev/null node "$work/hashring_bench.js" "$PWD/$npm_hashring" "$work/peer-keys.txt"
    nh_s=$best nh_rss=$rss
fi

printf "%-${width}s %8s %10s %10s %8s %11s\n" "run" "seconds" "keys/s" "×uhashring" "×wc -l" "peak RSS"
line
rate_row "wc -l (reading lines, the floor)" "$keys" "$wc_s" 0
rate_row "uhashring 2.5 ketama (python, 1/10 keys)" "$peer_keys" "$uh_s" "$uh_rss"
if [[ -z $npm_skip ]]; then
    rate_row "npm hashring 3.2.0 (node $(node --version), 1/10 keys)" "$peer_keys" "$nh_s" "$nh_rss"
else
    printf '%s\n' "npm hashring: skipped ($npm_skip)"
fi

# ringscope_row NAME OUT ARGS...: a keys/s row for `ringscope ARGS... keys.txt` (10 nodes, KEYS keys);
# sets s to its best seconds.
ringscope_row() {
    local name=$1 out=$2
    shift 2
    note "ringscope $name"
    measure "$reps" "$out" "$bin" "$@" "$work/keys.txt"
    s=$best
    rate_row "ringscope $name" "$keys" "$s" "$rss"
}

ringscope_row "dist --hash fnv1a_64" /dev/null dist --hash fnv1a_64 --nodes "$nodes"
dist_s=$s dist_rss=$rss
ringscope_row "dist --hash md5" /dev/null dist --hash md5 --nodes "$nodes"
md5_s=$s
ringscope_row "dist --hash fnv1a_64 --threads 1" /dev/null dist --hash fnv1a_64 --threads 1 --nodes "$nodes"
dist1_s=$s
ringscope_row "dist --hash md5 --threads 1" /dev/null dist --hash md5 --threads 1 --nodes "$nodes"
md5_1_s=$s
remove=(--remove 10.0.0.3:6379)
ringscope_row "simulate --remove (report only)" /dev/null simulate "${remove[@]}" --nodes "$nodes"
sim_s=$s
ringscope_row "simulate --remove --moves FILE" /dev/null simulate "${remove[@]}" --moves "$work/moves.csv" --nodes "$nodes"
moves_s=$s moves_rss=$rss
ringscope_row "map > FILE (TSV)" "$work/map.tsv" map --nodes "$nodes"
map_s=$s
ringscope_row "dist --hash fnv1a_64, 10,000 nodes" /dev/null dist --hash fnv1a_64 --nodes "$nodes10k"
dist10k_s=$s
rm -f "$work/map.tsv" "$work/moves.csv"

# Memory: peak RSS must not grow with the input. dist and simulate --moves on a tenth of the keys,
# and with --big dist on ten times as many.
note "ringscope dist and simulate --moves on $peer_keys keys"
measure "$reps" /dev/null "$bin" dist --hash fnv1a_64 --nodes "$nodes" "$work/peer-keys.txt"
small_rss=$rss
rate_row "ringscope dist --hash fnv1a_64, $(count "$peer_keys") keys" "$peer_keys" "$best" "$rss"
measure "$reps" /dev/null "$bin" simulate "${remove[@]}" --moves "$work/moves.csv" --nodes "$nodes" "$work/peer-keys.txt"
small_moves_rss=$rss
rate_row "ringscope simulate --moves FILE, $(count "$peer_keys") keys" "$peer_keys" "$best" "$rss"
rm -f "$work/moves.csv"
if [[ $big == 1 ]]; then
    big_keys=$((keys * 10))
    note "writing $big_keys keys (keys.txt ×10)"
    for _ in $(seq 1 10); do cat "$work/keys.txt"; done > "$work/big-keys.txt"
    note "ringscope dist on $big_keys keys"
    measure "$reps" /dev/null "$bin" dist --hash fnv1a_64 --nodes "$nodes" "$work/big-keys.txt"
    big_rss=$rss
    rate_row "ringscope dist --hash fnv1a_64, $(count "$big_keys") keys" "$big_keys" "$best" "$rss"
    rm -f "$work/big-keys.txt"
fi
line

ratio_line "simulate / dist fnv1a_64 (keys/s)" "$(pct "$dist_s / $sim_s")" "target ≥ 60%"
ratio_line "simulate --moves FILE / dist fnv1a_64" "$(pct "$dist_s / $moves_s")"
ratio_line "map > FILE / dist fnv1a_64" "$(pct "$dist_s / $map_s")" "target ≥ 50%"
ratio_line "dist fnv1a_64 / uhashring" "$(py "f'×{$uh_s * $keys / ($peer_keys * $dist_s):.0f}'")" "target ≥ ×80"
ratio_line "dist md5 / uhashring" "$(py "f'×{$uh_s * $keys / ($peer_keys * $md5_s):.0f}'")" "target ≥ ×20"
ratio_line "all $(nproc) cores / --threads 1: dist fnv1a_64" "$(py "f'×{$dist1_s / $dist_s:.2f}'")"
ratio_line "all $(nproc) cores / --threads 1: dist md5" "$(py "f'×{$md5_1_s / $md5_s:.2f}'")"
ratio_line "peak RSS, dist: $(count "$keys") / $(count "$peer_keys") keys" \
    "$(py "f'{$dist_rss / $small_rss:.3f}'")" "target 0.90–1.10, < 50 MB"
if [[ $big == 1 ]]; then
    ratio_line "peak RSS, dist: $(count "$big_keys") / $(count "$peer_keys") keys" \
        "$(py "f'{$big_rss / $small_rss:.3f}'")" "target 0.90–1.10, < 50 MB"
else
    ratio_line "peak RSS, dist: $(count $((keys * 10))) / $(count "$peer_keys") keys" \
        "skipped" "--big or BENCH_BIG=1 (~2.5 GB of disk)"
fi
ratio_line "peak RSS, simulate --moves: $(count "$keys") / $(count "$peer_keys") keys" \
    "$(py "f'{$moves_rss / $small_moves_rss:.3f}'")" "--moves streams too"
echo

# ---------------------------------------------------------------------------------------------
# Ring build

note "ring build at 1,000 and 10,000 nodes"
printf "%-${width}s %8s %10s %6s %11s\n" "ring build, twemproxy ketama (160 points/node)" "best s" "median s" "runs" "peak RSS"
line
build_reps=$((reps < 7 ? 7 : reps))
measure "$build_reps" /dev/null "$bin" lookup --nodes "$nodes1k" somekey
time_row "ringscope lookup, 1,000 nodes (build + 1 lookup)" "$best" "$median" "$runs" "$rss"
measure "$build_reps" /dev/null "$bin" lookup --nodes "$nodes10k" somekey
time_row "ringscope lookup, 10,000 nodes (build + 1 lookup)" "$best" "$median" "$runs" "$rss"
build10k_s=$best
measure "$reps" "$work/ring.json" "$bin" ring --nodes "$nodes10k" --format json
time_row "ringscope ring --format json, 10,000 nodes (exact)" "$best" "$median" "$runs" "$rss"
read -r best median < <(python3 "$work/uhashring_build.py" "$nodes1k" "$reps")
time_row "uhashring 2.5 ketama build, 1,000 nodes (in-process)" "$best" "$median" "$reps" 0
line
ratio_line "dist at 10,000 nodes less one build: lookups/s" \
    "$(py "f'{$keys / max($dist10k_s - $build10k_s, 1e-6) / 1e6:.2f} M'")" "target > 10 M"
echo "targets: 10,000-node build < 0.1 s; ring on it < 0.3 s; dist at 10,000 nodes > 10M keys/s"
echo "(uhashring at 1,000 nodes for reference only: its build grows ~n², 10,000 nodes take minutes)"
