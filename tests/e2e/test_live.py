"""End to end: the live channel, segs-server's WebSocket at /api/v1/ws.

A real WebSocket client (the `websockets` package, a test requirement
installed by scripts/test.sh) talks to the real binary: credentials in the
upgrade or in a first `auth` message, one's own notifications pushed as
they are committed, market subscriptions, 4401 after a logout or when no
credentials come in time, and 1,000 idle sockets held while the server
keeps answering. The protocol's finer rules are tested without sockets in
tests/rest/test_live.cpp.
"""

import asyncio
import json
import os
import resource
import time

import pytest

from segs_server_harness import ADMIN_EMAIL, ADMIN_PASSWORD

try:
    import websockets  # noqa: F401
except ImportError:  # pragma: no cover - scripts/test.sh installs it
    if os.environ.get("CI") == "true":
        raise
    pytest.skip("the websockets package is not installed", allow_module_level=True)
from websockets.asyncio.client import connect as async_connect  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

from test_server import _next_slot, _trader, login  # noqa: E402

PASSWORD = "Str0ng-Passw0rd-e2e"


def ws_url(server):
    return server.url.replace("http://", "ws://") + "/api/v1/ws"


def open_ws(server, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else None
    return connect(ws_url(server), additional_headers=headers, proxy=None, open_timeout=10)


def recv_json(ws, timeout=5.0):
    return json.loads(ws.recv(timeout=timeout))


def recv_type(ws, kind, timeout=5.0):
    """The next message of `kind`, skipping others (books, say)."""
    deadline = time.monotonic() + timeout
    while True:
        m = recv_json(ws, max(0.01, deadline - time.monotonic()))
        if m["type"] == kind:
            return m


def close_code(ws, timeout=5.0):
    """Waits for the server to close; answers its close code."""
    deadline = time.monotonic() + timeout
    with pytest.raises(ConnectionClosed) as closed:
        while time.monotonic() < deadline:
            ws.recv(timeout=max(0.01, deadline - time.monotonic()))
    return closed.value.rcvd.code if closed.value.rcvd else None


@pytest.fixture
def live_server(start_server):
    return start_server(
        env={
            "SEGS_ADMIN_EMAIL": ADMIN_EMAIL,
            "SEGS_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "SEGS_RATE_LIMITS": "off",
            "SEGS_LIVE_AUTH_TIMEOUT": "1s",
        }
    )


def test_own_notifications_are_pushed_when_committed(live_server):
    s = live_server
    ada = _trader(s, "consumer")
    bob = _trader(s, "consumer")
    with open_ws(s, ada) as ws:
        hello = recv_json(ws)
        assert hello["type"] == "authenticated" and hello["data"]["role"] == "consumer"
        # Someone else's notification is not pushed here.
        assert s.request("POST", "/api/v1/notifications/test", {}, token=bob).status == 201
        made = s.request("POST", "/api/v1/notifications/test", {"title": "live"}, token=ada)
        assert made.status == 201, made
        pushed = recv_type(ws, "notification")
        assert pushed["data"] == made.json()["data"]  # as the REST answer shows it


def test_auth_message_market_subscription_and_logout(live_server):
    s = live_server
    seller = _trader(s, "prosumer")
    buyer = _trader(s, "consumer")
    slot = _next_slot()
    with open_ws(s) as ws:
        ws.send(json.dumps({"type": "auth", "token": buyer, "id": 1}))
        hello = recv_json(ws)
        assert (hello["type"], hello["id"]) == ("authenticated", 1)
        ws.send(json.dumps({"type": "subscribe", "channel": "market", "region": "north",
                            "delivery_slot": slot}))
        assert recv_json(ws)["type"] == "subscribed"
        assert recv_json(ws)["type"] == "book"
        order = {"side": "sell", "order_type": "limit", "quantity_kwh": 2, "price_per_kwh": 0.2,
                 "delivery_slot": slot}
        assert s.request("POST", "/api/v1/trading/orders", order, token=seller).status == 201
        book = recv_type(ws, "book")
        assert book["data"]["asks"][0]["price_per_kwh"] == 0.2
        buy = dict(order, side="buy", quantity_kwh=1)
        assert s.request("POST", "/api/v1/trading/orders", buy, token=buyer).status == 201
        trade = recv_type(ws, "trade")
        assert (trade["data"]["quantity_kwh"], trade["data"]["delivery_slot"]) == (1, slot)
        # The buyer's fill is also a notification (trading goes to the app).
        assert recv_type(ws, "notification")["data"]["kind"] == "order_filled"

        assert s.request("POST", "/api/v1/auth/logout", {}, token=buyer).status == 200
        assert close_code(ws) == 4401


def test_no_credentials_in_time_or_bad_ones_close_with_4401(live_server):
    s = live_server
    with open_ws(s) as ws:
        assert close_code(ws, timeout=10) == 4401  # SEGS_LIVE_AUTH_TIMEOUT=1s
    with open_ws(s) as ws:
        ws.send(json.dumps({"type": "auth", "token": "forged"}))
        assert close_code(ws) == 4401
    # Bad credentials in the upgrade itself: refused over HTTP.
    with pytest.raises(Exception) as refused:
        open_ws(s, "forged")
    assert "401" in str(refused.value)
    # A plain GET is told to upgrade.
    r = s.request("GET", "/api/v1/ws")
    assert r.status == 400 and r.json()["error"]["details"]["field"] == "Upgrade"


def _raise_fd_limit(wanted):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def test_a_thousand_idle_sockets_are_held_while_the_server_keeps_working(live_server):
    s = live_server
    idle_count = 1000
    assert _raise_fd_limit(idle_count + 200) >= idle_count + 100, "the test needs more descriptors"
    tokens = [_trader(s, "consumer") for _ in range(2)]
    admin = login(s, ADMIN_EMAIL, ADMIN_PASSWORD).json()["data"]["access_token"]

    async def scenario():
        idle = []
        for i in range(idle_count):
            ws = await async_connect(ws_url(s), proxy=None, open_timeout=30, ping_interval=None,
                                     additional_headers={"Authorization": f"Bearer {tokens[i % 2]}"})
            idle.append(ws)
        try:
            for ws in idle[:5]:
                assert json.loads(await ws.recv())["type"] == "authenticated"
            loop = asyncio.get_running_loop()
            health = await loop.run_in_executor(None, s.request, "GET", "/health/ready")
            assert health.status == 200
            metrics = await loop.run_in_executor(None, s.request, "GET", "/metrics")
            assert f"segs_live_connections {idle_count}" in metrics.body.decode()
            stats = await loop.run_in_executor(
                None, lambda: s.request("GET", "/api/v1/admin/health", token=admin))
            assert stats.status == 200
            # A push still reaches one of them, and every socket of that user.
            made = await loop.run_in_executor(
                None, lambda: s.request("POST", "/api/v1/notifications/test", {}, token=tokens[0]))
            assert made.status == 201
            ws = idle[0]
            while True:
                m = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if m["type"] == "notification":
                    break
            return len(idle)
        finally:
            await asyncio.gather(*(ws.close() for ws in idle), return_exceptions=True)

    assert asyncio.run(scenario()) == idle_count
