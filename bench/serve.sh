#!/usr/bin/env bash
# Latency of the region and search endpoints at scale 1, measured with wrk on 127.0.0.1, and the
# server's peak RSS. Peers in the same run: the same province figures computed by scanning the
# person rows with sqlite3 and with DuckDB (if the duckdb Python package is installed).
# Usage: bench/serve.sh [DATA_DIR]   (default: builds ./target/bench-data at scale 1)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
cargo build --release -q -p fupin-cli
data="${1:-target/bench-data}"
[ -f "$data/fupin.db" ] || target/release/fupin demo --scale 1 --no-serve --data "$data" >/dev/null
port=18080
target/release/fupin serve --data "$data" --listen 127.0.0.1:$port >/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
for _ in $(seq 50); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.2; done
cookie=$(curl -s -D - -o /dev/null -H 'content-type: application/json' -d '{"username":"province","password":"demo"}' http://127.0.0.1:$port/api/v1/session | grep -i '^set-cookie' | sed 's/^[^:]*: //; s/;.*//')
db="$data/fupin.db"
town=$(sqlite3 "$db" "SELECT region_code FROM users WHERE username='township'")
village=$(sqlite3 "$db" "SELECT region_code FROM users WHERE username='village'")
name=$(sqlite3 "$db" "SELECT head_name FROM households WHERE village_code >= '371521' AND village_code < '371522' LIMIT 1 OFFSET 500")

conns="${CONNS:-8}"
p99() { # path → "p50 p99 req/s"
  wrk -t2 -c"$conns" -d8s --latency -H "Cookie: $cookie" "http://127.0.0.1:$port$1" >/tmp/wrk.out
  awk '/^ +50%/{p50=$2} /^ +99%/{p99=$2} /Requests\/sec/{rps=$2} END{print p50, p99, rps}' /tmp/wrk.out
}
echo "wrk, $conns connections, 8 s per endpoint"
echo "endpoint | p50 | p99 | req/s"
for code in 37 3715 371521 "$town" "$village"; do
  echo "GET /api/v1/regions/$code | $(p99 /api/v1/regions/$code | sed 's/ / | /g')"
done
for m in "distribution/37?metric=remaining" "distribution/3715?metric=incidence" "measures/371521?metric=measured_share" "dynamics/37?metric=exited&period=2016" "schedule/37"; do
  echo "GET /api/v1/maps/$m | $(p99 "/api/v1/maps/$m" | sed 's/ / | /g')"
done
q=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))" "$name")
echo "GET /api/v1/households?region=371521&q=$name | $(p99 "/api/v1/households?region=371521&q=$q" | sed 's/ / | /g')"
echo "GET /api/v1/households?region=371521&status=1 | $(p99 "/api/v1/households?region=371521&status=1" | sed 's/ / | /g')"
echo "server peak RSS: $(awk '/VmHWM/{printf "%.0f MB", $2/1024}' /proc/$pid/status)"

# Peers: the province's per-city registered and remaining persons by scanning person rows.
scan="SELECT substr(h.village_code,1,4) AS city, COUNT(*) AS persons, SUM(h.status IN ('1','4')) AS remaining FROM members m JOIN households h ON h.id = m.household_id WHERE m.active = 1 GROUP BY 1"
start=$(date +%s.%N); sqlite3 "$db" "$scan" >/dev/null; end=$(date +%s.%N)
echo "peer sqlite3 scan of $(sqlite3 "$db" 'SELECT COUNT(*) FROM members') person rows for the province: $(echo "($end-$start)*1000" | bc -l | xargs printf '%.0f') ms"
if python3 -c "import duckdb" 2>/dev/null; then
  python3 - "$db" "$scan" <<'PY'
# Loads the person and household columns the scan needs into DuckDB (in memory), then times
# the same aggregation: the cost of answering from people instead of rollups.
import duckdb, sqlite3, sys, time
import pyarrow as pa
src = sqlite3.connect(sys.argv[1])
m = src.execute("SELECT household_id, active FROM members").fetchall()
h = src.execute("SELECT id, village_code, status FROM households").fetchall()
con = duckdb.connect()
con.register("members", pa.table({"household_id": [r[0] for r in m], "active": [r[1] for r in m]}))
con.register("households", pa.table({"id": [r[0] for r in h], "village_code": [r[1] for r in h], "status": [r[2] for r in h]}))
con.execute("CREATE TABLE mm AS SELECT * FROM members; CREATE TABLE hh AS SELECT * FROM households")
q = sys.argv[2].replace("members m", "mm m").replace("households h", "hh h").replace("h.status IN ('1','4')", "CAST(h.status IN ('1','4') AS INT)")
times = []
for _ in range(5):
    t = time.perf_counter()
    con.execute(q).fetchall()
    times.append(time.perf_counter() - t)
print(f"peer DuckDB in-memory scan of the same rows (best of 5): {min(times)*1000:.0f} ms")
PY
else
  echo "peer DuckDB: not run (pip install duckdb pyarrow)"
fi
