"""End to end: the segs-server binary over real HTTP.

Each test drives the server the way a client or an operator would: HTTP
requests, the mail file sink for one-time codes, signals, stdout and exit
statuses.
"""

import csv
import io
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time

from segs_server_harness import ADMIN_EMAIL, ADMIN_PASSWORD, require_binary

_seq = itertools.count()


def new_email(tag):
    return f"{tag}-{os.getpid()}-{next(_seq)}@example.org"


def register_verified(server, email, password="Str0ng-Passw0rd-e2e"):
    r = server.request(
        "POST",
        "/api/v1/auth/register",
        {"email": email, "password": password, "name": "E2E User", "region": "north"},
    )
    assert r.status in (200, 201), r
    code = server.mail(email, "verify_email")["code"]
    r = server.request("POST", "/api/v1/auth/verify-otp", {"email": email, "otp": code})
    assert r.status == 200, r
    return password


def login(server, email, password):
    return server.request("POST", "/api/v1/auth/login", {"email": email, "password": password})


def error_code(response):
    body = response.json()
    assert body["success"] is False
    return body["error"]["code"]


def test_account_lifecycle_register_verify_login_refresh_logout(server):
    email = new_email("life")
    password = register_verified(server, email)

    mail = server.mail(email, "verify_email")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", mail["created_at"]), mail
    assert mail["subject"] and mail["to"] == email

    r = login(server, email, password)
    assert r.status == 200, r
    tokens = r.json()["data"]
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] > 0
    assert tokens["user"]["email"] == email

    r = server.request("GET", "/api/v1/user/profile", token=tokens["access_token"])
    assert r.status == 200, r
    assert email in json.dumps(r.json()["data"])
    assert r.headers.get("Cache-Control") == "no-store"

    # Rotation: a new refresh token; the old one is now spent.
    r = server.request("POST", "/api/v1/auth/refresh-token", {"refresh_token": tokens["refresh_token"]})
    assert r.status == 200, r
    rotated = r.json()["data"]
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert rotated["access_token"] != tokens["access_token"]

    # Reuse of the spent token: refused, and it ends the whole session, so
    # the token it was rotated into is refused as well.
    r = server.request("POST", "/api/v1/auth/refresh-token", {"refresh_token": tokens["refresh_token"]})
    assert r.status == 401, r
    r = server.request("POST", "/api/v1/auth/refresh-token", {"refresh_token": rotated["refresh_token"]})
    assert r.status == 401, r

    # A fresh session, then logout: its access token stops working at once.
    r = login(server, email, password)
    assert r.status == 200, r
    access = r.json()["data"]["access_token"]
    assert server.request("GET", "/api/v1/user/profile", token=access).status == 200
    r = server.request("POST", "/api/v1/auth/logout", token=access)
    assert r.status == 200, r
    r = server.request("GET", "/api/v1/user/profile", token=access)
    assert r.status == 401, r
    assert error_code(r) == "UNAUTHORIZED"


def test_forgot_and_reset_password_with_the_mailed_code(server):
    email = new_email("reset")
    old = register_verified(server, email)
    new = "N3w-Passw0rd-after-reset"

    r = server.request("POST", "/api/v1/auth/forgot-password", {"email": email})
    assert r.status == 200, r
    code = server.mail(email, "reset_password")["code"]
    r = server.request(
        "POST", "/api/v1/auth/reset-password", {"email": email, "otp": code, "new_password": new}
    )
    assert r.status == 200, r

    assert login(server, email, new).status == 200
    assert login(server, email, old).status == 401


def test_lockout_after_five_wrong_passwords(server):
    email = new_email("lock")
    password = register_verified(server, email)
    statuses = [login(server, email, f"Wrong-passw0rd-{i}").status for i in range(4)]
    assert statuses == [401, 401, 401, 401]

    r = login(server, email, "Wrong-passw0rd-5")  # the fifth failure locks
    assert r.status == 429, r
    assert error_code(r) == "ACCOUNT_LOCKED"
    assert int(r.headers["Retry-After"]) > 0

    # Locked means locked: the right password is refused too.
    r = login(server, email, password)
    assert r.status == 429, r
    assert int(r.headers["Retry-After"]) > 0


