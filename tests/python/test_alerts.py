"""Alerts through the Python API: alerts raised by readings (with their
values, thresholds and severities), hysteresis, auto-resolve, the lifecycle
(acknowledge, resolve, their conflicts, bulk acknowledge with mixed ids),
listings with filters and paging, region scoping, summary, stats,
analytics, the rule settings (partial updates, per meter), offline meters
found by Grid.run_due_work() on a manual clock, the "alerts.*" events, and
a reopened grid continuing its counts.

Every test that takes the `grid` fixture runs on SQLite and on PostgreSQL (a
fresh schema of the server SEGS_TEST_PG_URL names, which scripts/test.sh sets
through scripts/with-postgres.sh). Without a server the PostgreSQL runs are
skipped, and fail under CI=true, as the C++ suites do.

The clock stands still between readings unless a test moves it, and each
reading is stamped with the clock's now, so an alert's first_seen_at is the
same instant whichever of the two the library records."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal as D
from pathlib import Path
from typing import Any, Iterator, List, Optional

import pytest
from segs_testlib import FAST, PASSWORD, START, open_on, sign_in

import segs

UTC = dt.timezone.utc
T = START  # 2025-01-01 12:00 UTC; the grid's clock. Regions north/south are UTC.
MIN = dt.timedelta(minutes=1)


def person(grid: segs.Grid, email: str, role: str, region: str = "north") -> segs.Principal:
    grid.identity.create_user(segs.Principal.system(), email=email, password=PASSWORD,
                              name=email.split("@")[0], role=role, region=region)
    return sign_in(grid, email)



@pytest.fixture(params=["sqlite", "postgres"])
def grid(request: pytest.FixtureRequest, clock: segs.ManualClock) -> Iterator[segs.Grid]:
    yield from open_on(request.param, clock)


def uid(who: segs.Principal) -> uuid.UUID:
    assert who.id is not None
    return who.id


@pytest.fixture
def alerts(grid: segs.Grid) -> segs.Alerts:
    return grid.alerts


@pytest.fixture
def op(grid: segs.Grid) -> segs.Principal:
    return person(grid, "op@example.org", "operator")


@pytest.fixture
def south_op(grid: segs.Grid) -> segs.Principal:
    return person(grid, "south-op@example.org", "operator", region="south")


@pytest.fixture
def alice(grid: segs.Grid) -> segs.Principal:
    return person(grid, "alice@example.org", "consumer")


@pytest.fixture
def bob(grid: segs.Grid) -> segs.Principal:
    return person(grid, "bob@example.org", "prosumer")


def meter(grid: segs.Grid, admin: segs.Principal, serial: str, region: str = "north",
          owner: Optional[segs.Principal] = None) -> segs.Meter:
    return grid.telemetry.create_meter(admin, meter_id=serial, capacity_kw=10, region=region,
                                       user_id=uid(owner) if owner else None)


def read(grid: segs.Grid, who: segs.Principal, serial: str, **values: Any) -> segs.Reading:
    """A reading of `serial` stamped with the clock's now."""
    return grid.telemetry.submit(who, serial, timestamp=grid.now(), **values)


def later(clock: segs.ManualClock, minutes: int = 15) -> None:
    clock.advance(dt.timedelta(minutes=minutes))


def refused(exc: type, field: str, fn: Any, *args: Any, **kw: Any) -> segs.Error:
    with pytest.raises(exc) as info:
        fn(*args, **kw)
    err = info.value
    assert isinstance(err, segs.Error)
    assert err.field == field, (field, err.field, err.message)
    return err


def ids(items: Any) -> List[uuid.UUID]:
    return sorted(a.id for a in items)


# --- raising, escalating, the fields -------------------------------------------------------


