#!/usr/bin/env bash
# HTTP throughput of segs-server next to a bare Boost.Beast server, side by
# side in one run (issue 17; docs/benchmarks.md, "HTTP").
#
#   bench/http/load.sh                          # 3 rounds x 8 s per scenario, 64 connections
#   ROUNDS=5 DURATION=10s bench/http/load.sh
#   SCENARIOS="bare health profile" bench/http/load.sh
#   SMOKE=1 bench/http/load.sh                  # 1 round x 1 s on 4 connections (scripts/test.sh)
#
# Method: both servers run with one I/O thread, pinned to CPU $SERVER_CPU
# (0); wrk runs with one thread and $CONNECTIONS connections, pinned to CPU
# $CLIENT_CPU (1), so client and server do not take each other's core (with
# fewer than two CPUs nothing is pinned and the run says so). Each round
# runs every scenario once, in order, so the baseline and segs-server
# alternate through the machine's noise; the figures are the medians over
# the rounds, and "of bare" is a scenario's median requests per second over
# the bare server's median measured in the same run.
#
# Scenarios (SCENARIOS picks some, in this order):
#   bare        GET /health of segs-bench-bare-http (bench/http/bare_server.cpp):
#               a fixed JSON body, no routing, no library, no log
#   health      GET /health
#   profile     GET /api/v1/user/profile with a Bearer token
#   orderbook   GET /api/v1/trading/orderbook of a slot with resting orders
#   market      GET /api/v1/trading/market of that slot
#   latest      GET /api/v1/telemetry/my-meter (a day of readings stored)
#   history     GET /api/v1/telemetry/my-meter/history
#   tariff      GET /api/v1/tariffs/current
#   estimate    GET /api/v1/tariffs/estimate?consumption_kwh=300 (2,880 quarter-hours priced)
#   orders      POST /api/v1/trading/orders (bench/http/orders.lua: sells and
#               buys, about half trading, each committed before the answer)
# segs-server runs on a SQLite file (SEGS_DB_URL overrides: a PostgreSQL
# URL), rate limits off (one address would otherwise measure the 429 path),
# its access log to a file. Setup (users, a tariff, a meter and its
# readings, resting orders) is not timed.
#
# SMOKE=1 fails (exit 1) when a scenario answered anything but 2xx, or
# nothing; its numbers mean nothing.
#
# Binaries: SEGS_SERVER_BIN and BARE_SERVER_BIN, else the release build's
# (built here with the release preset when missing). wrk and taskset come
# from Debian's wrk and util-linux packages.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${SEGS_SERVER_BIN:-$ROOT/build/release/examples/server/segs-server}
BARE=${BARE_SERVER_BIN:-$(dirname "$(dirname "$(dirname "$BIN")")")/bench/segs-bench-bare-http}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-8s}
CONNECTIONS=${CONNECTIONS:-64}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
SCENARIOS=${SCENARIOS:-bare health profile orderbook market latest history tariff estimate orders}
if [ -n "${SMOKE:-}" ]; then ROUNDS=1; DURATION=1s; CONNECTIONS=4; fi

if ! command -v wrk >/dev/null; then
  echo "installing wrk (apt-get)" >&2
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y -q wrk >&2; else sudo apt-get install -y -q wrk >&2; fi
fi
if [ ! -x "$BIN" ] || [ ! -x "$BARE" ]; then
  echo "building segs-server and segs-bench-bare-http with the release preset" >&2
  (cd "$ROOT" && cmake --preset release >&2 &&
    cmake --build --preset release --target segs-server segs-bench-bare-http --parallel "${JOBS:-2}" >&2)
  BIN=$ROOT/build/release/examples/server/segs-server
  BARE=$ROOT/build/release/bench/segs-bench-bare-http
fi

SERVER_PIN=() CLIENT_PIN=() PINNING="not pinned (fewer than 2 CPUs)"
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  SERVER_PIN=(taskset -c "$SERVER_CPU") CLIENT_PIN=(taskset -c "$CLIENT_CPU")
  PINNING="servers on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU"
