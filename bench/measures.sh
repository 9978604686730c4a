#!/usr/bin/env bash
# 贫困测度 of the whole province (issue 14: ≤ 5 s): `fupin evaluation measures --region 37`
# reads every live file once and folds FGT P0/P1/P2 on the exit income and Alkire–Foster over
# 两不愁三保障 and income, by city, in one parallel pass per county — what
# `GET /api/v1/measures/37` answers.
# Peer in the same run: the sqlite3 CLI computing the FGT part only (P0, P1, P2 by persons) as
# one SQL statement over the same database (households × active members × that year's income):
# no Alkire–Foster, no decomposition, no file decoding. Both P0s are printed: they must agree.
# Usage: [FUPIN_BIN=path] bench/measures.sh [DATA_DIR] [YEAR]   (default target/bench-data, built by `fupin demo --scale 1`)
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-target/bench-data}"
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 CLI (apt-get install sqlite3)"; exit 1; }
command -v jq >/dev/null || { echo "needs jq (apt-get install jq)"; exit 1; }
# FUPIN_BIN: a binary already built (skips the release build).
fupin="${FUPIN_BIN:-target/release/fupin}"
[ -n "${FUPIN_BIN:-}" ] || cargo build --release -q -p fupin-cli
[ -f "$data/fupin.db" ] || "$fupin" demo --scale 1 --no-serve --data "$data" >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
t() { local s e; s=$(date +%s.%N); "$@" >"$work/out"; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
year="${2:-$(( $(sqlite3 "$data/fupin.db" "SELECT substr(value, 1, 4) FROM meta WHERE key = 'as_of'") - 1 ))}"
fupin_s=$(t "$fupin" evaluation measures --data "$data" --region 37 --year "$year" --json)
cp "$work/out" "$work/fupin.json"
line=$(jq -r .line "$work/fupin.json")
peer_sql="WITH m AS (SELECT household_id, COUNT(*) AS n FROM members WHERE active = 1 GROUP BY household_id),
  x AS (SELECT m.n AS w,
          ((i.wage + i.business + i.property + i.transfer - i.expenses) / m.n) / 100.0 AS pc
        FROM households h JOIN m ON m.household_id = h.id
        JOIN incomes i ON i.household_id = h.id AND i.year = $year
        WHERE h.status IN ('1', '2', '3', '4')),
  g AS (SELECT w, CASE WHEN pc < $line THEN ($line - pc) / $line ELSE 0 END AS gap, pc < $line AS poor FROM x)
  SELECT printf('%.6f %.6f %.6f %d', SUM(w * poor) * 1.0 / SUM(w), SUM(w * gap) / SUM(w), SUM(w * gap * gap) / SUM(w), SUM(w)) FROM g;"
peer_s=$(t sqlite3 "$data/fupin.db" "$peer_sql")
read -r pp0 pp1 pp2 ppop < "$work/out"
printf 'fupin evaluation measures, whole province %s (%s files, %s persons; FGT, Alkire–Foster, 16 cities): %.2f s (of which the pass %.2f s)\n' \
  "$year" "$(jq .households "$work/fupin.json")" "$(jq .persons "$work/fupin.json")" "$fupin_s" "$(jq .seconds "$work/fupin.json")"
printf '  fupin  P0 %.6f  P1 %.6f  P2 %.6f  persons with income %s; H %.6f  M0 %.6f\n' \
  "$(jq .measures.fgt.p0 "$work/fupin.json")" "$(jq .measures.fgt.p1 "$work/fupin.json")" "$(jq .measures.fgt.p2 "$work/fupin.json")" \
  "$(jq .measures.fgt.population "$work/fupin.json")" "$(jq .measures.af.h "$work/fupin.json")" "$(jq .measures.af.m0 "$work/fupin.json")"
printf '  sqlite P0 %s  P1 %s  P2 %s  persons with income %s\n' "$pp0" "$pp1" "$pp2" "$ppop"
printf 'peer sqlite3, one SQL statement for FGT only: %.2f s\n' "$peer_s"
printf 'ratio fupin/peer: %.2f\n' "$(echo "$fupin_s/$peer_s" | bc -l)"