def test_a_reading_raises_an_alert_and_escalates_it(grid: segs.Grid, clock: segs.ManualClock,
                                                    alerts: segs.Alerts, admin: segs.Principal,
                                                    alice: segs.Principal) -> None:
    m = meter(grid, admin, "SM_1", owner=alice)
    with grid.events(["alerts."], timeout=0) as events:
        # 230 V nominal, band 0.05: a warning above 241.5 V, critical above 253 V.
        read(grid, admin, "SM_1", voltage="241.5")  # at the limit: nothing
        assert alerts.list(alice).total == 0
        later(clock)
        read(grid, admin, "SM_1", voltage=245)
        [a] = alerts.list(alice)
        assert isinstance(a, segs.Alert) and isinstance(a.id, uuid.UUID)
        assert (a.meter_id, a.meter_uuid, a.user_id, a.region) == ("SM_1", m.id, alice.id, "north")
        assert (a.type, a.severity, a.status) == ("over_voltage", "warning", "active")
        assert a.value == D(245) and a.threshold == D("241.5")
        assert isinstance(a.value, D) and isinstance(a.threshold, D)
        assert "245" in a.message and "241.5" in a.message
        assert a.occurrences == 1
        assert a.first_seen_at == a.last_seen_at == T + 15 * MIN
        assert a.acknowledged_at is None and a.acknowledged_by is None
        assert a.resolved_at is None and a.resolved_by is None and a.resolution is None
        assert a.acknowledge_note == "" and a.resolution_note == ""
        assert "over_voltage" in repr(a) and "SM_1" in repr(a)

        # 260 V: the same alert (one open per meter and type), now critical.
        later(clock)
        read(grid, admin, "SM_1", voltage=260)
        [b] = alerts.list(alice)
        assert b.id == a.id
        assert (b.severity, b.status, b.occurrences) == ("critical", "active", 2)
        assert b.value == D(260) and b.threshold == D(253)
        assert b.first_seen_at == T + 15 * MIN and b.last_seen_at == T + 30 * MIN

        # Back within the band, and over it again as a warning: the worst
        # severity stays, and value, threshold and message keep describing
        # the latest observation at it (the 260 V one).
        later(clock)
        read(grid, admin, "SM_1", voltage=230)
        later(clock)
        read(grid, admin, "SM_1", voltage=244)
        c = alerts.get(alice, a.id)
        assert (c.severity, c.occurrences, c.value, c.threshold) == ("critical", 3, D(260), D(253))
        assert "260" in c.message and c.last_seen_at == T + 60 * MIN
        got = events.drain()

    assert [e.name for e in got] == ["alerts.raised", "alerts.escalated"]
    assert all(e.region == "north" and e.telemetry is None and e.market is None for e in got)
    raised, escalated = (e.alert for e in got)
    assert isinstance(raised, segs.AlertEvent) and isinstance(escalated, segs.AlertEvent)
    assert (raised.type, raised.alert.id, raised.alert.severity) == ("raised", a.id, "warning")
    assert (escalated.type, escalated.alert.severity, escalated.alert.occurrences) == (
        "escalated", "critical", 2)
    assert "escalated" in repr(escalated)


def test_each_rule_on_a_reading(grid: segs.Grid, alerts: segs.Alerts, admin: segs.Principal,
                                alice: segs.Principal) -> None:
    meter(grid, admin, "SM_1", owner=alice)
    meter(grid, admin, "SM_2", owner=alice)
    # Capacity 10 kW; 50 Hz +- 0.5; under 218.5 V a warning, under 207 V critical.
    read(grid, admin, "SM_1", voltage=200, frequency="50.6", power_kw="-10.5")
    read(grid, admin, "SM_2", voltage="218.5", frequency="49.5", power_kw=10,
         peak_demand_kw="10.001", power_factor="0.84")
    got = {(a.meter_id, a.type): a for a in alerts.list(alice, per_page=100)}
    assert sorted(got) == [("SM_1", "frequency_deviation"), ("SM_1", "over_capacity"),
                           ("SM_1", "under_voltage"), ("SM_2", "over_capacity")]
    under = got["SM_1", "under_voltage"]
    assert (under.severity, under.value, under.threshold) == ("critical", D(200), D(207))
    freq = got["SM_1", "frequency_deviation"]
    assert (freq.severity, freq.value, freq.threshold) == ("warning", D("50.6"), D("50.5"))
    cap = got["SM_1", "over_capacity"]
    assert (cap.severity, cap.value, cap.threshold) == ("critical", D("10.5"), D(10))
    assert got["SM_2", "over_capacity"].value == D("10.001")
    # low_power_factor fires after 3 readings in a row by default: not yet.
    assert alerts.list(alice, type="low_power_factor").total == 0