fi

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# Waits for "<what> listening on http://..." in $1; prints the URL.
wait_url() {
  local log=$1 pid=$2 url=
  for _ in $(seq 1 300); do
    url=$(sed -n 's/^.* listening on \(http:[^ ]*\)$/\1/p' "$log" | head -1)
    [ -n "$url" ] && { echo "$url"; return; }
    kill -0 "$pid" 2>/dev/null || { echo "a server exited at start" >&2; cat "$WORK"/*.err >&2; exit 1; }
    sleep 0.1
  done
  echo "a server did not start" >&2
  exit 1
}

"${SERVER_PIN[@]}" "$BARE" 127.0.0.1 0 1 >"$WORK/bare.out" 2>"$WORK/bare.err" &
PIDS+=($!)
BARE_URL=$(wait_url "$WORK/bare.out" "$!")

ADMIN_EMAIL="bench-admin-$$@example.org"
ADMIN_PASSWORD="Bench-Adm1n-Passw0rd-$$"
SEGS_LISTEN=127.0.0.1:0 SEGS_THREADS=1 SEGS_DB_URL="${SEGS_DB_URL:-sqlite:$WORK/segs.db}" \
  SEGS_MAIL_SINK="file:$WORK/mail.jsonl" SEGS_REGIONS="north:time_zone=UTC,currency=EUR" \
  SEGS_ADMIN_EMAIL="$ADMIN_EMAIL" SEGS_ADMIN_PASSWORD="$ADMIN_PASSWORD" SEGS_RATE_LIMITS=off \
  "${SERVER_PIN[@]}" "$BIN" >"$WORK/segs.out" 2>"$WORK/segs.err" &
PIDS+=($!)
SEGS_PID=$!
URL=$(wait_url "$WORK/segs.out" "$SEGS_PID")

# Setup through the API (not timed): prints shell assignments.
eval "$(URL="$URL" MAIL="$WORK/mail.jsonl" EMAIL="$ADMIN_EMAIL" PASSWORD="$ADMIN_PASSWORD" python3 - <<'EOF'
import datetime as dt, http.client, json, os, sys, time, urllib.parse
u = urllib.parse.urlsplit(os.environ["URL"])
c = http.client.HTTPConnection(u.hostname, u.port)
def call(method, path, body=None, token=None):
    h = {"Content-Type": "application/json"}
    if token: h["Authorization"] = "Bearer " + token
    c.request(method, path, json.dumps(body) if body is not None else None, h)
    r = c.getresponse()
    data = r.read()
    if r.status >= 300:
        sys.exit(f"setup: {method} {path}: {r.status} {data[:300]!r}")
    return json.loads(data)["data"] if data else None
def code_for(email):
    for _ in range(100):
        for line in reversed(open(os.environ["MAIL"]).read().splitlines()):
            m = json.loads(line)
            if m["to"] == email: return m["code"]
        time.sleep(0.05)
    sys.exit(f"setup: no code for {email}")
def sign_up(role):
    email, password = f"bench-{role}-{os.getpid()}@example.org", f"Bench-Passw0rd-{os.getpid()}"
    call("POST", "/api/v1/auth/register", {"email": email, "password": password, "name": "Bench",
                                           "region": "north", "role": role})
    call("POST", "/api/v1/auth/verify-otp", {"email": email, "otp": code_for(email)})
    t = call("POST", "/api/v1/auth/login", {"email": email, "password": password})
    return t["access_token"], t["user"]["id"]
admin = call("POST", "/api/v1/auth/login", {"email": os.environ["EMAIL"], "password": os.environ["PASSWORD"]})["access_token"]
buyer, buyer_id = sign_up("consumer")
seller, _ = sign_up("prosumer")
now = dt.datetime.now(dt.timezone.utc)
year = now.year
call("POST", "/api/v1/tariffs", {
    "region": "north", "name": "bench TOU", "effective_from": f"{year}-01-01T00:00:00Z",
    "periods": [{"name": "peak", "price_per_kwh": 0.32}, {"name": "off_peak", "price_per_kwh": 0.12},
                {"name": "night", "price_per_kwh": 0.08}],
    "schedule": [{"period": "peak", "days": ["mon", "tue", "wed", "thu", "fri"], "start": "17:00", "end": "21:00"},
                 {"period": "night", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday"],
                  "start": "22:00", "end": "06:00"}],
    "default_period": "off_peak", "fixed_charge_per_day": 0.5, "tax_percent": 19}, admin)
# The buyer's meter with the last day of quarter-hour readings.
call("POST", "/api/v1/admin/meters", {"meter_id": "BENCH000001", "region": "north", "capacity_kw": 15}, admin)
start = (now - dt.timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)
call("POST", "/api/v1/admin/assign-meter", {"meter_id": "BENCH000001", "user_id": buyer_id,
                                            "effective_from": start.strftime("%Y-%m-%dT%H:%M:%SZ")}, admin)
last = now.replace(minute=now.minute // 15 * 15, second=0, microsecond=0)
rows = [{"meter_id": "BENCH000001", "timestamp": (last - dt.timedelta(minutes=15 * i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
         "energy_consumed_kwh": round(0.05 + (i * 37 % 400) / 1000, 3), "energy_produced_kwh": 0}
        for i in range(96)]
call("POST", "/api/v1/telemetry/readings", {"readings": rows}, admin)
# A slot an hour ahead with resting orders on both sides that do not cross.
slot = (last + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
for i in range(20):
    call("POST", "/api/v1/trading/orders", {"side": "sell", "order_type": "limit", "quantity_kwh": 0.5,
         "price_per_kwh": round(0.25 + i * 0.001, 4), "delivery_slot": slot}, seller)
    call("POST", "/api/v1/trading/orders", {"side": "buy", "order_type": "limit", "quantity_kwh": 0.5,
         "price_per_kwh": round(0.15 - i * 0.001, 4), "delivery_slot": slot}, buyer)
print(f"TOKEN={buyer} SELL_TOKEN={seller} SLOT={slot}")
EOF
)"

scenario_args() {
  case $1 in
    bare) echo "$BARE_URL/health" ;;
    health) echo "$URL/health" ;;
    profile) echo "-H|Authorization: Bearer $TOKEN|$URL/api/v1/user/profile" ;;
    orderbook) echo "-H|Authorization: Bearer $TOKEN|$URL/api/v1/trading/orderbook?region=north&delivery_slot=$SLOT" ;;
    market) echo "-H|Authorization: Bearer $TOKEN|$URL/api/v1/trading/market?region=north&delivery_slot=$SLOT" ;;
    latest) echo "-H|Authorization: Bearer $TOKEN|$URL/api/v1/telemetry/my-meter" ;;
    history) echo "-H|Authorization: Bearer $TOKEN|$URL/api/v1/telemetry/my-meter/history" ;;
    tariff) echo "-H|Authorization: Bearer $TOKEN|$URL/api/v1/tariffs/current" ;;
    estimate) echo "-H|Authorization: Bearer $TOKEN|$URL/api/v1/tariffs/estimate?consumption_kwh=300" ;;
    orders) echo "-s|$ROOT/bench/http/orders.lua|$URL/api/v1/trading/orders" ;;
    *) echo "load.sh: unknown scenario $1" >&2; exit 2 ;;
  esac
}

export SELL_TOKEN BUY_TOKEN=$TOKEN SLOT  # read by orders.lua
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "servers: one I/O thread each, $PINNING; segs-server on ${SEGS_DB_URL:-a SQLite file}"
echo "client:  wrk -t1 -c$CONNECTIONS -d$DURATION --latency; $ROUNDS rounds, scenarios alternating"

# One wrk run; appends "scenario rps p99_ms" to $WORK/results.
run() {
  local name=$1 out rps p99 errors
  IFS='|' read -r -a args <<<"$(scenario_args "$name")"
  out=$("${CLIENT_PIN[@]}" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "${args[@]}")
  rps=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
  # wrk prints 850.00us, 1.20ms or 1.05s.
  p99=$(echo "$out" | awk '$1 == "99%" { v = $2; f = 1;
          if (v ~ /us$/) f = 0.001; else if (v ~ /ms$/) f = 1; else if (v ~ /s$/) f = 1000;
          gsub(/[a-z]+$/, "", v); printf "%.2f", v * f }')
  errors=$(echo "$out" | grep -E 'Non-2xx|Socket errors' | tr '\n' ' ' || true)
  [ -z "${VERBOSE:-}" ] || echo "$out"
  if [ -n "${SMOKE:-}" ] && { [ -z "$rps" ] || [ "${rps%%.*}" = "0" ] || [ -n "$errors" ]; }; then
    echo "load.sh: scenario \"$name\" failed: $errors" >&2
    echo "$out" >&2
    exit 1
  fi
  # A full run reports a round that stalled (this machine is shared: its
  # host sometimes stops a vCPU for seconds) and goes on; the medians over
  # the rounds are what count.
  [ -z "$errors" ] || echo "  $name (round $round): $errors" >&2
  echo "$name ${rps:-0} ${p99:-0}" >>"$WORK/results"
}

for round in $(seq 1 "$ROUNDS"); do
  for s in $SCENARIOS; do run "$s"; done
  echo "round $round of $ROUNDS done" >&2
done

# Medians per scenario, and each over the bare server's.
python3 - "$WORK/results" "$SCENARIOS" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
order = sys.argv[2].split()
rps = {s: statistics.median(float(r[1]) for r in rows if r[0] == s) for s in order}
p99 = {s: statistics.median(float(r[2]) for r in rows if r[0] == s) for s in order}
base = rps.get("bare")
print(f"{'scenario':<12} {'req/s':>10} {'p99 ms':>8} {'of bare':>8}")
for s in order:
    ratio = f"{rps[s] / base:.2f}" if base else "-"
    print(f"{s:<12} {rps[s]:>10.0f} {p99[s]:>8.2f} {ratio:>8}")
EOF

# The access log kept a line per request (written off the request path).
kill -TERM "$SEGS_PID"
wait "$SEGS_PID" || { echo "load.sh: segs-server did not stop cleanly" >&2; cat "$WORK/segs.err" >&2; exit 1; }
PIDS=("${PIDS[@]:0:1}")
lines=$(grep -c '^{"time"' "$WORK/segs.out" || true)
dropped=$(sed -n 's/^{"dropped_lines":\([0-9]*\)}$/\1/p' "$WORK/segs.out" | awk '{s += $1} END {print s + 0}')
echo "access log: $lines lines written, $dropped dropped"
