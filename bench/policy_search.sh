#!/usr/bin/env bash
# 政策找寻 (issue 11: 10,000 policies, 20 fixed queries, p99 ≤ 20 ms at 2 connections over
# HTTP): builds a small demo province, adds the benchmark corpus through the store's lifecycle
# (crates/demo/examples/policy_corpus.rs), serves it, lets the index build, then wrk cycles the
# 20 queries through `GET /api/v1/public/policies?q=…`. Peer in the same run: SQLite FTS5 with
# the trigram tokenizer over the same titles and texts, the same 20 queries (ranked, with
# snippets), timed inside one sqlite3 process.
# Usage: bench/policy_search.sh [COUNT]   (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 CLI (apt-get install sqlite3)"; exit 1; }
count="${1:-10000}"
cargo build --release -q -p fupin-cli
cargo build --release -q -p fupin-demo --example policy_corpus
work="$(mktemp -d)"
port=18082
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
target/release/fupin demo --scale 0.01 --no-serve --data "$work/data" >/dev/null
target/release/examples/policy_corpus "$work/data/fupin.db" "$count"
docs=$(sqlite3 "$work/data/fupin.db" "SELECT COUNT(*) FROM policies WHERE state = 'published'")
target/release/fupin serve --data "$work/data" --listen 127.0.0.1:$port >/dev/null 2>&1 &
pid=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.2; done
started=$(date +%s.%N)
until curl -s "http://127.0.0.1:$port/api/v1/public/policies?q=%E6%89%B6%E8%B4%AB" | grep -q '"full_text":true'; do sleep 0.2; done
printf 'index built from %s published documents in %.1f s (from the server start)\n' "$docs" "$(echo "$(date +%s.%N) - $started" | bc -l)"

queries=(
  "雨露计划" "富民农户贷" "“两不愁三保障”" "易地扶贫搬迁" "大病保险 先诊疗" "危房改造 竣工验收" "光伏电站 负盈不负亏"
  "生态护林员" "公益岗位 转移就业" "第一书记 驻村工作队" "涉农资金 因素法" "学前教育 保教费" "农村电商 网络使用费"
  "基准利率 风险补偿金" "兜底保障 无劳动能力" "通硬化路 安全饮水" "鲁扶贫办发〔2016〕5号" "扶贫开发领导小组" "阳谷县 实施细则"
  "重度残疾人 养老保险"
)
lua="$work/queries.lua"
{
  echo "local paths = {"
  for q in "${queries[@]}"; do
    printf '  "/api/v1/public/policies?q=%s",\n' "$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$q")"
  done
  echo "}"
  echo 'local i = 0'
  echo 'request = function() i = i % #paths + 1; return wrk.format("GET", paths[i]) end'
} >"$lua"
wrk -t2 -c2 -d10s --latency -s "$lua" "http://127.0.0.1:$port" >"$work/wrk.out"
p50=$(awk '/^ +50%/{print $2}' "$work/wrk.out"); p99=$(awk '/^ +99%/{print $2}' "$work/wrk.out"); rps=$(awk '/Requests\/sec/{print $2}' "$work/wrk.out")
echo "GET /api/v1/public/policies?q=… (20 queries in turn), wrk 2 connections 10 s: p50 $p50, p99 $p99, $rps req/s"

# The peer: FTS5 trigram over the same published titles and texts.
sqlite3 "$work/data/fupin.db" "SELECT id, title, body FROM policies WHERE state = 'published'" -csv >"$work/docs.csv"
sqlite3 "$work/peer.db" "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, tokenize = 'trigram');" \
  "CREATE TABLE raw(id, title, body);" ".mode csv" ".import $work/docs.csv raw" "INSERT INTO docs SELECT * FROM raw;" >/dev/null
{
  for _ in $(seq 25); do
    for q in "${queries[@]}"; do
      m=$(python3 -c 'import sys; print(" AND ".join("\"" + w.strip("“”") + "\"" for w in sys.argv[1].split()))' "$q")
      echo "SELECT id, snippet(docs, 2, '<b>', '</b>', '…', 20) FROM docs WHERE docs MATCH '$m' ORDER BY rank LIMIT 20;"
    done
  done
} >"$work/peer.sql"
s=$(date +%s.%N); sqlite3 "$work/peer.db" <"$work/peer.sql" >/dev/null; e=$(date +%s.%N)
s0=$(date +%s.%N); sqlite3 "$work/peer.db" "SELECT 1" >/dev/null; e0=$(date +%s.%N)
peer=$(echo "(($e - $s) - ($e0 - $s0)) * 1000 / 500" | bc -l)
printf 'peer: SQLite FTS5 trigram, the same 20 queries × 25 in one process: %.2f ms per query (no HTTP)\n' "$peer"
ms() { case "$1" in *ms) echo "${1%ms}";; *us) echo "${1%us} / 1000" | bc -l;; *s) echo "${1%s} * 1000" | bc -l;; esac; }
printf 'ratio fupin p50 over HTTP / peer per query: %.2f\n' "$(echo "$(ms "$p50") / $peer" | bc -l)"