def test_hysteresis_and_auto_resolve(grid: segs.Grid, clock: segs.ManualClock,
                                     alerts: segs.Alerts, admin: segs.Principal,
                                     alice: segs.Principal) -> None:
    meter(grid, admin, "SM_1", owner=alice)
    with grid.events(["alerts."], timeout=0) as events:
        # low_power_factor: 3 consecutive readings below 0.85 raise it.
        for pf in ("0.80", "0.80", "0.90", "0.80", "0.80"):
            read(grid, admin, "SM_1", power_factor=pf)
            later(clock)
        assert alerts.list(alice).total == 0
        read(grid, admin, "SM_1", power_factor="0.8")
        [lpf] = alerts.list(alice)
        assert (lpf.type, lpf.severity, lpf.first_seen_at) == ("low_power_factor", "warning",
                                                               T + 75 * MIN)

        # A voltage oscillating around its limit raises one alert, not many:
        # it clears after 3 readings in a row within the band.
        for v in (250, 230, 250, 230, 230, 250):
            later(clock)
            read(grid, admin, "SM_1", voltage=v)
        [ov] = alerts.list(alice, type="over_voltage")
        assert (ov.status, ov.occurrences) == ("active", 3)

        for _ in range(2):
            later(clock)
            read(grid, admin, "SM_1", voltage=230)
        assert alerts.get(alice, ov.id).status == "active"
        later(clock)
        read(grid, admin, "SM_1", voltage=230)
        gone = alerts.get(alice, ov.id)
        assert (gone.status, gone.resolution, gone.resolved_by) == ("resolved", "auto", None)
        assert gone.resolved_at == clock.now()

        # A later occurrence opens a new alert.
        later(clock)
        read(grid, admin, "SM_1", voltage=250)
        [again] = alerts.list(alice, type="over_voltage", status="active")
        assert again.id != ov.id and again.occurrences == 1
        assert alerts.list(alice, type="over_voltage").total == 2
        got = [(e.name, e.alert.alert.type if e.alert else None) for e in events.drain()]

    assert got == [("alerts.raised", "low_power_factor"), ("alerts.raised", "over_voltage"),
                   ("alerts.resolved", "over_voltage"), ("alerts.raised", "over_voltage")]


# --- listings, scoping ----------------------------------------------------------------------


def test_list_filters_paging_and_scope(grid: segs.Grid, clock: segs.ManualClock,
                                       alerts: segs.Alerts, admin: segs.Principal,
                                       op: segs.Principal, south_op: segs.Principal,
                                       alice: segs.Principal, bob: segs.Principal) -> None:
    meter(grid, admin, "SM_A", owner=alice)
    meter(grid, admin, "SM_B", owner=bob)
    meter(grid, admin, "SM_S", region="south")
    # At T: three alerts on SM_A (over_voltage warning, frequency warning,
    # over_capacity critical); at T+1h one on SM_B; at T+2h one in the south.
    read(grid, admin, "SM_A", voltage=245, frequency=51, power_kw=12)
    later(clock, 60)
    read(grid, admin, "SM_B", voltage=190)
    later(clock, 60)
    read(grid, admin, "SM_S", voltage=260)

    mine = alerts.list(alice)
    assert isinstance(mine, segs.Page)
    assert (mine.total, mine.page, mine.per_page, mine.total_pages) == (3, 1, 20, 1)
    assert {a.meter_id for a in mine} == {"SM_A"}
    first, second = alerts.list(alice, per_page=2), alerts.list(alice, per_page=2, page=2)
    assert (first.total, first.total_pages, len(first), len(second)) == (3, 2, 2, 1)
    assert ids(list(first) + list(second)) == ids(mine)
    assert len(alerts.list(alice, per_page=2, page=3)) == 0

    # Filters.
    assert [a.type for a in alerts.list(alice, severity="critical")] == ["over_capacity"]
    assert [a.type for a in alerts.list(alice, type="frequency_deviation")] == [
        "frequency_deviation"]
    assert alerts.list(alice, status="active").total == 3
    assert alerts.list(alice, status="resolved").total == 0
    assert alerts.list(alice, meter_id="SM_A").total == 3
    assert alerts.list(admin, meter_id=grid.telemetry.get_meter(admin, "SM_A").id).total == 3
    assert alerts.list(alice, from_=T, to=T + MIN).total == 3
    assert alerts.list(alice, to=T).total == 0  # `to` is exclusive
    assert alerts.list(alice, from_=T + MIN).total == 0
    refused(segs.ValidationError, "status", alerts.list, alice, status="open")
    refused(segs.ValidationError, "severity", alerts.list, alice, severity="bad")
    refused(segs.ValidationError, "type", alerts.list, alice, type="smoke")
    refused(segs.ValidationError, "per_page", alerts.list, alice, per_page=101)
    refused(segs.ValidationError, "page", alerts.list, alice, page=0)
    refused(segs.ValidationError, "from_", alerts.list, alice, from_=T, to=T)
    with pytest.raises(ValueError):
        alerts.list(alice, from_=dt.datetime(2025, 1, 1))  # naive

    # Everything newest first: admin sees all five, the operator the north's.
    everything = alerts.list(admin)
    assert everything.total == 5
    assert [a.meter_id for a in everything][:2] == ["SM_S", "SM_B"]
    assert {a.meter_id for a in alerts.list(op)} == {"SM_A", "SM_B"}
    assert [a.meter_id for a in alerts.list(south_op)] == ["SM_S"]
    assert [a.meter_id for a in alerts.list(admin, region="south")] == ["SM_S"]
    # Filters naming what the caller does not see give an empty page.
    assert alerts.list(op, region="south").total == 0
    assert alerts.list(alice, meter_id="SM_B").total == 0

    # Others' alerts do not leak: NotFound, naming the id.
    a_id = mine.items[0].id
    assert alerts.get(op, a_id).id == a_id and alerts.get(admin, str(a_id)).id == a_id
    for who in (bob, south_op):
        refused(segs.NotFound, "alert_id", alerts.get, who, a_id)
    refused(segs.NotFound, "alert_id", alerts.get, admin, uuid.uuid4())
    refused(segs.ValidationError, "alert_id", alerts.get, admin, "not-a-uuid")

    # Open alerts, oldest first, of the operator's region (admins: all).
    north_open = alerts.unresolved(op)
    assert north_open.total == 4 and north_open.items[-1].meter_id == "SM_B"
    assert [a.meter_id for a in alerts.unresolved(admin, per_page=1, page=5)] == ["SM_S"]
    with pytest.raises(segs.Forbidden):  # operators and admins only
        alerts.unresolved(alice)


