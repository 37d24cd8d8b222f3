#!/usr/bin/env bash
# HTTP throughput of segs-server on loopback, measured with wrk.
#
#   bench/http/load.sh                 # 10 s per scenario, 2 wrk threads, 32 connections
#   DURATION=30s CONNECTIONS=64 bench/http/load.sh
#
# Scenarios: GET /health, an authenticated GET /api/v1/user/profile (the
# script registers, verifies and logs in users through curl and the mail file
# sink first), POST /api/v1/trading/orders (bench/http/orders.lua: a
# prosumer's sells and a consumer's buys, about half of them trading, each
# persisted to the SQLite file before the answer), and the tariffs' hot
# reads: GET /api/v1/tariffs/current and GET /api/v1/tariffs/estimate (300 kWh
# over the default 30 days: 2,880 quarter-hours spread and priced a request)
# against a time-of-use tariff the bootstrap admin creates. Rate limits are off (SEGS_RATE_LIMITS=off): a load test from
# one address would otherwise measure the 429 path.
#
# SMOKE=1: one second per scenario on 4 connections, and a failure (exit 1)
# when a scenario answered anything but 2xx or nothing at all; scripts/test.sh
# runs it so the script keeps working. Its numbers mean nothing.
#
# The server binary: SEGS_SERVER_BIN, else build/release/examples/server/segs-server,
# built here with the release preset when missing. wrk comes from the Debian
# package of that name, installed here when missing.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${SEGS_SERVER_BIN:-$ROOT/build/release/examples/server/segs-server}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
if [ -n "${SMOKE:-}" ]; then DURATION=1s; CONNECTIONS=4; fi

if ! command -v wrk >/dev/null; then
  echo "installing wrk (apt-get)" >&2
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y -q wrk >&2; else sudo apt-get install -y -q wrk >&2; fi
fi
if [ ! -x "$BIN" ]; then
  echo "building segs-server with the release preset" >&2
  (cd "$ROOT" && cmake --preset release >&2 && cmake --build --preset release --target segs-server --parallel "${JOBS:-2}" >&2)
fi

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

ADMIN_EMAIL="bench-admin-$$@example.org"
ADMIN_PASSWORD="Bench-Adm1n-Passw0rd-$$"
SEGS_LISTEN=127.0.0.1:0 SEGS_DB_URL="sqlite:$WORK/segs.db" SEGS_MAIL_SINK="file:$WORK/mail.jsonl" \
  SEGS_REGIONS="north:time_zone=UTC,currency=EUR" SEGS_ADMIN_EMAIL="$ADMIN_EMAIL" \
  SEGS_ADMIN_PASSWORD="$ADMIN_PASSWORD" SEGS_RATE_LIMITS=off "$BIN" >"$WORK/stdout.log" 2>"$WORK/stderr.log" &
SERVER_PID=$!
URL=
for _ in $(seq 1 300); do
  URL=$(sed -n 's/^segs-server listening on \(http:[^ ]*\)$/\1/p' "$WORK/stdout.log")
  [ -n "$URL" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/stderr.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$URL" ] || { echo "segs-server did not start" >&2; exit 1; }

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
post() { curl -sf -H 'Content-Type: application/json' -d "$2" "$URL$1"; }
# Registers, verifies and signs in a user of role $1; prints an access token.
sign_up() {
  local email="bench-$1-$$@example.org" password="Bench-Passw0rd-$$" code
  post /api/v1/auth/register "{\"email\":\"$email\",\"password\":\"$password\",\"name\":\"Bench\",\"region\":\"north\",\"role\":\"$1\"}" >/dev/null
  code=$(grep "\"to\":\"$email\"" "$WORK/mail.jsonl" | tail -1 | json "['code']")
  post /api/v1/auth/verify-otp "{\"email\":\"$email\",\"otp\":\"$code\"}" >/dev/null
  post /api/v1/auth/login "{\"email\":\"$email\",\"password\":\"$password\"}" | json "['data']['access_token']"
}
TOKEN=$(sign_up consumer)
SELL_TOKEN=$(sign_up prosumer)
# A time-of-use tariff for north, in effect since the start of the year.
ADMIN_TOKEN=$(post /api/v1/auth/login "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" |
  json "['data']['access_token']")
curl -sf -H 'Content-Type: application/json' -H "Authorization: Bearer $ADMIN_TOKEN" -d "{
  \"region\": \"north\", \"name\": \"bench TOU\", \"effective_from\": \"$(date -u +%Y)-01-01T00:00:00Z\",
  \"periods\": [{\"name\": \"peak\", \"price_per_kwh\": 0.32}, {\"name\": \"off_peak\", \"price_per_kwh\": 0.12},
                {\"name\": \"night\", \"price_per_kwh\": 0.08}],
  \"schedule\": [{\"period\": \"peak\", \"days\": [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"], \"start\": \"17:00\", \"end\": \"21:00\"},
               {\"period\": \"night\", \"days\": [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\", \"holiday\"],
                \"start\": \"22:00\", \"end\": \"06:00\"}],
  \"default_period\": \"off_peak\", \"fixed_charge_per_day\": 0.5, \"tax_percent\": 19
}" "$URL/api/v1/tariffs" >/dev/null
curl -sf -H "Authorization: Bearer $TOKEN" "$URL/api/v1/user/profile" >/dev/null
# A quarter hour an hour ahead: open for trading for the whole run.
SLOT=$(python3 -c "import datetime as d; n=d.datetime.now(d.timezone.utc); q=n.replace(minute=n.minute//15*15, second=0, microsecond=0)+d.timedelta(hours=1); print(q.strftime('%Y-%m-%dT%H:%M:%SZ'))")

echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "server:  $BIN ($(ps -o nlwp= -p "$SERVER_PID" | tr -d ' ') threads), wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency"
run() {
  local name=$1; shift
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@")
  echo "$out" >>"$WORK/wrk.txt"
  local rps p99 errors
  rps=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  errors=$(echo "$out" | awk -F': *' '/Non-2xx|Socket errors/ {print $0}' | tr '\n' ' ')
  printf '%-28s %10s req/s   p99 %-9s %s\n' "$name" "$rps" "$p99" "$errors"
  [ -z "${VERBOSE:-}" ] || echo "$out"
  if [ -n "${SMOKE:-}" ] && { [ -n "$errors" ] || [ "${rps%%.*}" = "0" ] || [ -z "$rps" ]; }; then
    echo "load.sh: smoke run of \"$name\" failed" >&2
    echo "$out" >&2
    exit 1
  fi
}
run "GET /health" "$URL/health"
run "GET /api/v1/user/profile" -H "Authorization: Bearer $TOKEN" "$URL/api/v1/user/profile"
export SELL_TOKEN BUY_TOKEN=$TOKEN SLOT  # read by orders.lua
run "POST /api/v1/trading/orders" -s "$ROOT/bench/http/orders.lua" "$URL/api/v1/trading/orders"
run "GET /api/v1/tariffs/current" -H "Authorization: Bearer $TOKEN" "$URL/api/v1/tariffs/current"
run "GET /api/v1/tariffs/estimate" -H "Authorization: Bearer $TOKEN" "$URL/api/v1/tariffs/estimate?consumption_kwh=300"
