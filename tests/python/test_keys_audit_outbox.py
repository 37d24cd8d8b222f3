"""API keys, the audit log and the outbox (drain, pending, listener)."""

from __future__ import annotations

import datetime as dt
import sys
import threading
from typing import Any, List

import pytest
from segs_testlib import FAST, PASSWORD, START, register_verified, sign_in

import segs


def test_api_keys(grid: segs.Grid, admin: segs.Principal, clock: segs.ManualClock) -> None:
    ident = grid.identity
    created = ident.create_api_key(admin, "head-end", ["telemetry:write"], region="north",
                                   meter_ids=["m-1", "m-2"],
                                   expires_at=START + dt.timedelta(days=30))
    assert isinstance(created, segs.CreatedApiKey)
    assert created.secret and created.secret not in repr(created)
    info = created.info
    assert info.name == "head-end" and info.scopes == ["telemetry:write"]
    assert info.region == "north" and info.meter_ids == ["m-1", "m-2"]
    assert info.created_by == admin.id and info.created_at == START
    assert info.expires_at == START + dt.timedelta(days=30) and info.revoked_at is None
    assert info.prefix and info.prefix in created.secret

    machine = ident.authenticate_api_key(created.secret)
    assert machine.type == "api_key" and machine.id == info.id
    assert machine.can("telemetry:write") and not machine.can("users:read")
    assert machine.meter_ids == ["m-1", "m-2"]

    [listed] = ident.list_api_keys(admin)
    assert listed.id == info.id
    ident.revoke_api_key(admin, info.id)
    with pytest.raises(segs.Unauthorized):
        ident.authenticate_api_key(created.secret)
    assert ident.list_api_keys(admin)[0].revoked_at == START

    with pytest.raises(segs.ValidationError) as bad:
        ident.create_api_key(admin, "k", [])
    assert bad.value.field == "scopes"
    with pytest.raises(TypeError):
        ident.create_api_key(admin, "k", "telemetry:write")  # a str is not a list of scopes
    with pytest.raises(ValueError):
        ident.create_api_key(admin, "k", ["telemetry:write"], expires_at=dt.datetime(2030, 1, 1))
    register_verified(grid, "bo@example.org")
    with pytest.raises(segs.Forbidden):
        ident.create_api_key(sign_in(grid, "bo@example.org"), "k", ["telemetry:write"])


def test_audit_query_activity_verify(grid: segs.Grid, admin: segs.Principal,
                                     clock: segs.ManualClock) -> None:
    ada = register_verified(grid, "ada@example.org")
    clock.advance(60)
    grid.identity.login("ada@example.org", PASSWORD)
    with pytest.raises(segs.Unauthorized):
        grid.identity.login("ada@example.org", "wrong password!", ip="198.51.100.9")

    logins = grid.audit.query(admin, action="auth.login")
    assert isinstance(logins, segs.Page) and logins.total >= 3
    record = logins.items[0]
    assert isinstance(record, segs.AuditRecord)
    assert record.at.utcoffset() == dt.timedelta(0) and isinstance(record.details, dict)
    failures = grid.audit.query(admin, action="auth.", outcome="failure")
    assert failures.total == 1 and failures.items[0].ip == "198.51.100.9"
    assert all(r.action.startswith("auth.") for r in grid.audit.query(admin, action="auth."))
    mine = grid.audit.query(admin, involving=ada.id)
    assert mine.total >= 3 and all(str(ada.id) in (r.actor_id, r.target_id) for r in mine)
    later = grid.audit.query(admin, from_=START + dt.timedelta(seconds=30))
    assert later.total >= 2 and all(r.at >= START + dt.timedelta(seconds=30) for r in later)
    assert grid.audit.query(admin, to=START + dt.timedelta(seconds=30)).total >= 1

    who = sign_in(grid, "ada@example.org")
    activity = grid.audit.activity(who, ada.id, per_page=2)
    assert activity.per_page == 2 and len(activity) == 2 and activity.total >= 3
    with pytest.raises(segs.Forbidden):
        grid.audit.query(who)

    result = grid.audit.verify(admin)
    assert result.intact and bool(result) and result.records_checked >= 5
    assert result.first_bad_seq is None and result.problem == ""


