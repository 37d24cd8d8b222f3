"""Lifetime safety (garbage-collection order, close) and the released GIL."""

from __future__ import annotations

import gc
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from segs_testlib import FAST, PASSWORD, REGIONS, register_verified

import segs
import segs.rest


def test_services_keep_the_grid_alive() -> None:
    grid = segs.Grid.open("sqlite::memory:", **FAST)
    identity, outbox, audit = grid.identity, grid.outbox, grid.audit
    del grid
    gc.collect()
    identity.register_user(email="ada@example.org", password=PASSWORD, name="Ada",
                           region="north")
    [msg] = outbox.drain()
    identity.verify_email(msg.to, msg.code)
    who = identity.authenticate(identity.login("ada@example.org", PASSWORD).access_token)
    assert identity.profile(who).email == "ada@example.org"
    assert audit.verify(segs.Principal.system()).intact
    del identity, outbox
    gc.collect()
    assert audit.verify(segs.Principal.system()).intact


def test_values_outlive_everything() -> None:
    grid = segs.Grid.open("sqlite::memory:", **FAST)
    user = register_verified(grid, "ada@example.org")
    roles = grid.identity.roles()
    grid.close()
    del grid
    gc.collect()
    assert user.email == "ada@example.org" and roles[0].name


def test_close_while_services_are_held_then_call() -> None:
    grid = segs.Grid.open("sqlite::memory:", **FAST)
    identity = grid.identity
    handler = segs.rest.Handler(grid)
    grid.close()
    del grid
    gc.collect()
    with pytest.raises(segs.Error):
        identity.roles()
    with pytest.raises(segs.ServiceUnavailable):
        handler.handle("GET", "/health")


def test_collection_in_any_order_does_not_crash() -> None:
    for order in range(4):
        grid = segs.Grid.open("sqlite::memory:", **FAST)
        objs = [grid, grid.identity, grid.audit, grid.outbox]
        grid.outbox.set_listener(lambda m: None)
        objs = objs[order:] + objs[:order]
        while objs:
            objs.pop()
            gc.collect()
        del grid
        gc.collect()


def test_concurrent_logins_from_threads() -> None:
    with segs.Grid.open("sqlite::memory:", **FAST) as grid:
        emails = [f"user{i}@example.org" for i in range(4)]
        for email in emails:
            register_verified(grid, email)

        def login(i: int) -> segs.TokenPair:
            return grid.identity.login(emails[i % len(emails)], PASSWORD)

        with ThreadPoolExecutor(max_workers=4) as pool:
            pairs = list(pool.map(login, range(16)))
        assert len({p.session_id for p in pairs}) == 16
        for p in pairs:
            assert grid.identity.authenticate(p.access_token).id == p.user.id


def test_the_gil_is_released_during_password_hashing() -> None:
    # Default argon2id cost (64 MiB): a login takes long enough to measure how
    # much a pure-Python thread runs meanwhile. With the GIL held for the call
    # it would barely run at all.
    with segs.Grid.open("sqlite::memory:", regions=REGIONS) as grid:
        register_verified(grid, "ada@example.org")
        count = 0
        stop = threading.Event()

        def spin() -> None:
            nonlocal count
            while not stop.is_set():
                count += 1

        spinner = threading.Thread(target=spin)
        spinner.start()
        try:
            time.sleep(0.05)
            before, t0 = count, time.perf_counter()
            time.sleep(0.2)  # time.sleep releases the GIL: the spinner's free rate
            free_rate = (count - before) / (time.perf_counter() - t0)

            before, t0 = count, time.perf_counter()
            for _ in range(3):
                grid.identity.login("ada@example.org", PASSWORD)
            elapsed = time.perf_counter() - t0
            during = count - before
        finally:
            stop.set()
            spinner.join()
        assert elapsed > 0.02, "login too fast to measure"
        assert during > 0.2 * free_rate * elapsed, (during, free_rate, elapsed)