# --- lifecycle --------------------------------------------------------------------------------


def test_acknowledge_resolve_and_their_conflicts(grid: segs.Grid, clock: segs.ManualClock,
                                                 alerts: segs.Alerts, admin: segs.Principal,
                                                 op: segs.Principal, alice: segs.Principal,
                                                 bob: segs.Principal) -> None:
    meter(grid, admin, "SM_1", owner=alice)
    read(grid, admin, "SM_1", voltage=260, frequency=51)
    ov, = alerts.list(alice, type="over_voltage")
    fd, = alerts.list(alice, type="frequency_deviation")

    with grid.events(["alerts."], timeout=0) as events:
        later(clock, 10)
        acked = alerts.acknowledge(alice, ov.id, note="on it", ip="10.0.0.7",
                                   user_agent="pytest")
        assert (acked.status, acked.acknowledged_by, acked.acknowledged_at) == (
            "acknowledged", alice.id, T + 10 * MIN)
        assert acked.acknowledge_note == "on it" and acked.resolved_at is None
        # Again: answered unchanged.
        later(clock)
        same = alerts.acknowledge(op, str(ov.id), note="me too")
        assert (same.status, same.acknowledged_by, same.acknowledged_at,
                same.acknowledge_note) == ("acknowledged", alice.id, T + 10 * MIN, "on it")
        # Someone who does not see it: NotFound, and nothing changed.
        refused(segs.NotFound, "alert_id", alerts.acknowledge, bob, fd.id)
        refused(segs.NotFound, "alert_id", alerts.resolve, bob, fd.id)
        assert alerts.get(alice, fd.id).status == "active"

        done = alerts.resolve(op, ov.id, resolution_note="tap changed", ip="10.0.0.8")
        assert (done.status, done.resolution, done.resolved_by, done.resolved_at) == (
            "resolved", "manual", op.id, T + 25 * MIN)
        assert done.resolution_note == "tap changed"
        assert done.acknowledged_by == alice.id  # kept

        # active -> resolved directly.
        direct = alerts.resolve(alice, fd.id)
        assert (direct.status, direct.acknowledged_at, direct.resolution) == (
            "resolved", None, "manual")

        # A resolved alert can be neither acknowledged nor resolved: 409.
        for fn in (alerts.acknowledge, alerts.resolve):
            with pytest.raises(segs.Conflict) as info:
                fn(alice, ov.id)
            assert info.value.http_status == 409 and info.value.code == "CONFLICT"
        assert alerts.get(admin, ov.id).resolution_note == "tap changed"
        got = events.drain()

    assert [(e.name, e.alert.type if e.alert else None) for e in got] == [
        ("alerts.acknowledged", "acknowledged"), ("alerts.resolved", "resolved"),
        ("alerts.resolved", "resolved")]
    first = got[0].alert
    assert first is not None and first.alert.id == ov.id
    assert first.alert.status == "acknowledged"

    # Audited, with the caller's ip.
    records = grid.audit.query(admin, per_page=100).items
    assert {"10.0.0.7", "10.0.0.8"} <= {r.ip for r in records}
    assert any(r.ip == "10.0.0.7" and r.target_id == str(ov.id) for r in records)


