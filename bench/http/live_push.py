#!/usr/bin/env python3
"""Push latency and fan-out of segs-server's live channel (/api/v1/ws).

    build/venv/bin/python bench/http/live_push.py            # release build
    SEGS_SERVER_BIN=build/dev/examples/server/segs-server SOCKETS=200 ... live_push.py

Starts the server on loopback (a temporary SQLite file, rate limits off),
then measures, with the `websockets` client:

1. notification: N times, a user POSTs /api/v1/notifications/test while
   its socket listens; the push latency is the time from sending the POST
   to receiving the pushed notification, next to the POST's own answer
   time measured in the same round (the baseline: what a client polling
   right after the commit would wait). The event is published after the
   commit, inside the request, so a push can arrive before the answer.
2. fan-out: SOCKETS sockets (default 1,000) subscribe to one market slot;
   a trade is made by POST; the time from sending the POST to its `trade`
   message at the last of the sockets, N/20 times (at least 5).
3. held: the SOCKETS idle sockets are still open and answered a ping at
   the end (clients held).

Prints a small Markdown table (ms, p50/p99) for docs/benchmarks.md.
"""

import asyncio
import json
import os
import pathlib
import resource
import statistics
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from segs_server_harness import ADMIN_EMAIL, ADMIN_PASSWORD, Server  # noqa: E402

from websockets.asyncio.client import connect  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "200"))
SOCKETS = int(os.environ.get("SOCKETS", "1000"))
PASSWORD = "Str0ng-Passw0rd-bench"


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def trader(s, role, i):
    email = f"bench-{role}-{i}-{os.getpid()}@example.org"
    r = s.request("POST", "/api/v1/auth/register",
                  {"email": email, "password": PASSWORD, "name": "Bench", "region": "north",
                   "role": role})
    assert r.status in (200, 201), r
    code = s.mail(email, "verify_email")["code"]
    assert s.request("POST", "/api/v1/auth/verify-otp", {"email": email, "otp": code}).status == 200
    r = s.request("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
    return r.json()["data"]["access_token"]


def next_slot(minutes_ahead=60):
    q = 15 * 60
    start = (int(time.time()) // q) * q + minutes_ahead * 60
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start))


def post(s, path, body, token):
    data = json.dumps(body).encode()
    req = urllib.request.Request(s.url + path, data=data, method="POST",
                                 headers={"Content-Type": "application/json",
                                          "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        r.read()
        return r.status


async def wait_for(ws, kind):
    while True:
        m = json.loads(await ws.recv())
        if m["type"] == kind:
            return m


async def notification_latency(s, token):
    loop = asyncio.get_running_loop()
    push, answer = [], []
    async with connect(s.url.replace("http", "ws", 1) + "/api/v1/ws", proxy=None,
                       additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        await wait_for(ws, "authenticated")
        for _ in range(ROUNDS):
            t0 = time.perf_counter()
            fut = loop.run_in_executor(None, post, s, "/api/v1/notifications/test", {}, token)
            await wait_for(ws, "notification")
            t1 = time.perf_counter()
            assert await fut == 201
            t2 = time.perf_counter()
            push.append((t1 - t0) * 1000)
            answer.append((t2 - t0) * 1000)
    return push, answer


async def fan_out(s, seller, buyer, watchers):
    loop = asyncio.get_running_loop()
    slot = next_slot()
    url = s.url.replace("http", "ws", 1) + "/api/v1/ws"
    socks = []
    for i in range(SOCKETS):
        ws = await connect(url, proxy=None, ping_interval=None, open_timeout=60,
                           additional_headers={"Authorization": f"Bearer {watchers[i % len(watchers)]}"})
        socks.append(ws)
    try:
        for ws in socks:
            await wait_for(ws, "authenticated")
            await ws.send(json.dumps({"type": "subscribe", "channel": "market", "region": "north",
                                      "delivery_slot": slot}))
            await wait_for(ws, "book")
        last = []
        rounds = max(5, ROUNDS // 20)
        for _ in range(rounds):
            order = {"side": "sell", "order_type": "limit", "quantity_kwh": 1,
                     "price_per_kwh": 0.2, "delivery_slot": slot}
            assert await loop.run_in_executor(None, post, s, "/api/v1/trading/orders", order, seller) == 201
            t0 = time.perf_counter()
            buy = dict(order, side="buy")
            fut = loop.run_in_executor(None, post, s, "/api/v1/trading/orders", buy, buyer)
            times = await asyncio.gather(*(wait_for(ws, "trade") for ws in socks))
            assert len(times) == len(socks)
            t_last = time.perf_counter()
            assert await fut == 201
            last.append((t_last - t0) * 1000)
        # Held: every socket still answers.
        pongs = await asyncio.gather(*(ws.ping() for ws in socks))
        await asyncio.gather(*(asyncio.wait_for(p, 30) for p in pongs))
        return last, len(socks)
    finally:
        await asyncio.gather(*(ws.close() for ws in socks), return_exceptions=True)


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, SOCKETS + 256)), hard))
    if "SEGS_SERVER_BIN" not in os.environ:
        os.environ["SEGS_SERVER_BIN"] = str(ROOT / "build/release/examples/server/segs-server")
    with tempfile.TemporaryDirectory(prefix="segs-live-bench-") as d:
        s = Server(d, {"SEGS_RATE_LIMITS": "off", "SEGS_ADMIN_EMAIL": ADMIN_EMAIL,
                       "SEGS_ADMIN_PASSWORD": ADMIN_PASSWORD, "SEGS_THREADS": "2"})
        try:
            user = trader(s, "consumer", 0)
            seller = trader(s, "prosumer", 1)
            buyer = trader(s, "consumer", 2)
            watchers = [trader(s, "consumer", 3 + i) for i in range(4)]
            push, answer = asyncio.run(notification_latency(s, user))
            last, held = asyncio.run(fan_out(s, seller, buyer, watchers))
        finally:
            s.close()
    print(f"binary: {os.environ['SEGS_SERVER_BIN']}; rounds: {ROUNDS}; sockets: {SOCKETS}")
    print("| measure | p50 ms | p99 ms | mean ms |")
    print("| --- | ---: | ---: | ---: |")
    for name, xs in [("notification pushed (POST sent -> message)", push),
                     ("the same POST answered (baseline)", answer),
                     (f"trade at all {SOCKETS} subscribers (POST sent -> last message)", last)]:
        print(f"| {name} | {pct(xs, 50):.2f} | {pct(xs, 99):.2f} | {statistics.mean(xs):.2f} |")
    print(f"sockets held and answering a ping at the end: {held}")


if __name__ == "__main__":
    main()