def test_admin_from_environment_can_log_in(server):
    r = login(server, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert r.status == 200, r
    assert r.json()["data"]["user"]["role"] == "admin"
    assert "created admin" in server.stderr()


def test_signing_key_is_kept_beside_the_database_owner_only(server):
    key = server.dir / "db" / "segs-signing.key"
    assert key.exists()
    assert key.stat().st_mode & 0o777 == 0o600
    assert re.fullmatch(r"[0-9a-f]{64}\n", key.read_text())


def test_cors_preflight_allowed_and_refused_origins(server):
    r = server.request(
        "OPTIONS",
        "/api/v1/auth/login",
        headers={
            "Origin": "https://ops.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert r.status == 204, r
    assert r.headers.get("Access-Control-Allow-Origin") == "https://ops.example.org"
    assert "POST" in r.headers.get("Access-Control-Allow-Methods", "")

    r = server.request(
        "OPTIONS",
        "/api/v1/auth/login",
        headers={"Origin": "https://evil.example.net", "Access-Control-Request-Method": "POST"},
    )
    assert r.headers.get("Access-Control-Allow-Origin") is None, r


def test_access_log_is_json_without_secrets(server):
    email = new_email("log")
    password = register_verified(server, email)
    tokens = login(server, email, password).json()["data"]
    secret_query = "token=query-secret-value-123"
    server.request("GET", f"/api/v1/user/profile?{secret_query}", token=tokens["access_token"])
    server.request("GET", "/health", headers={"X-Request-Id": "e2e-request-id-42"})
    code = server.mail(email, "verify_email")["code"]

    # The log is written by its own thread, a batch at a time (about every
    # 100 ms): wait for the lines rather than expect them at once.
    def read_entries():
        text = server.stdout()
        return text, [json.loads(line) for line in text.splitlines() if line.startswith("{")]

    deadline = time.monotonic() + 5
    text, entries = read_entries()
    while time.monotonic() < deadline and not any(
        e["request_id"] == "e2e-request-id-42" for e in entries
    ):
        time.sleep(0.02)
        text, entries = read_entries()
    assert entries, text
    for e in entries:
        assert set(e) == {"time", "method", "route", "status", "duration_ms", "request_id", "peer"}
        assert isinstance(e["status"], int) and isinstance(e["duration_ms"], (int, float))
        assert e["peer"] == "127.0.0.1"
    assert any(e["route"] == "/api/v1/user/profile" and e["status"] == 200 for e in entries)
    assert any(e["request_id"] == "e2e-request-id-42" and e["route"] == "/health" for e in entries)
    for secret in (tokens["access_token"], tokens["refresh_token"], password, secret_query, f'"{code}"'):
        assert secret not in text


def test_body_over_the_limit_answers_413_envelope(start_server):
    s = start_server({"SEGS_MAX_BODY_BYTES": "1024"})
    big = json.dumps({"name": "x" * 4000}).encode()
    r = s.request("PUT", "/api/v1/user/profile", raw=big)
    assert r.status == 413, r
    body = r.json()
    assert body["success"] is False and body["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert "timestamp" in body
    # Under the limit the request reaches the handler (no token: 401).
    r = s.request("PUT", "/api/v1/user/profile", raw=json.dumps({"name": "y" * 900}).encode())
    assert r.status == 401, r


def test_auth_route_rate_limit_from_environment(start_server):
    s = start_server({"SEGS_RATE_LIMIT_AUTH": "3/1h"})
    answers = [login(s, new_email("rl"), "Wrong-passw0rd-1") for _ in range(4)]
    assert [a.status for a in answers[:3]] == [401, 401, 401]
    assert answers[3].status == 429, answers[3]
    assert error_code(answers[3]) == "RATE_LIMITED"
    assert int(answers[3].headers["Retry-After"]) > 0


def test_bad_configuration_exits_2_naming_the_variable(tmp_path):
    binary = require_binary()
    cases = {
        "SEGS_LISTEN": "no-port-here",
        "JWT_ACCESS_EXPIRY": "15 minutes",
        "SEGS_MAIL_SINK": "smtp://mail",
        "SEGS_RATE_LIMIT_AUTH": "ten/1h",
        "SEGS_MAX_BODY_BYTES": "-1",
        "SEGS_DEV_MODE": "maybe",
    }
    for var, value in cases.items():
        env = {"PATH": os.environ.get("PATH", ""), var: value, "SEGS_DB_URL": "sqlite::memory:"}
        p = subprocess.run([binary], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30)
        assert p.returncode == 2, (var, p.stderr)
        assert var in p.stderr, p.stderr
    p = subprocess.run([binary, "--no-such-flag"], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "--no-such-flag" in p.stderr


def test_seed_demo_users_can_log_in_and_are_not_reseeded(start_server):
    s = start_server(args=["--seed-demo"])
    creds = dict(re.findall(r"^demo user: role=\w+ email=(\S+) password=(\S+)$", s.stdout(), re.M))
    roles = re.findall(r"^demo user: role=(\w+)", s.stdout(), re.M)
    assert roles == ["consumer", "prosumer", "operator", "admin"]
    for email, password in creds.items():
        r = login(s, email, password)
        assert r.status == 200, (email, r)
        assert r.json()["data"]["user"]["role"] == email.split("-")[1].split("@")[0]


def _raw_exchange(port, payload, sent, results, index):
    """Sends `payload` on a new connection, signals `sent`, then reads the
    whole answer (the request asks the server to close after it)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(payload)
            sent.release()
            chunks = []
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                chunks.append(data)
        results[index] = b"".join(chunks)
    except OSError as e:
        results[index] = e


def _parse(raw):
    head, sep, body = raw.partition(b"\r\n\r\n")
    assert sep, raw
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
    assert len(body) == int(headers["content-length"]), raw
    return status, json.loads(body)


def test_sigterm_finishes_requests_in_flight_and_exits_0(start_server):
    s = start_server({"SEGS_RATE_LIMITS": "off"})
    # An idle keep-alive connection must not hold the shutdown up.
    idle = socket.create_connection(("127.0.0.1", s.port), timeout=30)

    n = 10  # logins: each costs an argon2 hash, so they queue on 2 threads
    sent = threading.Semaphore(0)
    results = [None] * n
    threads = []
    for i in range(n):
        body = json.dumps({"email": f"ghost{i}@example.org", "password": "Wrong-passw0rd-x"}).encode()
        payload = (
            f"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        t = threading.Thread(target=_raw_exchange, args=(s.port, payload, sent, results, i))
        t.start()
        threads.append(t)
    for _ in range(n):
        assert sent.acquire(timeout=10)
    time.sleep(0.1)
    answered_before_signal = sum(r is not None for r in results)
    signal_time = time.monotonic()
    s.proc.send_signal(signal.SIGTERM)

    for t in threads:
        t.join(timeout=60)
    assert s.proc.wait(timeout=30) == 0, s.stderr()
    assert time.monotonic() - signal_time < 15  # the idle connection did not wait for its timeout
    assert answered_before_signal < n, "the requests were not in flight at the signal"
    for raw in results:
        assert isinstance(raw, bytes), raw
        status, body = _parse(raw)
        assert status == 401 and body["error"]["code"] == "UNAUTHORIZED", body
    assert idle.recv(1) == b""  # closed by the server, not reset
    idle.close()
    assert "stopped" in s.stderr()
    # Every answered request has its access-log line: the log's buffer was
    # written out before the exit.
    logged = [
        json.loads(line) for line in s.stdout().splitlines() if line.startswith('{"time"')
    ]
    assert sum(e["route"] == "/api/v1/auth/login" and e["status"] == 401 for e in logged) == n
    # After the stop nothing listens any more.
    try:
        socket.create_connection(("127.0.0.1", s.port), timeout=2).close()
        raise AssertionError("the port still accepts connections")
    except ConnectionRefusedError:
        pass


def _trader(server, role):
    email = new_email(role)
    password = "Str0ng-Passw0rd-e2e"
    r = server.request(
        "POST",
        "/api/v1/auth/register",
        {"email": email, "password": password, "name": "Trader", "region": "north", "role": role},
    )
    assert r.status in (200, 201), r
    code = server.mail(email, "verify_email")["code"]
    assert server.request("POST", "/api/v1/auth/verify-otp", {"email": email, "otp": code}).status == 200
    return login(server, email, password).json()["data"]["access_token"]


def _next_slot(minutes_ahead=60):
    now = time.time()
    q = 15 * 60
    start = (int(now) // q) * q + minutes_ahead * 60
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start))


def test_market_defaults_from_configuration_and_an_epoch_clearing(start_server):
    s = start_server(
        env={
            "SEGS_MARKET_MECHANISM": "epoch",
            "SEGS_MARKET_TICK": "0.01",
            "SEGS_MARKET_FEE_PERCENT": "0.5",
            "SEGS_ADMIN_EMAIL": ADMIN_EMAIL,
            "SEGS_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "SEGS_RATE_LIMITS": "off",
        }
    )
    seller = _trader(s, "prosumer")
    buyer = _trader(s, "consumer")
    admin = login(s, ADMIN_EMAIL, ADMIN_PASSWORD).json()["data"]["access_token"]

    markets = s.request("GET", "/api/v1/trading/markets", token=buyer).json()["data"]
    north = [m for m in markets if m["region"] == "north"][0]
    assert (north["mechanism"], north["tick"], north["fee_percent"]) == ("epoch", 0.01, 0.5)

    slot = _next_slot()
    order = {"side": "sell", "order_type": "limit", "quantity_kwh": 2, "price_per_kwh": 0.2,
             "delivery_slot": slot}
    r = s.request("POST", "/api/v1/trading/orders", order, token=seller)
    assert r.status == 201, r
    off_tick = dict(order, side="buy", price_per_kwh=0.255)
    r = s.request("POST", "/api/v1/trading/orders", off_tick, token=buyer)
    assert r.status == 400 and r.json()["error"]["details"]["field"] == "price_per_kwh", r
    r = s.request("POST", "/api/v1/trading/orders", dict(order, side="buy", price_per_kwh=0.3), token=buyer)
    assert r.status == 201 and r.json()["data"]["trades"] == [], r  # epoch: nothing matches yet

    r = s.request("POST", "/api/v1/trading/clear", {"region": "north", "delivery_slot": slot}, token=admin)
    assert r.status == 200, r
    cleared = r.json()["data"]
    assert (cleared["mechanism"], cleared["clearing_price"], cleared["cleared_kwh"]) == ("epoch", 0.25, 2)
    history = s.request("GET", "/api/v1/trading/history", token=buyer).json()["data"]
    [trade] = history["trades"] if "trades" in history else history["items"]
    assert (trade["price_per_kwh"], trade["quantity_kwh"], trade["fee"]) == (0.25, 2, 0.0025)


def test_bad_market_configuration_is_refused_naming_the_variable(start_server, tmp_path):
    proc = subprocess.run(
        [require_binary(), "--market-slot-minutes", "7", "--db-url", "sqlite::memory:"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert "SEGS_MARKET" in proc.stderr and "slot_minutes" in proc.stderr
    proc = subprocess.run(
        [require_binary(), "--market-projection-batch", "0", "--db-url", "sqlite::memory:"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert "SEGS_MARKET_PROJECTION_BATCH" in proc.stderr


def test_market_settings_per_region_from_configuration(start_server):
    s = start_server(env={"SEGS_MARKET_REGIONS": "south:mechanism=epoch,tick=0.01,fee_percent=0.25; east:self_trade_prevention=cancel_both"})
    token = _trader(s, "consumer")
    markets = {m["region"]: m for m in s.request("GET", "/api/v1/trading/markets", token=token).json()["data"]}
    assert (markets["south"]["mechanism"], markets["south"]["tick"], markets["south"]["fee_percent"]) == ("epoch", 0.01, 0.25)
    assert markets["south"]["configured"] is True
    assert markets["east"]["self_trade_prevention"] == "cancel_both"
    assert markets["north"]["mechanism"] == "continuous"  # the users' region, under the defaults


def test_bad_per_region_market_settings_are_refused():
    for spec, words in (("south:colour=blue", "colour"), ("south:slot_minutes=7", "slot_minutes"),
                        ("south", "REGION:key=value")):
        proc = subprocess.run(
            [require_binary(), "--market-regions", spec, "--db-url", "sqlite::memory:"],
            capture_output=True, text=True, timeout=60,
        )
        assert proc.returncode == 2, (spec, proc.stderr)
        assert "SEGS_MARKET_REGIONS" in proc.stderr and words in proc.stderr, (spec, proc.stderr)


def test_regions_from_configuration_and_the_default_region(start_server):
    s = start_server(env={"SEGS_REGIONS": "berlin:time_zone=Europe/Berlin,currency=EUR,name=Berlin;"
                                          "north:time_zone=UTC,currency=EUR",
                          "SEGS_DEFAULT_REGION": "berlin",
                          "SEGS_ADMIN_EMAIL": ADMIN_EMAIL, "SEGS_ADMIN_PASSWORD": ADMIN_PASSWORD})
    email = new_email("region")
    r = s.request("POST", "/api/v1/auth/register",
                  {"email": email, "password": "Str0ng-Passw0rd-e2e", "name": "No Region"})
    assert r.status == 201, r
    assert r.json()["data"]["region"] == "berlin"
    r = s.request("POST", "/api/v1/auth/register",
                  {"email": new_email("lost"), "password": "Str0ng-Passw0rd-e2e", "name": "Lost",
                   "region": "atlantis"})
    assert r.status == 400 and r.json()["error"]["details"]["field"] == "region", r
    admin = login(s, ADMIN_EMAIL, ADMIN_PASSWORD).json()["data"]["access_token"]
    listed = s.request("GET", "/api/v1/regions", token=admin).json()["data"]
    assert listed["default_region"] == "berlin"
    berlin = [g for g in listed["regions"] if g["code"] == "berlin"][0]
    assert (berlin["time_zone"], berlin["currency"], berlin["name"]) == ("Europe/Berlin", "EUR", "Berlin")
    r = s.request("PUT", "/api/v1/regions/ny", {"time_zone": "America/New_York", "currency": "USD",
                                                "nominal_voltage_v": 120}, token=admin)
    assert r.status == 201, r
    assert s.request("GET", "/api/v1/regions/ny", token=admin).json()["data"]["nominal_voltage_v"] == 120


def test_bad_regions_are_refused_naming_the_variable():
    for args, words in ((["--regions", "x:time_zone=Mars/Base,currency=EUR"], ("SEGS_REGIONS", "time_zone")),
                        (["--regions", "x:colour=red"], ("SEGS_REGIONS", "colour")),
                        (["--default-region", "nowhere"], ("SEGS_DEFAULT_REGION", "nowhere"))):
        proc = subprocess.run([require_binary(), *args, "--db-url", "sqlite::memory:"],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2, (args, proc.stderr)
        assert all(w in proc.stderr for w in words), (args, proc.stderr)


_P2P_ROLES = [
    {"name": "student", "permissions": ["profile:read", "profile:write", "trade:buy", "telemetry:read"],
     "scope": "self", "self_service": True},
    {"name": "faculty", "permissions": ["profile:read", "profile:write", "trade:buy", "trade:sell", "telemetry:read"],
     "scope": "self", "self_service": True},
    {"name": "staff", "permissions": ["profile:read", "profile:write", "users:read"], "scope": "department"},
]


def test_roles_from_configuration_let_users_register_as_student(start_server, tmp_path):
    s = start_server({"SEGS_ROLES": json.dumps(_P2P_ROLES),
                      "SEGS_ADMIN_EMAIL": ADMIN_EMAIL, "SEGS_ADMIN_PASSWORD": ADMIN_PASSWORD})
    email = new_email("student")
    r = s.request("POST", "/api/v1/auth/register",
                  {"email": email, "password": "Str0ng-Passw0rd-e2e", "first_name": "Stu",
                   "last_name": "Dent", "region": "north", "role": "student"})
    assert r.status == 201, r
    user = r.json()["data"]
    assert (user["role"], user["name"], user["first_name"], user["last_name"]) == ("student", "Stu Dent", "Stu", "Dent")
    # staff is not self-service: refused naming the field.
    r = s.request("POST", "/api/v1/auth/register",
                  {"email": new_email("staff"), "password": "Str0ng-Passw0rd-e2e", "name": "S",
                   "region": "north", "role": "staff"})
    assert r.status == 400 and r.json()["error"]["details"]["field"] == "role", r
    # The admin sees them through the roles route.
    admin = login(s, ADMIN_EMAIL, ADMIN_PASSWORD).json()["data"]["access_token"]
    roles = {x["name"]: x for x in s.request("GET", "/api/v1/admin/roles", token=admin).json()["data"]}
    assert {"student", "faculty", "staff", "consumer", "admin"} <= roles.keys()
    assert roles["staff"]["scope"] == "department" and roles["staff"]["self_service"] is False
    assert roles["student"]["builtin"] is False and roles["admin"]["builtin"] is True

    # The same from a file (the SEGS seed's single role).
    path = tmp_path / "roles.json"
    path.write_text(json.dumps([{"name": "user", "permissions": ["profile:read", "profile:write"],
                                 "scope": "self", "self_service": True}]))
    s2 = start_server({"SEGS_ROLES": str(path)})
    r = s2.request("POST", "/api/v1/auth/register",
                   {"email": new_email("user"), "name": "U", "region": "north", "role": "user"})
    assert r.status == 201, r


def test_bad_roles_configuration_exits_2_naming_the_variable(tmp_path):
    cases = (
        ("not json", "SEGS_ROLES"),
        ('{"name":"x"}', "array"),
        ('[{"name":"x","permissions":["profile:read"],"scope":"galaxy"}]', "scope"),
        ('[{"name":"admin","permissions":[],"scope":"self"}]', "admin"),
        ('[{"name":"x","permissions":["root:all"],"scope":"self"}]', "permissions"),
    )
    for value, word in cases:
        proc = subprocess.run(
            [require_binary(), "--roles", value, "--db-url", "sqlite::memory:"],
            cwd=tmp_path, capture_output=True, text=True, timeout=60,
        )
        assert proc.returncode == 2, (value, proc.stderr)
        assert "SEGS_ROLES" in proc.stderr and word in proc.stderr, (value, proc.stderr)


def test_health_under_the_api_base_path(server):
    plain = server.request("GET", "/health")
    based = server.request("GET", "/api/v1/health")
    assert based.status == plain.status == 200
    assert based.json()["data"] == plain.json()["data"]


def test_bulk_readings_from_a_head_end_then_history_under_a_raw_retention(start_server):
    s = start_server(env={"SEGS_ADMIN_EMAIL": ADMIN_EMAIL, "SEGS_ADMIN_PASSWORD": ADMIN_PASSWORD,
                          "SEGS_RATE_LIMITS": "off", "SEGS_TELEMETRY_RAW_RETENTION_HOURS": "1",
                          "SEGS_DUE_WORK_INTERVAL_MS": "100"})
    admin = login(s, ADMIN_EMAIL, ADMIN_PASSWORD).json()["data"]["access_token"]
    email = new_email("meter-owner")
    password = register_verified(s, email)
    signed_in = login(s, email, password).json()["data"]
    owner, owner_id = signed_in["access_token"], signed_in["user"]["id"]
    r = s.request("POST", "/api/v1/admin/meters",
                  {"meter_id": "SM_E2E_001", "region": "north", "capacity_kw": 10, "user_id": owner_id},
                  token=admin)
    assert r.status == 201, r
    r = s.request("POST", "/api/v1/admin/api-keys", {"name": "head-end", "scopes": ["telemetry:write"]},
                  token=admin)
    assert r.status == 201, r
    head_end = {"X-API-Key": r.json()["data"]["api_key"]}

    # Quarter-hours ending in the last hour and two ending 2-3 hours ago,
    # past the 1 hour raw retention (refused: their raw rows would already be
    # gone, so a repeat could not be recognised), plus one bad row: rows are
    # independent.
    base = int(time.time()) // 900 * 900
    stamps = [base - k * 900 for k in (3, 2, 1, 0)]
    iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    rows = [{"meter_id": "SM_E2E_001", "timestamp": iso(t), "energy_consumed_kwh": 0.25,
             "energy_produced_kwh": 0, "voltage": 230.1} for t in stamps]
    rows += [{"meter_id": "SM_E2E_001", "timestamp": iso(base - k * 900), "energy_consumed_kwh": 0.25,
              "energy_produced_kwh": 0} for k in (12, 11)]
    rows.append({"meter_id": "SM_E2E_001", "timestamp": iso(base), "energy_consumed_kwh": 0.0001,
                 "energy_produced_kwh": 0})
    r = s.request("POST", "/api/v1/telemetry/readings", {"readings": rows}, headers=head_end)
    assert r.status == 200, r
    report = r.json()["data"]
    assert (report["accepted"], report["duplicates"]) == (4, 0), report
    assert [(x["index"], x["field"], x["code"]) for x in report["rejected"]] == [
        (4, "timestamp", "VALIDATION_ERROR"), (5, "timestamp", "VALIDATION_ERROR"),
        (6, "energy_consumed_kwh", "VALIDATION_ERROR")], report

    # The server runs its due work (raw retention) on its timer; what it
    # keeps is listed raw, and the owner's history has every reading.
    start = iso(base - 4 * 3600)
    raw = s.request("GET", f"/api/v1/meters/SM_E2E_001/readings?start={start}", token=owner)
    assert raw.status == 200, raw
    assert [x["timestamp"] for x in raw.json()["data"]["readings"]] == [iso(t) for t in stamps]

    r = s.request("GET", f"/api/v1/telemetry/my-meter/history?start={start}&interval=1h", token=owner)
    assert r.status == 200, r
    history = r.json()["data"]
    assert (history["meter_id"], history["interval"]) == ("SM_E2E_001", "1h")
    assert sum(b["consumed_kwh"] for b in history["buckets"]) == 1.0
    assert sum(b["reading_count"] for b in history["buckets"]) == 4
    assert all(b["voltage_avg"] == 230.1 for b in history["buckets"])
    r = s.request("GET", f"/api/v1/telemetry/meters/SM_E2E_001/history?start={start}&interval=15m",
                  token=admin)
    assert r.status == 200 and len(r.json()["data"]["buckets"]) == 4, r


def test_bad_telemetry_retention_is_refused_naming_the_variable():
    proc = subprocess.run(
        [require_binary(), "--telemetry-raw-retention-hours", "0", "--db-url", "sqlite::memory:"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert "SEGS_TELEMETRY_RAW_RETENTION_HOURS" in proc.stderr


def test_billing_csv_export_is_streamed_chunked_and_whole_for_http_1_0(start_server):
    """GET /api/v1/billing/export: Transfer-Encoding: chunked over HTTP/1.1,
    Content-Length over HTTP/1.0, and a refusal answered as an envelope."""
    s = start_server(env={"SEGS_ADMIN_EMAIL": ADMIN_EMAIL, "SEGS_ADMIN_PASSWORD": ADMIN_PASSWORD,
                          "SEGS_RATE_LIMITS": "off"})
    admin = login(s, ADMIN_EMAIL, ADMIN_PASSWORD).json()["data"]["access_token"]
    email = new_email("billed")
    consumer = login(s, email, register_verified(s, email)).json()["data"]["access_token"]
    # No meters, no tariff: the export has its header row only, still streamed
    # (the conformance and REST suites check the rows themselves).
    path = "/api/v1/billing/export?region=north"
    r = s.request("GET", path, token=admin)  # http.client decodes the chunks
    assert r.status == 200, r
    assert r.headers.get("Content-Type") == "text/csv; charset=utf-8"
    assert r.headers.get("Transfer-Encoding") == "chunked" and r.headers.get("Content-Length") is None
    rows = list(csv.reader(io.StringIO(r.body.decode())))
    assert rows[0] == ["number", "user_id", "email", "region", "period", "issued_at", "due_at", "status",
                       "subtotal", "tax", "total", "amount_paid", "amount_due"]
    assert rows[1:] == [], rows

    # HTTP/1.0 has no chunked coding: the same body, whole, with its length.
    with socket.create_connection(("127.0.0.1", s.port), timeout=30) as sock:
        sock.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {admin}\r\n\r\n"
                     .encode())
        raw = b""
        while data := sock.recv(65536):
            raw += data
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200") and b"chunked" not in head.lower(), head
    assert body == r.body and f"content-length: {len(body)}".encode() in head.lower(), head

    # A refusal is answered before any body: status and envelope.
    r = s.request("GET", path, token=consumer)
    assert r.status == 403 and error_code(r) == "FORBIDDEN", r


def test_dev_mode_seeds_demo_data_whose_users_log_in_and_is_403_without_it(start_server):
    admin_env = {"SEGS_ADMIN_EMAIL": ADMIN_EMAIL, "SEGS_ADMIN_PASSWORD": ADMIN_PASSWORD}
    s = start_server(env={**admin_env, "SEGS_DEV_MODE": "on"})
    token = login(s, ADMIN_EMAIL, ADMIN_PASSWORD).json()["data"]["access_token"]
    r = s.request("POST", "/api/v1/admin/data/seed", {"seed": 1, "users": 2, "days": 1}, token=token)
    assert r.status == 201, r
    data = r.json()["data"]
    assert data["created"]["users"] == 5 and data["created"]["readings"] == 2 * 96
    creds = data["credentials"]
    assert {c["role"] for c in creds} == {"admin", "operator", "prosumer", "consumer"}
    for c in creds:
        answer = login(s, c["email"], c["password"])
        assert answer.status == 200, (c["email"], answer)
        assert answer.json()["data"]["user"]["role"] == c["role"]
    r = s.request("POST", "/api/v1/admin/data/seed", {"users": 0}, token=token)
    assert r.status == 400 and r.json()["error"]["details"]["field"] == "users", r
    s.close()

    off = start_server(env=admin_env)
    token = login(off, ADMIN_EMAIL, ADMIN_PASSWORD).json()["data"]["access_token"]
    r = off.request("POST", "/api/v1/admin/data/seed", {"users": 1, "days": 0}, token=token)
    assert r.status == 403, r
    assert error_code(r) == "FORBIDDEN"
    assert off.request("POST", "/api/v1/admin/data/seed", {}).status == 401