def test_bulk_acknowledge_with_mixed_ids(grid: segs.Grid, alerts: segs.Alerts,
                                         admin: segs.Principal, op: segs.Principal,
                                         alice: segs.Principal) -> None:
    meter(grid, admin, "SM_1", owner=alice)
    meter(grid, admin, "SM_S", region="south")
    read(grid, admin, "SM_1", voltage=260, frequency=51, power_kw=12)
    read(grid, admin, "SM_S", voltage=260)
    ov, = alerts.list(op, type="over_voltage")
    fd, = alerts.list(op, type="frequency_deviation")
    oc, = alerts.list(op, type="over_capacity")
    south, = alerts.list(admin, region="south")
    alerts.acknowledge(op, fd.id)
    alerts.resolve(op, oc.id)
    unknown = uuid.uuid4()

    report = alerts.acknowledge_many(op, [ov.id, str(fd.id), oc.id, unknown, south.id],
                                     note="storm")
    assert isinstance(report, segs.BulkAcknowledgeReport)
    assert report.acknowledged == [ov.id]
    assert report.already_acknowledged == [fd.id]
    assert report.conflict == [oc.id]
    assert sorted(report.not_found) == sorted([unknown, south.id])  # the south is not op's
    assert all(isinstance(i, uuid.UUID) for i in report.not_found)
    assert "acknowledged=1" in repr(report)

    after = alerts.get(op, ov.id)
    assert (after.status, after.acknowledged_by, after.acknowledge_note) == (
        "acknowledged", op.id, "storm")
    assert alerts.get(admin, south.id).status == "active"
    assert alerts.get(op, oc.id).status == "resolved"

    # Everything again: nothing more to do.
    again = alerts.acknowledge_many(op, [ov.id, fd.id])
    assert again.acknowledged == [] and sorted(again.already_acknowledged) == sorted(
        [ov.id, fd.id])
    refused(segs.ValidationError, "alert_ids", alerts.acknowledge_many, op,
            [uuid.uuid4() for _ in range(501)])
    refused(segs.ValidationError, "alert_ids[1]", alerts.acknowledge_many, op, [ov.id, "nope"])
    with pytest.raises(TypeError):
        alerts.acknowledge_many(op, str(ov.id))
    with pytest.raises(segs.Forbidden):  # operators and admins only, even for her own
        alerts.acknowledge_many(alice, [ov.id])


# --- summary, stats, analytics -------------------------------------------------------------------


def test_summary(grid: segs.Grid, clock: segs.ManualClock, alerts: segs.Alerts,
                 admin: segs.Principal, alice: segs.Principal, bob: segs.Principal) -> None:
    meter(grid, admin, "SM_1", owner=alice)
    meter(grid, admin, "SM_B", owner=bob)
    empty = alerts.summary(alice)
    assert isinstance(empty, segs.AlertSummary)
    assert (empty.total_open, empty.active, empty.acknowledged, empty.oldest_open_at) == (
        0, 0, 0, None)
    assert empty.by_severity == {"info": 0, "warning": 0, "critical": 0}
    assert empty.by_type == {}

    read(grid, admin, "SM_1", voltage=245, frequency=51)
    later(clock)
    read(grid, admin, "SM_1", power_kw=12)
    later(clock)
    read(grid, admin, "SM_B", voltage=190)  # bob's: not in alice's summary
    fd, = alerts.list(alice, type="frequency_deviation")
    alerts.acknowledge(alice, fd.id)

    s = alerts.summary(alice)
    assert (s.total_open, s.active, s.acknowledged) == (3, 2, 1)
    assert s.by_severity == {"info": 0, "warning": 2, "critical": 1}
    assert s.by_type == {"over_voltage": 1, "frequency_deviation": 1, "over_capacity": 1}
    assert s.oldest_open_at == T
    assert "total_open=3" in repr(s)

    for a in alerts.list(alice, type="over_voltage"):
        alerts.resolve(alice, a.id)
    s = alerts.summary(alice)
    assert (s.total_open, s.active, s.acknowledged) == (2, 1, 1)
    assert s.by_type == {"frequency_deviation": 1, "over_capacity": 1}
    assert alerts.summary(bob).by_type == {"under_voltage": 1}


