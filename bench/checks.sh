#!/usr/bin/env bash
# 数据核查 and 动态调整 as a job (issue 10: the pages open in ≤ 200 ms once their job ran): times
# one run of the checks over the whole province through `POST /api/v1/checks/runs` (the yearly
# update is kept by the same run), then the pages that open from the kept results
# (`GET /checks?region=37`, `GET /yearly?region=37`, wrk). Peer in the same run: the sqlite3 CLI
# reading the kept report row itself, the floor of any answer that shows it.
# Usage: bench/checks.sh [DATA_DIR]   (default: builds ./target/bench-data at scale 1)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 CLI (apt-get install sqlite3)"; exit 1; }
cargo build --release -q -p fupin-cli
data="${1:-target/bench-data}"
[ -f "$data/fupin.db" ] || target/release/fupin demo --scale 1 --no-serve --data "$data" >/dev/null
port=18081
target/release/fupin serve --data "$data" --listen 127.0.0.1:$port >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
for _ in $(seq 50); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.2; done
cookie=$(curl -s -D - -o /dev/null -H 'content-type: application/json' -d '{"username":"province","password":"demo"}' http://127.0.0.1:$port/api/v1/session | grep -i '^set-cookie' | sed 's/^[^:]*: //; s/;.*//')
run=$(curl -s -o /dev/null -w '%{time_total}' -X POST -H "Cookie: $cookie" "http://127.0.0.1:$port/api/v1/checks/runs?region=37")
printf 'POST /api/v1/checks/runs?region=37 (every file of the province checked, result kept): %.2f s\n' "$run"
wrk -t2 -c2 -d8s --latency -H "Cookie: $cookie" "http://127.0.0.1:$port/checks?region=37" >/tmp/wrk-checks.out
p50=$(awk '/^ +50%/{print $2}' /tmp/wrk-checks.out); p99=$(awk '/^ +99%/{print $2}' /tmp/wrk-checks.out)
echo "GET /checks?region=37 from the kept run, 2 connections: p50 $p50, p99 $p99"
wrk -t2 -c2 -d8s --latency -H "Cookie: $cookie" "http://127.0.0.1:$port/yearly?region=37" >/tmp/wrk-yearly.out
yp50=$(awk '/^ +50%/{print $2}' /tmp/wrk-yearly.out); yp99=$(awk '/^ +99%/{print $2}' /tmp/wrk-yearly.out)
echo "GET /yearly?region=37 from the kept run, 2 connections: p50 $yp50, p99 $yp99"
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "($e - $s) * 1000" | bc -l; }
peer=$(t sqlite3 "$data/fupin.db" "SELECT length(report) FROM check_runs WHERE region_code = '37'")
printf 'peer: sqlite3 CLI reading the kept report row (process start included): %.1f ms\n' "$peer"
ms() { case "$1" in *ms) echo "${1%ms}";; *us) echo "${1%us} / 1000" | bc -l;; *s) echo "${1%s} * 1000" | bc -l;; esac; }
printf 'ratio checks page p50 / peer: %.2f\n' "$(echo "$(ms "$p50") / $peer" | bc -l)"
ypeer=$(t sqlite3 "$data/fupin.db" "SELECT length(report) FROM yearly_runs WHERE region_code = '37'")
printf 'peer: sqlite3 CLI reading the kept yearly row: %.1f ms; ratio yearly page p50 / peer: %.2f\n' "$ypeer" "$(echo "$(ms "$yp50") / $ypeer" | bc -l)"
