#!/usr/bin/env bash
# REST bulk ingestion through segs-server (issue 12, section 7): readings per
# second with 1,000 readings a request to POST /api/v1/telemetry/readings,
# measured with wrk on loopback.
#
#   bench/http/telemetry.sh                     # SQLite file, 10 s, 2 wrk threads, 8 connections
#   DB_URL=postgresql://... bench/http/telemetry.sh
#   bash scripts/with-postgres.sh sh -c 'DB_URL="$SEGS_TEST_PG_URL" bench/http/telemetry.sh'
#   DURATION=30s CONNECTIONS=4 METERS=1000 READINGS_PER_REQUEST=1000 bench/http/telemetry.sh
#
# Setup (not timed): a release segs-server with a bootstrap admin
# (SEGS_ADMIN_EMAIL/PASSWORD), rate limits off, region `north` in UTC; the
# admin signs in and creates METERS meters (HM000000..) through
# POST /api/v1/admin/meters {meter_id, region, capacity_kw}. Then wrk posts
# bench/http/telemetry_readings.lua's requests: READINGS_PER_REQUEST readings
# of one 15-minute timestamp each (one per meter), timestamps walking back
# from the last quarter-hour before the start so that every reading is new.
# The figure is readings accepted per second, from the response bodies'
# `accepted` counts; the run fails (exit 1) when any response was not a 200
# accepting every reading. SMOKE=1: 2 s on 2 connections.
#
# Status: written before the route existed (it was being written on another
# branch); run it once POST /api/v1/telemetry/readings and the admin meter
# route are in segs-server. Not part of scripts/test.sh yet.
#
# The server binary: SEGS_SERVER_BIN, else build/release/examples/server/segs-server,
# built here with the release preset when missing. wrk comes from the Debian
# package of that name.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${SEGS_SERVER_BIN:-$ROOT/build/release/examples/server/segs-server}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-8}
METERS=${METERS:-1000}
READINGS_PER_REQUEST=${READINGS_PER_REQUEST:-1000}
if [ -n "${SMOKE:-}" ]; then DURATION=2s; CONNECTIONS=2; fi

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
DB_URL=${DB_URL:-sqlite:$WORK/segs.db}
SEGS_LISTEN=127.0.0.1:0 SEGS_DB_URL="$DB_URL" SEGS_MAIL_SINK="file:$WORK/mail.jsonl" \
  SEGS_REGIONS="north:time_zone=UTC,currency=EUR" SEGS_ADMIN_EMAIL="$ADMIN_EMAIL" \
  SEGS_ADMIN_PASSWORD="$ADMIN_PASSWORD" SEGS_RATE_LIMITS=off \
  "$BIN" >"$WORK/stdout.log" 2>"$WORK/stderr.log" &
SERVER_PID=$!
URL=
for _ in $(seq 1 300); do
  URL=$(sed -n 's/^segs-server listening on \(http:[^ ]*\)$/\1/p' "$WORK/stdout.log")
  [ -n "$URL" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/stderr.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$URL" ] || { echo "segs-server did not start" >&2; exit 1; }

# Sign in as the admin and create the meters, on one keep-alive connection.
TOKEN=$(URL="$URL" EMAIL="$ADMIN_EMAIL" PASSWORD="$ADMIN_PASSWORD" METERS="$METERS" python3 - <<'EOF'
import http.client, json, os, sys, urllib.parse
u = urllib.parse.urlsplit(os.environ["URL"])
c = http.client.HTTPConnection(u.hostname, u.port)
def call(method, path, body, token=None):
    h = {"Content-Type": "application/json"}
    if token: h["Authorization"] = "Bearer " + token
    c.request(method, path, json.dumps(body), h)
    r = c.getresponse()
    data = r.read()
    if r.status >= 300:
        sys.exit(f"{method} {path}: {r.status} {data[:300]!r}")
    return json.loads(data) if data else None
login = call("POST", "/api/v1/auth/login", {"email": os.environ["EMAIL"], "password": os.environ["PASSWORD"]})
token = (login.get("data") or login)["access_token"]
for i in range(int(os.environ["METERS"])):
    call("POST", "/api/v1/admin/meters", {"meter_id": f"HM{i:06d}", "region": "north", "capacity_kw": 15}, token)
print(token)
EOF
)

# The last quarter-hour before now: timestamps go back from there.
START=$(python3 -c "import time; t=int(time.time()); print(t - t % 900)")
echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "server:  $BIN on ${DB_URL%%:*} ($(ps -o nlwp= -p "$SERVER_PID" | tr -d ' ') threads), $METERS meters, $READINGS_PER_REQUEST readings a request"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -s bench/http/telemetry_readings.lua"
export TOKEN METERS READINGS_PER_REQUEST START THREADS PREFIX=HM
out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$ROOT/bench/http/telemetry_readings.lua" \
  "$URL/api/v1/telemetry/readings")
echo "$out" >"$WORK/wrk.txt"
[ -z "${VERBOSE:-}" ] || echo "$out"
echo "$out" | grep '^telemetry:'
if echo "$out" | grep -q -E 'Non-2xx|Socket errors|not 200 with every reading' || ! echo "$out" | grep -q '^telemetry: [1-9]'; then
  echo "telemetry.sh: the run failed" >&2
  echo "$out" >&2
  exit 1
fi
