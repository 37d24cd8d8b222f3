"""Notifications through the Python API (Grid.notifications) on SQLite and
PostgreSQL: test notifications, the history with its filters and paging,
marks and the unread count, preferences with channels and quiet hours (a
pair of datetime.time), a security notice that cannot be switched off, the
"notifications.created" events, and retention by due work."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Iterator

import pytest
from segs_testlib import PASSWORD, START, open_on, sign_in

import segs


@pytest.fixture
def clock() -> segs.ManualClock:
    return segs.ManualClock(START)  # 2025-01-01 12:00 UTC


@pytest.fixture(params=["sqlite", "postgres"])
def grid(request: pytest.FixtureRequest, clock: segs.ManualClock) -> Iterator[segs.Grid]:
    yield from open_on(request.param, clock)


def person(grid: segs.Grid, email: str) -> segs.Principal:
    grid.identity.create_user(segs.Principal.system(), email=email, password=PASSWORD,
                              name=email.split("@")[0], role="consumer", region="north")
    return sign_in(grid, email)


def notification_mail(grid: segs.Grid) -> list[segs.OutboxMessage]:
    return [m for m in grid.outbox.drain() if m.purpose == "notification"]


def test_history_marks_and_retention(grid: segs.Grid, clock: segs.ManualClock) -> None:
    alice = person(grid, "alice@example.org")
    bob = person(grid, "bob@example.org")
    notes = grid.notifications
    with grid.events(names=["notifications.created"], timeout=0) as stream:
        first = notes.send_test(alice, title="first", severity="warning")
        clock.advance(dt.timedelta(seconds=1))
        second = notes.send_test(alice, body="second body")
        events = stream.drain()
    assert first.kind == "test" and first.severity == "warning" and first.title == "first"
    assert second.body == "second body" and second.title == "Test notification"
    assert isinstance(first.id, uuid.UUID)
    assert first.data == {} and first.read_at is None and first.emailed
    assert [e.notification.notification.id for e in events if e.notification] == [first.id, second.id]
    assert all(e.notification is not None and e.notification.push for e in events)

    page = notes.history(alice, per_page=1)
    assert page.total == 2 and page.total_pages == 2
    assert [n.id for n in page.items] == [second.id]  # newest first
    assert notes.unread_count(alice) == 2 and notes.unread_count(bob) == 0

    read = notes.mark_read(alice, first.id)
    marked_at = START + dt.timedelta(seconds=1)
    assert read.read_at == marked_at
    clock.advance(dt.timedelta(seconds=1))
    assert notes.mark_read(alice, str(first.id)).read_at == marked_at  # the first time stays
    with pytest.raises(segs.NotFound):
        notes.mark_read(bob, second.id)
    assert [n.id for n in notes.history(alice, unread=True).items] == [second.id]
    assert notes.history(alice, kind="test").total == 2
    assert notes.history(alice, kind="alert_raised").total == 0
    with pytest.raises(segs.ValidationError) as info:
        notes.history(alice, kind="gossip")
    assert info.value.field == "kind"
    assert notes.mark_all_read(alice) == 1
    assert notes.unread_count(alice) == 0

    with pytest.raises(segs.ValidationError) as info:
        notes.send_test(alice, title="")
    assert info.value.field == "title"
    with pytest.raises(segs.Forbidden):
        notes.history(segs.Principal.system())

    unread = notes.send_test(alice)
    clock.advance(dt.timedelta(days=91))
    report = grid.run_due_work()
    assert report.notifications_removed == 2
    alice = sign_in(grid, "alice@example.org")
    assert [n.id for n in notes.history(alice).items] == [unread.id]


def test_preferences_channels_quiet_hours_and_security(grid: segs.Grid) -> None:
    alice = person(grid, "alice@example.org")
    notification_mail(grid)
    prefs = grid.identity.preferences(alice)
    assert prefs.quiet_hours is None
    assert prefs.trading_channels.in_app and not prefs.trading_channels.email
    prefs.quiet_hours = (dt.time(11, 0), dt.time(13, 0))  # the clock reads 12:00 UTC: quiet
    prefs.alerts_channels.email = False
    saved = grid.identity.set_preferences(alice, prefs)
    assert saved.quiet_hours == (dt.time(11, 0), dt.time(13, 0))
    assert not saved.alerts_channels.email and saved.alerts_channels.in_app

    assert not grid.notifications.send_test(alice).emailed  # quiet
    assert grid.notifications.send_test(alice, severity="critical").emailed
    mail = notification_mail(grid)
    assert [m.to for m in mail] == ["alice@example.org"]

    # Security cannot be switched off, and goes by email even in quiet hours.
    off = grid.identity.preferences(alice)
    off.email = False
    off.security = False
    off.security_channels = segs.NotificationChannels(in_app=False, email=False)
    kept = grid.identity.set_preferences(alice, off)
    assert kept.security and kept.security_channels.in_app and kept.security_channels.email
    grid.identity.change_password(alice, PASSWORD, "an0ther Passw0rd phrase!")
    changed = grid.notifications.history(alice, kind="password_changed").items
    assert len(changed) == 1 and changed[0].severity == "critical" and changed[0].emailed
    assert [m.subject for m in notification_mail(grid)] == ["Your password was changed"]

    with pytest.raises(TypeError):
        kept.quiet_hours = ("22:00", "07:00")  # type: ignore[assignment]


def test_operations_health_info_and_stats(grid: segs.Grid) -> None:
    admin = sign_in_admin(grid)
    alice = person(grid, "alice@example.org")
    health = grid.operations.health(admin)
    assert health.status in ("healthy", "degraded", "unhealthy")
    assert set(health.checks) == {"database", "migrations", "due_work", "event_hub", "storage"}
    assert health.checks["migrations"]["status"] == "healthy"
    assert health.checks["due_work"]["lag_s"] is None  # never ran yet
    grid.run_due_work()
    assert grid.operations.health(admin).checks["due_work"]["status"] == "healthy"
    info = grid.operations.info(admin)
    assert info.backend == grid.backend_name and info.schema_version == grid.schema_version
    assert "north" in info.regions
    stats = grid.operations.stats(admin)
    assert stats.users == 2
    assert {r["region"]: r["users"] for r in stats.regions}["north"] == 2
    with pytest.raises(segs.Forbidden):
        grid.operations.stats(alice)


def sign_in_admin(grid: segs.Grid) -> segs.Principal:
    grid.identity.create_user(segs.Principal.system(), email="root@example.org", password=PASSWORD,
                              name="root", role="admin", region="north")
    return sign_in(grid, "root@example.org")


def test_runtime_config_typed_all_or_none_and_in_force(grid: segs.Grid, clock: segs.ManualClock) -> None:
    admin = sign_in_admin(grid)
    alice = person(grid, "alice@example.org")
    settings = {s.key: s for s in grid.config.list(admin)}
    retention = settings["notifications.retention_days"]
    assert (retention.type, retention.value, retention.default) == ("integer", 90, 90)
    assert (retention.min, retention.max, retention.overridden) == (1, 3650, False)
    assert settings["alerts.evaluate_readings"].value is True

    changed = grid.config.update(admin, {"notifications.retention_days": 2})
    assert changed == [{"key": "notifications.retention_days", "old": 90, "new": 2}]
    assert grid.config.value("notifications.retention_days") == 2
    kept = {s.key: s for s in grid.config.list(admin)}["notifications.retention_days"]
    assert kept.overridden and kept.updated_by == admin.id and kept.updated_at == START
    # In force: a read notification older than two days goes at the next due work.
    grid.notifications.send_test(alice)
    grid.notifications.mark_all_read(alice)
    clock.advance(dt.timedelta(days=3))
    assert grid.run_due_work().notifications_removed == 1

    # All or none: an unknown key names itself and nothing changes.
    with pytest.raises(segs.ValidationError) as bad:
        grid.config.update(admin, {"notifications.retention_days": 9, "features.teleport": True})
    assert bad.value.field == "features.teleport"
    with pytest.raises(segs.ValidationError) as wrong:
        grid.config.update(admin, {"alerts.evaluate_readings": 1.5})  # type: ignore[dict-item]
    assert wrong.value.field == "alerts.evaluate_readings"
    assert grid.config.value("notifications.retention_days") == 2
    assert grid.config.update(admin, {"notifications.retention_days": None}) == [
        {"key": "notifications.retention_days", "old": 2, "new": 90}]
    assert grid.config.value("nothing.here") is None
    with pytest.raises(segs.Forbidden):
        grid.config.update(alice, {"notifications.retention_days": 5})