def test_outbox_drain_and_pending(grid: segs.Grid) -> None:
    assert grid.outbox.pending() == 0 and grid.outbox.drain() == []
    for name in ("a", "b", "c"):
        grid.identity.register_user(email=f"{name}@example.org", password=PASSWORD, name=name,
                                    region="north")
    assert grid.outbox.pending() == 3
    first = grid.outbox.drain(max=2)
    assert [m.to for m in first] == ["a@example.org", "b@example.org"]
    assert first[0].seq < first[1].seq and first[0].created_at == START
    assert first[0].subject and first[0].code in first[0].body
    assert grid.outbox.pending() == 1
    assert [m.to for m in grid.outbox.drain()] == ["c@example.org"]


def test_outbox_listener_is_called_after_commit(grid: segs.Grid) -> None:
    grid.identity.register_user(email="early@example.org", password=PASSWORD, name="E",
                                region="north")
    seen: List[Any] = []
    threads: List[str] = []

    def listener(msg: segs.OutboxMessage) -> None:
        seen.append(msg)
        threads.append(threading.current_thread().name)

    grid.outbox.set_listener(listener)
    assert [m.to for m in seen] == ["early@example.org"]  # waiting messages at once
    grid.identity.register_user(email="ada@example.org", password=PASSWORD, name="Ada",
                                region="north")
    assert [m.to for m in seen] == ["early@example.org", "ada@example.org"]
    assert seen[1].purpose == "verify_email" and len(seen[1].code) == 6
    assert grid.outbox.pending() == 0
    grid.identity.verify_email("ada@example.org", seen[1].code)

    def other_thread() -> None:
        grid.identity.forgot_password("ada@example.org")

    worker = threading.Thread(target=other_thread, name="worker")
    worker.start()
    worker.join()
    assert seen[-1].purpose == "reset_password" and threads[-1] == "worker"

    grid.outbox.set_listener(None)
    grid.identity.register_user(email="bo@example.org", password=PASSWORD, name="Bo",
                                region="north")
    assert len(seen) == 3 and grid.outbox.pending() == 1
    with pytest.raises(TypeError):
        grid.outbox.set_listener(42)  # type: ignore[arg-type]


def test_a_failing_listener_never_fails_the_call(grid: segs.Grid,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    reported: List[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)

    def listener(msg: segs.OutboxMessage) -> None:
        raise RuntimeError("mailer down")

    grid.outbox.set_listener(listener)
    user = grid.identity.register_user(email="ada@example.org", password=PASSWORD, name="Ada",
                                       region="north")
    assert user.status == "pending_verification"
    assert len(reported) == 1 and isinstance(reported[0].exc_value, RuntimeError)
    grid.outbox.set_listener(None)


def test_listener_closing_over_the_grid_is_released(clock: segs.ManualClock) -> None:
    # A listener that references its own grid forms a cycle through C++;
    # close() must break it without crashing.
    grid = segs.Grid.open("sqlite::memory:", clock=clock, **FAST)
    grid.outbox.set_listener(lambda msg: grid.outbox.pending())
    grid.identity.register_user(email="ada@example.org", password=PASSWORD, name="Ada",
                                region="north")
    grid.close()


def test_listings_share_one_paging_rule(grid: segs.Grid, admin: segs.Principal) -> None:
    ada = register_verified(grid, "ada@example.org", region="north")
    for listing in (lambda **kw: grid.identity.list_users(admin, **kw),
                    lambda **kw: grid.audit.query(admin, **kw),
                    lambda **kw: grid.audit.activity(admin, ada.id, **kw)):
        assert listing(per_page=100).per_page == 100
        for kwargs, field in (({"per_page": 101}, "per_page"), ({"per_page": 0}, "per_page"),
                              ({"page": 0}, "page")):
            with pytest.raises(segs.ValidationError) as info:
                listing(**kwargs)
            assert info.value.field == field
        past = listing(page=1000, per_page=1)
        assert isinstance(past, segs.Page) and len(past) == 0 and past.items == []
        assert past.page == 1000 and past.total >= 1 and past.total_pages == past.total
