#!/usr/bin/env bash
# End-to-end throughput: ringscope against its peers and the line-reading floor, in one run.
# Prints keys/s, the ratio to uhashring and to `wc -l`, and peak RSS. Not run in CI.
#
#   scripts/bench.sh [KEYS]        (default 10,000,000 keys; the peers run on a tenth)
set -euo pipefail
cd "$(dirname "$0")/.."

keys=${1:-10000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet
bin=target/release/ringscope
nodes="$work/nodes.txt"
for i in $(seq 1 10); do echo "10.0.0.$i:6379"; done > "$nodes"

# Mixed key shapes of about 20 bytes, the same every run.
"$bin" map --node a:1 --random "$keys" --seed 1 --pattern 'user:{n}:{}' | cut -f1 | cut -c1-24 > "$work/keys.txt"
peer_keys=$((keys / 10))
head -n "$peer_keys" "$work/keys.txt" > "$work/peer-keys.txt"

python3 -c 'import uhashring' 2>/dev/null || python3 -m pip install --quiet uhashring==2.5

# seconds and peak RSS (KB) of a command, via GNU time
measure() {
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" > /dev/null
    cat "$work/time"
}

printf '%-44s %12s %10s %10s %10s\n' "run" "keys/s" "×uhashring" "×wc -l" "peak RSS"
read -r wc_s _ < <(measure wc -l "$work/keys.txt")
wc_rate=$(python3 -c "print($keys / max($wc_s, 0.001))")

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
read -r uh_s uh_rss < <(measure python3 "$work/uhashring_bench.py" "$work/peer-keys.txt")
uh_rate=$(python3 -c "print($peer_keys / max($uh_s, 0.001))")

row() {
    python3 -c "
name, rate, rss = '$1', $2, $3
print(f'{name:44s} {rate/1e6:10.2f} M {rate/$uh_rate:10.1f} {rate/$wc_rate:10.3f} {rss/1024:8.1f} MB')"
}
row "wc -l (reading lines, the floor)" "$wc_rate" 0
row "uhashring 2.5 ketama (python, 1/10 keys)" "$uh_rate" "$uh_rss"
for run in "dist --hash fnv1a_64" "dist --hash md5" "simulate --remove 10.0.0.3:6379" "map"; do
    read -r s rss < <(measure "$bin" $run --nodes "$nodes" "$work/keys.txt")
    row "ringscope $run" "$(python3 -c "print($keys / max($s, 0.001))")" "$rss"
done
