#!/usr/bin/env bash
# Import speed (issue 3: a 100 k-person xlsx validated and applied ≤ 10 s; CSV ≥ 300 k people/s).
# Builds a demo at SCALE (default 0.12: 菏泽 has ~108 k people), exports 菏泽 (3717) as xlsx and
# CSV, then times: importing back unchanged (validation only), and importing into a copy of the
# database where those files were deleted (validation + registration of every file, with events
# and rollups). Peer in the same run: sqlite3 .import of the same member CSV.
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:-0.12}"
cargo build --release -q -p fupin-cli
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
bin=target/release/fupin
$bin demo --scale "$scale" --no-serve --data "$work/a" >/dev/null
$bin export households --data "$work/a" --region 3717 -o "$work/hz.xlsx"
$bin export households --data "$work/a" --region 3717 -o "$work/hz.csv"
people=$(($(wc -l <"$work/hz.csv") - 1))
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
fresh() { # a copy of the database without 菏泽's still-poor files (only those may be new in an import)
  rm -rf "$work/b"; cp -r "$work/a" "$work/b"
  local poor="SELECT id FROM households WHERE id >= '3717' AND id < '3718' AND status = '1'"
  sqlite3 "$work/b/fupin.db" "DELETE FROM members WHERE household_id IN ($poor);
    DELETE FROM incomes WHERE household_id IN ($poor);
    DELETE FROM measures WHERE household_id IN ($poor);
    DELETE FROM household_helpers WHERE household_id IN ($poor);
    DELETE FROM households WHERE id IN ($poor);"
  echo "$(sqlite3 "$work/a/fupin.db" "SELECT COUNT(*) FROM ($poor)") still-poor files deleted in the copy" >&2
}
# This machine's timings vary run to run (a shared VM whose fresh memory is sometimes slow to
# fault in): each figure is the best of five.
best() { local b=999 s; for _ in 1 2 3 4 5; do "$@"; s=$(cat "$work/last"); b=$(echo "if ($s < $b) $s else $b" | bc -l); done; echo "$b"; }
unchanged() { t $bin import households "$work/$1" --user province --data "$work/a" >"$work/last"; }
new() { fresh 2>/dev/null; t $bin import households "$work/$1" --user province --data "$work/b" >"$work/last"; }
for f in hz.xlsx hz.csv; do
  s=$(best unchanged "$f")
  printf '%s, %d people, unchanged (validation only): %.2f s, %.0f people/s\n' "$f" "$people" "$s" "$(echo "$people / $s" | bc -l)"
  s=$(best new "$f")
  printf '%s, %d people, the still-poor files new (validated, applied with events and rollups): %.2f s, %.0f people/s\n' "$f" "$people" "$s" "$(echo "$people / $s" | bc -l)"
done
$bin ledger verify --data "$work/b" | tail -1
# A county's yearly income update: one income row in ten changed (every other table as exported).
for t in 帮扶措施 帮扶结对; do cp "$work/hz-$t.csv" "$work/inc-$t.csv"; done
cp "$work/hz.csv" "$work/inc.csv"
awk -F, -v OFS=, 'NR > 1 && NR % 10 == 2 { $3 = sprintf("%.2f", $3 + 100) } { print }' "$work/hz-年度收入.csv" >"$work/inc-年度收入.csv"
changed() { rm -rf "$work/c"; cp -r "$work/a" "$work/c"; t $bin import households "$work/inc.csv" --user province --data "$work/c" >"$work/last"; }
s=$(best changed)
printf 'hz.csv, %d people, one income row in ten changed (those files updated through the change path): %.2f s, %.0f people/s\n' "$people" "$s" "$(echo "$people / $s" | bc -l)"
$bin import households "$work/inc.csv" --user province --data "$work/c" | tail -1
# The peer creates a table from the CSV's header and loads the rows: no checks at all.
s=$(t sqlite3 "$work/peer.db" ".mode csv" ".import $work/hz.csv members_csv")
printf 'peer sqlite3 .import of the same %d member rows (no validation): %.2f s, %.0f rows/s\n' "$people" "$s" "$(echo "$people / $s" | bc -l)"