def test_stats_and_analytics(grid: segs.Grid, clock: segs.ManualClock, alerts: segs.Alerts,
                             admin: segs.Principal, op: segs.Principal,
                             alice: segs.Principal) -> None:
    meter(grid, admin, "SM_1", owner=alice)
    meter(grid, admin, "SM_S", region="south")
    # Two alerts at T: over_voltage, acknowledged after 10 minutes and
    # resolved after 30; frequency_deviation, resolved automatically after
    # 60 (three readings in a row within the limit).
    read(grid, admin, "SM_1", voltage=260, frequency=51)
    ov, = alerts.list(alice, type="over_voltage")
    later(clock, 10)
    alerts.acknowledge(alice, ov.id)
    later(clock, 20)
    alerts.resolve(alice, ov.id)
    for _ in range(3):
        read(grid, admin, "SM_1", frequency=50)
        later(clock)
    fd, = alerts.list(alice, type="frequency_deviation")
    assert (fd.status, fd.resolution, fd.resolved_at) == ("resolved", "auto", T + 60 * MIN)
    read(grid, admin, "SM_S", voltage=190)  # in the south, at T+75

    midnight = dt.datetime(2025, 1, 1, tzinfo=UTC)
    st = alerts.stats(alice, midnight, midnight + dt.timedelta(days=2))
    assert isinstance(st, segs.AlertStats)
    assert (st.from_, st.to) == (midnight, midnight + dt.timedelta(days=2))
    assert (st.raised, st.resolved, st.auto_resolved) == (2, 2, 1)
    assert st.mean_time_to_acknowledge_s == pytest.approx(600)
    assert st.mean_time_to_resolve_s == pytest.approx((1800 + 3600) / 2)
    assert st.time_zone == "UTC"
    assert [(d.date, d.raised, d.resolved) for d in st.per_day] == [
        (dt.date(2025, 1, 1), 2, 2), (dt.date(2025, 1, 2), 0, 0)]
    assert all(isinstance(d, segs.AlertDay) for d in st.per_day)
    none = alerts.stats(alice, midnight - dt.timedelta(days=1), midnight)
    assert (none.raised, none.mean_time_to_acknowledge_s, none.mean_time_to_resolve_s) == (
        0, None, None)
    refused(segs.ValidationError, "to", alerts.stats, alice, midnight,
            midnight + dt.timedelta(days=367))
    refused(segs.ValidationError, "from_", alerts.stats, alice, midnight, midnight)

    an = alerts.analytics(admin, midnight, midnight + dt.timedelta(days=1))
    assert isinstance(an, segs.AlertAnalytics)
    assert an.by_type == {"over_voltage": 1, "under_voltage": 1, "frequency_deviation": 1}
    assert an.by_severity == {"info": 0, "warning": 1, "critical": 2}
    assert an.by_region == {"north": 2, "south": 1}
    assert [(t.meter_id, t.alerts) for t in an.top_meters] == [("SM_1", 2), ("SM_S", 1)]
    assert all(isinstance(t, segs.MeterAlertCount) for t in an.top_meters)
    assert an.open_now == 1
    assert an.mean_time_to_acknowledge_s == pytest.approx(600)
    north = alerts.analytics(op, midnight, midnight + dt.timedelta(days=1), region="north")
    assert north.by_region == {"north": 2} and north.open_now == 0
    with pytest.raises(segs.Forbidden):
        alerts.analytics(alice, midnight, midnight + dt.timedelta(days=1))


# --- settings -------------------------------------------------------------------------------------


