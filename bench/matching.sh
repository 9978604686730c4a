#!/usr/bin/env bash
# 供需对接 solver (issue: 1,000,000 needs × 100,000 offers, ~20 candidates per need, ≤ 10 s wall
# and ≤ 1 GB peak RSS, the same optimal cost as OR-Tools' SimpleMinCostFlow). Generates the
# instance as DIMACS (crates/matching/examples/gen_transport.rs, deterministic from SEED), then
# in the same run solves it with `fupin match solve --verify` and with OR-Tools
# (bench/matching_ortools.py, numpy parse), and prints both costs (the script fails unless they
# are equal), wall times with the parse/solve split, peak RSS and the ratios.
# Usage: SCALE=0.01 bench/matching.sh   (SCALE defaults to 1, SEED to 1)
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${SCALE:-1}"
seed="${SEED:-1}"
target="${CARGO_TARGET_DIR:-target}"
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)"; exit 1; }
cargo build --release -q -p fupin-cli
cargo build --release -q -p fupin-matching --example gen_transport
venv=target/bench-venv
if ! "$venv/bin/python" -c "import ortools, numpy" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q ortools numpy
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
file="$work/transport.min"
started=$(date +%s.%N)
"$target/release/examples/gen_transport" "$scale" "$seed" "$file"
printf 'instance (scale %s, seed %s): %s, %s MB, generated in %.1f s\n' "$scale" "$seed" "$(sed -n 2p "$file")" \
  "$(( $(stat -c %s "$file") / 1000000 ))" "$(echo "$(date +%s.%N) - $started" | bc -l)"

# Wall seconds and peak RSS in MB from `/usr/bin/time -v` output.
wall() { awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; printf "%.2f", s}' "$1"; }
rss() { awk -F': ' '/Maximum resident set size/{printf "%d", $2/1024}' "$1"; }

/usr/bin/time -v "$target/release/fupin" match solve --dimacs "$file" --out "$work/fupin.flow" --verify \
  >"$work/fupin.out" 2>"$work/fupin.err" || { cat "$work/fupin.err"; exit 1; }
/usr/bin/time -v "$venv/bin/python" bench/matching_ortools.py "$file" >"$work/ortools.out" 2>"$work/ortools.err" || { cat "$work/ortools.err"; exit 1; }

fupin_cost=$(awk '/^s /{c=$2} END{print c}' "$work/fupin.out")
ortools_cost=$(awk '/^s /{c=$2} END{print c}' "$work/ortools.out")
fupin_wall=$(wall "$work/fupin.err"); ortools_wall=$(wall "$work/ortools.err")
fupin_rss=$(rss "$work/fupin.err"); ortools_rss=$(rss "$work/ortools.err")
echo "fupin match solve --verify: cost $fupin_cost, $fupin_wall s wall, $fupin_rss MB peak RSS ($(grep -E '读取|校验' "$work/fupin.err" | tr '\n' ' '))"
echo "OR-Tools SimpleMinCostFlow: cost $ortools_cost, $ortools_wall s wall, $ortools_rss MB peak RSS (parse $(awk '/^parse/{print $2}' "$work/ortools.out") s, solve $(awk '/^solve/{print $2}' "$work/ortools.out") s)"
printf 'ratios fupin / OR-Tools: wall %.2f, peak RSS %.2f\n' "$(echo "$fupin_wall / $ortools_wall" | bc -l)" "$(echo "$fupin_rss / $ortools_rss" | bc -l)"
if [ "$fupin_cost" != "$ortools_cost" ]; then
  echo "the optimal costs differ: fupin $fupin_cost, OR-Tools $ortools_cost"
  exit 1
fi
echo "optimal costs equal: $fupin_cost"
