#!/usr/bin/env bash
# Times `fupin demo --scale S --no-serve` (wall clock, peak RSS) and, in the same run, the
# peer: sqlite3's `.import` of a CSV holding the same person rows into an empty table.
# Usage: bench/demo.sh [SCALE]   (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:-1}"
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 CLI (apt-get install sqlite3)"; exit 1; }
cargo build --release -q -p fupin-cli
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

/usr/bin/time -f "%e %M" -o "$work/fupin.time" target/release/fupin demo --scale "$scale" --no-serve --data "$work/data" >"$work/fupin.out"
read -r fupin_s fupin_kb <"$work/fupin.time"
people=$(sqlite3 "$work/data/fupin.db" "SELECT COUNT(*) FROM members")

# The peer loads only the person rows (no generation, no other tables, no indexes).
sqlite3 -csv "$work/data/fupin.db" "SELECT * FROM members" >"$work/members.csv"
sqlite3 "$work/data/fupin.db" ".schema members" | sed -n '/CREATE TABLE/,/;/p' >"$work/schema.sql"
sqlite3 "$work/peer.db" "PRAGMA journal_mode=OFF;" ".read $work/schema.sql" >/dev/null
/usr/bin/time -f "%e %M" -o "$work/peer.time" sqlite3 "$work/peer.db" ".mode csv" ".import $work/members.csv members"
read -r peer_s peer_kb <"$work/peer.time"

cat "$work/fupin.out" | grep -v "^$" | head -4
printf 'fupin demo --scale %s: %s s wall, peak RSS %.0f MB (%s person rows + households, events, rollups, indexes)\n' "$scale" "$fupin_s" "$(echo "$fupin_kb/1024" | bc -l)" "$people"
printf 'sqlite3 .import of the same %s person rows: %s s wall, peak RSS %.0f MB\n' "$people" "$peer_s" "$(echo "$peer_kb/1024" | bc -l)"
printf 'ratio fupin/sqlite3-import: %.2f\n' "$(echo "$fupin_s/$peer_s" | bc -l)"