def test_settings_read_and_partial_update(grid: segs.Grid, clock: segs.ManualClock,
                                          alerts: segs.Alerts, admin: segs.Principal,
                                          op: segs.Principal, alice: segs.Principal) -> None:
    meter(grid, admin, "SM_1", owner=alice)
    meter(grid, admin, "SM_2")
    s = alerts.settings(admin, "north")
    assert isinstance(s, segs.AlertSettings)
    assert (s.nominal_voltage_v, s.voltage_band, s.nominal_frequency_hz, s.frequency_limit_hz,
            s.power_factor_min, s.high_consumption_factor, s.offline_after_minutes) == (
        D(230), D("0.05"), D(50), D("0.5"), D("0.85"), D(3), 30)
    assert isinstance(s.voltage_band, D)
    assert sorted(s.rules) == sorted(["over_voltage", "under_voltage", "frequency_deviation",
                                      "low_power_factor", "over_capacity", "high_consumption",
                                      "meter_offline"])
    lpf = s.rules["low_power_factor"]
    assert isinstance(lpf, segs.AlertRule)
    assert (lpf.enabled, lpf.fire_after, lpf.clear_after) == (True, 3, 3)
    assert (s.rules["over_voltage"].fire_after, s.rules["over_voltage"].clear_after) == (1, 3)
    assert alerts.settings(op, "north").voltage_band == D("0.05")  # operators read theirs
    assert alerts.settings(alice, "north", "SM_1").offline_after_minutes == 30  # owners theirs
    with pytest.raises(segs.Forbidden):
        alerts.settings(alice, "north")
    refused(segs.NotFound, "meter_id", alerts.settings, alice, "north", "SM_2")
    refused(segs.NotFound, "meter_id", alerts.settings, admin, "south", "SM_1")
    refused(segs.NotFound, "region", alerts.settings, admin, "atlantis")

    u = alerts.update_settings(admin, "north", voltage_band="0.03",
                               rules={"low_power_factor": {"fire_after": 5},
                                      "under_voltage": {"enabled": False}},
                               ip="10.0.0.9")
    assert u.voltage_band == D("0.03") and u.nominal_voltage_v == D(230)
    assert (u.rules["low_power_factor"].fire_after, u.rules["low_power_factor"].clear_after) == (
        5, 3)
    assert u.rules["under_voltage"].enabled is False and u.rules["over_voltage"].enabled
    # Partial: what is not given keeps its value.
    v = alerts.update_settings(admin, "north", offline_after_minutes=45, frequency_limit_hz=0.25)
    assert (v.voltage_band, v.offline_after_minutes, v.frequency_limit_hz) == (
        D("0.03"), 45, D("0.25"))
    assert v.rules["low_power_factor"].fire_after == 5
    assert alerts.settings(admin, "north").offline_after_minutes == 45
    assert alerts.settings(admin, "south").voltage_band == D("0.05")  # per region
    assert any(r.ip == "10.0.0.9" for r in grid.audit.query(admin, per_page=100).items)

    # Per meter: an override wins over the region's.
    m = alerts.update_meter_settings(admin, "north", "SM_1", voltage_band="0.1")
    assert m.voltage_band == D("0.1") and m.offline_after_minutes == 45
    assert alerts.settings(admin, "north", "SM_1").voltage_band == D("0.1")
    assert alerts.settings(admin, "north").voltage_band == D("0.03")

    # The settings in effect decide: 240 V is beyond 230 x 1.03 = 236.9 V
    # on SM_2 but within SM_1's 10 %; under_voltage is off.
    read(grid, admin, "SM_1", voltage=240)
    read(grid, admin, "SM_2", voltage=240)
    later(clock)
    read(grid, admin, "SM_2", voltage=150)
    [a] = alerts.list(admin)
    assert (a.meter_id, a.type, a.threshold) == ("SM_2", "over_voltage", D("236.9"))

    # Who and what.
    with pytest.raises(segs.Forbidden):
        alerts.update_settings(op, "north", voltage_band="0.04")
    with pytest.raises(segs.Forbidden):
        alerts.update_meter_settings(op, "north", "SM_1", voltage_band="0.04")
    err = refused(segs.ValidationError, "voltage_band", alerts.update_settings, admin, "north",
                  voltage_band=0)
    assert err.message.startswith("voltage_band must be ")
    refused(segs.ValidationError, "voltage_band", alerts.update_settings, admin, "north",
            voltage_band="0.6")
    refused(segs.ValidationError, "voltage_band", alerts.update_settings, admin, "north",
            voltage_band="0.0305")  # a fourth decimal
    refused(segs.ValidationError, "power_factor_min", alerts.update_settings, admin, "north",
            power_factor_min="1.1")
    refused(segs.ValidationError, "offline_after_minutes", alerts.update_settings, admin,
            "north", offline_after_minutes=0)
    # A rule's fields are named by their path in `rules`, as the REST API names them.
    err = refused(segs.ValidationError, "rules.low_power_factor.fire_after",
                  alerts.update_settings, admin, "north",
                  rules={"low_power_factor": {"fire_after": 0}})
    assert err.message.startswith("rules.low_power_factor.fire_after ")
    refused(segs.ValidationError, "rules.meter_offline.clear_after", alerts.update_meter_settings,
            admin, "north", "SM_1", rules={"meter_offline": {"clear_after": 101}})
    refused(segs.ValidationError, "rules.over_voltage.colour", alerts.update_settings, admin,
            "north", rules={"over_voltage": {"colour": 1}})
    refused(segs.ValidationError, "rules.smoke", alerts.update_settings, admin, "north",
            rules={"smoke": {"enabled": True}})
    with pytest.raises(TypeError):
        alerts.update_settings(admin, "north", offline_after_minutes=True)
    with pytest.raises(TypeError):
        alerts.update_settings(admin, "north", rules={"over_voltage": {"enabled": 1}})
    with pytest.raises(TypeError):
        alerts.update_settings(admin, "north", voltage_band=[0.1])  # type: ignore[arg-type]
    # Nothing of the refused calls was applied.
    assert alerts.settings(admin, "north").voltage_band == D("0.03")


# --- offline meters, on the manual clock ----------------------------------------------------------


