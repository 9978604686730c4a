#!/usr/bin/env bash
# Times `fupin ledger verify` over a demo province (wall clock, peak RSS, peak anonymous memory,
# events/s) and, in the same run, the peer: sqlite3 scanning every ledger row (a count and the
# payload lengths, no hashing).
# Usage: bench/ledger.sh [SCALE] [DATA_DIR]   (default 1; a DATA_DIR is kept, and reused when it
#        already holds a demo of that scale)
#        FUPIN=path/to/fupin bench/ledger.sh 1 DIR   times another build (an older one) on the same data
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:-1}"
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 CLI (apt-get install sqlite3)"; exit 1; }
cargo build --release -q -p fupin-cli
built="${CARGO_TARGET_DIR:-target}/release/fupin"
bin="${FUPIN:-$built}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
data="${2:-$work/data}"
"$built" demo --scale "$scale" --no-serve --data "$data" >"$work/demo.out"
head -1 "$work/demo.out"

# Peak RssAnon (kB) of the children of process $1, sampled every 50 ms until it ends. Peak RSS
# also counts the database pages SQLite maps (mmap_size), which grow with what is read.
peak_anon() {
    # Shell builtins only: a sampler that forks would take CPU from the run it measures.
    local m=0 c k v children
    while kill -0 "$1" 2>/dev/null; do
        children=""
        read -r children <"/proc/$1/task/$1/children" 2>/dev/null || true
        for c in $children; do
            while read -r k v _; do
                if [ "$k" = "RssAnon:" ] && [ "$v" -gt "$m" ]; then m=$v; fi
            done <"/proc/$c/status" 2>/dev/null || true
        done
        sleep 0.05
    done
    echo "$m"
}

/usr/bin/time -f "%e %M" -o "$work/verify.time" "$bin" ledger verify --data "$data" >"$work/verify.out" &
pid=$!
anon_kb=$(peak_anon "$pid")
wait "$pid" || { cat "$work/verify.out"; exit 1; }
read -r verify_s verify_kb <"$work/verify.time"
events=$(grep -o '[0-9]* 个事件' "$work/verify.out" | grep -o '[0-9]*')

/usr/bin/time -f "%e %M" -o "$work/peer.time" sqlite3 "$data/fupin.db" "SELECT count(*), sum(length(payload)) FROM ledger" >"$work/peer.out"
read -r peer_s peer_kb <"$work/peer.time"

cat "$work/verify.out"
printf 'fupin ledger verify (scale %s): %s s wall, %.2f M events/s, peak RSS %.0f MB, peak anonymous memory %.0f MB\n' \
    "$scale" "$verify_s" "$(echo "$events/$verify_s/1000000" | bc -l)" "$(echo "$verify_kb/1024" | bc -l)" "$(echo "$anon_kb/1024" | bc -l)"
printf 'sqlite3 scan of the same ledger (count, sum(length(payload)) = %s): %s s wall, peak RSS %.0f MB\n' \
    "$(tr '|' ' ' <"$work/peer.out")" "$peer_s" "$(echo "$peer_kb/1024" | bc -l)"
printf 'ratio fupin/sqlite3-scan: %.2f\n' "$(echo "$verify_s/$peer_s" | bc -l)"
