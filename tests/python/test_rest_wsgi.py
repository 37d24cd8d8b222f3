"""segs.rest.Handler and the WSGI adapter (served by wsgiref, real HTTP)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any, Dict, Iterator, Tuple
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from segs_testlib import FAST, PASSWORD, register_verified

import segs
import segs.rest
import segs.wsgi


def header(headers: list[tuple[str, str]], name: str) -> str:
    return next((v for n, v in headers if n.lower() == name.lower()), "")


def test_health(grid: segs.Grid) -> None:
    api = segs.rest.Handler(grid)
    status, headers, body = api.handle("GET", "/health")
    assert status == 200 and isinstance(body, bytes)
    payload = json.loads(body)
    assert payload["success"] is True and payload["data"]["backend"] == "sqlite"
    assert header(headers, "X-Content-Type-Options") == "nosniff"
    assert header(headers, "X-Request-Id")
    status, headers, _ = api.handle("GET", "/health", {"X-Request-Id": "req-42"})
    assert header(headers, "X-Request-Id") == "req-42"


def test_login_and_profile_through_rest(grid: segs.Grid) -> None:
    register_verified(grid, "ada@example.org")
    api = segs.rest.Handler(grid, rate_limits=False)
    status, _, body = api.handle(
        "POST", "/api/v1/auth/login", [("Content-Type", "application/json")],
        json.dumps({"email": "ada@example.org", "password": PASSWORD}), "203.0.113.7")
    assert status == 200, body
    data = json.loads(body)["data"]
    assert data["token_type"] == "Bearer" and data["user"]["email"] == "ada@example.org"
    # the token works against the library directly, too
    assert grid.identity.authenticate(data["access_token"]).type == "user"

    status, headers, body = api.handle(
        "GET", "/api/v1/user/profile", {"Authorization": "Bearer " + data["access_token"]})
    assert status == 200, body
    assert json.loads(body)["data"]["email"] == "ada@example.org"
    assert header(headers, "Cache-Control") == "no-store"

    status, _, body = api.handle(
        "POST", "/api/v1/auth/login", [("Content-Type", "application/json")],
        b'{"email": "ada@example.org", "password": "wrong password!"}')
    assert status == 401 and json.loads(body)["success"] is False


def test_streamed_csv_export_arrives_whole(grid: segs.Grid) -> None:
    # The export route streams its body; Handler.handle reads it to the end.
    grid.identity.create_user(segs.Principal.system(), email="op@example.org", password=PASSWORD,
                              name="Op", role="operator", region="north")
    api = segs.rest.Handler(grid, rate_limits=False)
    status, _, body = api.handle(
        "POST", "/api/v1/auth/login", [("Content-Type", "application/json")],
        json.dumps({"email": "op@example.org", "password": PASSWORD}))
    assert status == 200, body
    auth = {"Authorization": "Bearer " + json.loads(body)["data"]["access_token"]}
    status, headers, body = api.handle("GET", "/api/v1/billing/export?region=north", auth)
    assert status == 200, body
    assert header(headers, "Content-Type") == "text/csv; charset=utf-8"
    assert body.decode().startswith("number,user_id,email,region,period,") and body.endswith(b"\r\n")


def test_error_answers(grid: segs.Grid) -> None:
    api = segs.rest.Handler(grid, max_body_bytes=64)
    assert api.handle("GET", "/no/such/route")[0] == 404
    status, _, _ = api.handle("POST", "/api/v1/auth/login", {"Content-Type": "application/json"},
                              b"{" + b" " * 100 + b"}")
    assert status == 413
    assert json.loads(api.openapi)["openapi"].startswith("3.1")


def test_rate_limit_options() -> None:
    with segs.Grid.open("sqlite::memory:", **FAST) as grid:
        register_verified(grid, "ada@example.org", department="physics")
        api = segs.rest.Handler(grid, anonymous=(2, 3600))
        statuses = [api.handle("GET", "/api/v1/departments/physics")[0] for _ in range(3)]
        assert statuses[:2] == [200, 200] and statuses[2] == 429
        with pytest.raises(ValueError):
            segs.rest.Handler(grid, anonymous=(1, 2, 3))  # type: ignore[arg-type]


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def server(grid: segs.Grid) -> Iterator[Tuple[str, segs.Grid]]:
    app = segs.rest.wsgi_app(segs.rest.Handler(grid, rate_limits=False))
    httpd: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", grid
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def request(url: str, data: Any = None, headers: Dict[str, str] | None = None
            ) -> Tuple[int, Dict[str, str], Any]:
    body = json.dumps(data).encode() if data is not None else None
    hdrs = dict(headers or {})
    if body is not None:
        hdrs["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=body, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, dict(res.headers), json.loads(res.read())
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read())


def test_wsgi_adapter_over_real_http(server: Tuple[str, segs.Grid]) -> None:
    base, grid = server
    status, headers, payload = request(base + "/health")
    assert status == 200 and payload["data"]["status"] == "ok"
    assert headers["X-Frame-Options"] == "DENY"

    register_verified(grid, "ada@example.org")
    status, _, payload = request(base + "/api/v1/auth/login",
                                 {"email": "ada@example.org", "password": PASSWORD})
    assert status == 200, payload
    token = payload["data"]["access_token"]
    status, _, payload = request(base + "/api/v1/user/profile",
                                 headers={"Authorization": f"Bearer {token}"})
    assert status == 200 and payload["data"]["email"] == "ada@example.org"

    status, _, payload = request(base + "/api/v1/users?page=1&per_page=5",
                                 headers={"Authorization": f"Bearer {token}"})
    assert status == 403 and payload["success"] is False
    status, _, _ = request(base + "/nowhere")
    assert status == 404


def test_wsgi_environ_mapping() -> None:
    calls = []

    class Recorder:
        def handle(self, method: str, target: str, headers: Any, body: bytes, peer: str
                   ) -> Tuple[int, list[tuple[str, str]], bytes]:
            calls.append((method, target, headers, body, peer))
            return 201, [("Content-Type", "text/plain"), ("Connection", "close")], b"made"

    import io
    started = []
    app = segs.wsgi.application(Recorder())  # type: ignore[arg-type]
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/x", "QUERY_STRING": "a=1&b=2",
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": "4",
        "HTTP_AUTHORIZATION": "Bearer t", "HTTP_X_REQUEST_ID": "r1",
        "REMOTE_ADDR": "198.51.100.1", "wsgi.input": io.BytesIO(b"abcdEXTRA"),
    }
    out = app(environ, lambda status, headers: started.append((status, headers)))
    assert b"".join(out) == b"made"
    method, target, headers, body, peer = calls[0]
    assert (method, target, body, peer) == ("POST", "/api/v1/x?a=1&b=2", b"abcd", "198.51.100.1")
    assert ("Authorization", "Bearer t") in headers and ("X-Request-Id", "r1") in headers
    assert ("Content-Type", "application/json") in headers
    status, sent = started[0]
    assert status == "201 Created"
    assert ("Content-Length", "4") in sent and all(n != "Connection" for n, _ in sent)