def test_offline_detection_with_the_manual_clock(grid: segs.Grid, clock: segs.ManualClock,
                                                 alerts: segs.Alerts, admin: segs.Principal,
                                                 alice: segs.Principal) -> None:
    meter(grid, admin, "SM_1", owner=alice)
    read(grid, admin, "SM_1", energy_consumed_kwh=1)
    with grid.events(["alerts."], timeout=0) as events:
        report = grid.run_due_work()
        assert report.offline_alerts_raised == 0
        later(clock, 30)  # silent for 30 minutes: not longer than the limit
        assert grid.run_due_work().offline_alerts_raised == 0
        assert alerts.list(alice).total == 0

        later(clock, 1)
        report = grid.run_due_work()
        assert isinstance(report, segs.DueWorkReport)
        assert report.offline_alerts_raised == 1 and not report.idle
        assert "offline_alerts_raised=1" in repr(report)
        [a] = alerts.list(alice)
        assert (a.type, a.severity, a.status, a.meter_id) == ("meter_offline", "warning",
                                                              "active", "SM_1")
        assert a.value == D(31) and a.threshold == D(30)
        assert a.user_id == alice.id

        # Still silent: the open alert is not raised again.
        later(clock, 30)
        assert grid.run_due_work().offline_alerts_raised == 0
        assert alerts.list(alice).total == 1

        # The next reading clears it at once.
        read(grid, admin, "SM_1", energy_consumed_kwh=1)
        back = alerts.get(alice, a.id)
        assert (back.status, back.resolution, back.resolved_by) == ("resolved", "auto", None)
        assert grid.run_due_work().offline_alerts_raised == 0
        got = [(e.name, e.alert.alert.type if e.alert else None) for e in events.drain()]

    assert got == [("alerts.raised", "meter_offline"), ("alerts.resolved", "meter_offline")]

    # The limit is a setting: 5 minutes for this meter.
    alerts.update_meter_settings(admin, "north", "SM_1", offline_after_minutes=5)
    later(clock, 6)
    assert grid.run_due_work().offline_alerts_raised == 1
    assert alerts.list(alice, type="meter_offline", status="active").total == 1


def test_events_filtered_by_region(grid: segs.Grid, alerts: segs.Alerts,
                                   admin: segs.Principal) -> None:
    meter(grid, admin, "SM_N")
    meter(grid, admin, "SM_S", region="south")
    with grid.events(["alerts.raised"], region="south", timeout=0) as south, \
            grid.events(timeout=0) as everything:
        read(grid, admin, "SM_N", voltage=260)
        read(grid, admin, "SM_S", voltage=260)
        [only] = list(south)
        all_names = [e.name for e in everything]
    assert only.region == "south" and only.alert is not None
    assert only.alert.alert.meter_id == "SM_S" and only.alert.type == "raised"
    # The readings' own events come too.
    assert sorted(all_names) == ["alerts.raised"] * 2 + ["telemetry.readings"] * 2
    assert alerts.list(admin).total == 2


# --- durability, lifetime ---------------------------------------------------------------------------


def test_a_reopened_grid_continues_the_counts(tmp_path: Path, clock: segs.ManualClock) -> None:
    url = "sqlite:" + str(tmp_path / "grid.db")
    system = segs.Principal.system()
    with segs.Grid.open(url, clock=clock, **FAST) as grid:
        grid.telemetry.create_meter(system, meter_id="SM_1", capacity_kw=10)
        for _ in range(2):  # low_power_factor needs 3 in a row
            read(grid, system, "SM_1", power_factor="0.5")
            later(clock)
        assert grid.alerts.list(system).total == 0
    with segs.Grid.open(url, clock=clock, **FAST) as grid:
        read(grid, system, "SM_1", power_factor="0.5")
        [a] = grid.alerts.list(system)
        assert (a.type, a.first_seen_at) == ("low_power_factor", T + 30 * MIN)


def test_rules_can_be_left_off_for_loading_history(clock: segs.ManualClock) -> None:
    system = segs.Principal.system()
    with segs.Grid.open("sqlite::memory:", clock=clock, alerts_evaluate_readings=False, **FAST) as grid:
        grid.telemetry.create_meter(system, meter_id="SM_1", capacity_kw=10)
        read(grid, system, "SM_1", voltage="260")  # critical over-voltage, not evaluated
        assert grid.alerts.list(system).total == 0
        later(clock, 31)
        assert grid.run_due_work().offline_alerts_raised == 1  # the offline sweep still runs
    with segs.Grid.open("sqlite::memory:", clock=clock, **FAST) as grid:
        grid.telemetry.create_meter(system, meter_id="SM_1", capacity_kw=10)
        read(grid, system, "SM_1", voltage="260")
        assert [a.type for a in grid.alerts.list(system)] == ["over_voltage"]


def test_service_follows_the_grid_lifetime(grid: segs.Grid, alerts: segs.Alerts,
                                           admin: segs.Principal) -> None:
    assert isinstance(alerts, segs.Alerts)
    grid.close()
    with pytest.raises(segs.ServiceUnavailable):
        alerts.summary(admin)
    with pytest.raises(segs.ServiceUnavailable):
        grid.alerts
