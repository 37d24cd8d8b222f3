"""Meters and telemetry through the Python API: the registry, readings (single,
bulk rows and columns, corrections), the aggregates at every width, the meter
and region queries, analytics, numpy in and out, the telemetry.readings event,
raw retention, and errors that name the Python keyword.

Every test that takes the `grid` fixture runs on SQLite and on PostgreSQL (a
fresh schema of the server SEGS_TEST_PG_URL names, which scripts/test.sh sets
through scripts/with-postgres.sh): the aggregates are SQL. Without a server
the PostgreSQL runs are skipped, and fail under CI=true, as the C++ suites do."""

from __future__ import annotations

import base64
import ctypes
import ctypes.util
import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from decimal import Decimal
from decimal import Decimal as D
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
from segs_testlib import FAST, PASSWORD, START, open_on, sign_in

import segs

UTC = dt.timezone.utc
T = START  # 2025-01-01 12:00 UTC, a Wednesday; the grid's clock


def ago(minutes: int) -> dt.datetime:
    return T - dt.timedelta(minutes=minutes)


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
def tel(grid: segs.Grid) -> segs.Telemetry:
    return grid.telemetry


@pytest.fixture
def op(grid: segs.Grid) -> segs.Principal:
    return person(grid, "op@example.org", "operator")


@pytest.fixture
def alice(grid: segs.Grid) -> segs.Principal:
    return person(grid, "alice@example.org", "consumer")


@pytest.fixture
def bob(grid: segs.Grid) -> segs.Principal:
    return person(grid, "bob@example.org", "prosumer")


@pytest.fixture
def berlin(grid: segs.Grid, admin: segs.Principal) -> str:
    grid.regions.put(admin, "berlin", time_zone="Europe/Berlin", currency="EUR",
                     emission_factor_kg_per_kwh=0.5)
    return "berlin"


def meter(tel: segs.Telemetry, admin: segs.Principal, serial: str, region: str = "north",
          owner: Optional[segs.Principal] = None, **kw: Any) -> segs.Meter:
    return tel.create_meter(admin, meter_id=serial, capacity_kw=10, region=region,
                            user_id=uid(owner) if owner else None, **kw)


def refused(exc: type, field: str, fn: Any, *args: Any, **kw: Any) -> segs.Error:
    with pytest.raises(exc) as info:
        fn(*args, **kw)
    err = info.value
    assert isinstance(err, segs.Error)
    assert err.field == field, (field, err.field, err.message)
    return err


# --- registry -----------------------------------------------------------------------


def test_meter_registry(grid: segs.Grid, tel: segs.Telemetry, admin: segs.Principal,
                        op: segs.Principal, alice: segs.Principal, bob: segs.Principal) -> None:
    assert isinstance(tel, segs.Telemetry)
    m = tel.create_meter(admin, meter_id="SM_ENG_001_2025", capacity_kw="12.5", region="north",
                         meter_type="net_meter",
                         location={"building": "B1", "room": "12", "latitude": 52.5,
                                   "longitude": 13.4},
                         installation_date=dt.date(2024, 6, 1), metadata={"vendor": "acme"},
                         ip="10.0.0.1", user_agent="pytest")
    assert isinstance(m, segs.Meter) and isinstance(m.id, uuid.UUID)
    assert (m.meter_id, m.region, m.meter_type, m.status) == ("SM_ENG_001_2025", "north",
                                                              "net_meter", "active")
    assert m.capacity_kw == Decimal("12.5") and isinstance(m.capacity_kw, Decimal)
    assert m.user_id is None and m.public_key is None and m.metadata == {"vendor": "acme"}
    assert isinstance(m.location, segs.MeterLocation)
    assert (m.location.building, m.location.room, m.location.address) == ("B1", "12", None)
    assert (m.location.latitude, m.location.longitude) == (52.5, 13.4)
    assert m.installation_date == dt.date(2024, 6, 1)
    assert m.created_at == m.updated_at == T
    assert m.last_reading is None and m.total_energy_consumed == 0
    assert "SM_ENG_001_2025" in repr(m)
    [audited] = grid.audit.query(admin, action="meter.create").items
    assert audited.target_id == str(m.id) and audited.ip == "10.0.0.1"

    # By serial or by UUID (uuid.UUID or its text).
    assert tel.get_meter(admin, m.id).meter_id == "SM_ENG_001_2025"
    assert tel.get_meter(admin, str(m.id)).id == m.id
    refused(segs.Conflict, "meter_id", tel.create_meter, admin, meter_id="SM_ENG_001_2025",
            capacity_kw=1)
    refused(segs.ValidationError, "meter_id", tel.create_meter, admin, meter_id="x!",
            capacity_kw=1)
    refused(segs.ValidationError, "capacity_kw", tel.create_meter, admin, meter_id="SM_2",
            capacity_kw="1.0001")
    refused(segs.ValidationError, "capacity_kw", tel.create_meter, admin, meter_id="SM_2",
            capacity_kw=0)
    refused(segs.ValidationError, "meter_type", tel.create_meter, admin, meter_id="SM_2",
            capacity_kw=1, meter_type="toaster")
    refused(segs.ValidationError, "latitude", tel.create_meter, admin, meter_id="SM_2",
            capacity_kw=1, location={"latitude": 91})
    refused(segs.ValidationError, "floor", tel.create_meter, admin, meter_id="SM_2",
            capacity_kw=1, location={"floor": 3})
    refused(segs.ValidationError, "installation_date", tel.create_meter, admin,
            meter_id="SM_2", capacity_kw=1, installation_date="2024-02-30")
    refused(segs.ValidationError, "region", tel.create_meter, admin, meter_id="SM_2",
            capacity_kw=1, region="atlantis")
    with pytest.raises(TypeError):
        tel.create_meter(admin, meter_id="SM_2", capacity_kw=1,
                         installation_date=dt.datetime(2024, 1, 1, tzinfo=UTC))
    with pytest.raises(segs.Forbidden):
        tel.create_meter(alice, meter_id="SM_2", capacity_kw=1)

    # Updates keep what is not given; operators manage their region's meters.
    u = tel.update_meter(op, "SM_ENG_001_2025", capacity_kw=15, location={"address": "Main St 1"},
                         installation_date="2024-05-01", public_key="")
    assert u.capacity_kw == 15 and u.location.address == "Main St 1"
    assert u.location.building is None  # a location is replaced whole
    assert u.installation_date == dt.date(2024, 5, 1) and u.meter_type == "net_meter"
    assert tel.set_meter_status(op, m.id, "maintenance", reason="firmware").status == "maintenance"
    refused(segs.ValidationError, "status", tel.set_meter_status, op, m.id, "broken")

    # Owners: assign, a second owner is a conflict, unassign.
    assert tel.assign_meter(admin, "SM_ENG_001_2025", uid(alice)).user_id == alice.id
    refused(segs.Conflict, "meter_id", tel.assign_meter, admin, "SM_ENG_001_2025", bob.id)
    refused(segs.NotFound, "user_id", tel.assign_meter, admin, "SM_ENG_001_2025", uuid.uuid4())
    assert tel.my_meter(alice).id == m.id
    assert tel.my_meter(alice, "SM_ENG_001_2025").id == m.id
    refused(segs.NotFound, "meter_id", tel.my_meter, bob)
    refused(segs.NotFound, "meter_id", tel.get_meter, bob, "SM_ENG_001_2025")  # ids do not leak
    assert tel.unassign_meter(admin, m.id).user_id is None
    refused(segs.NotFound, "meter_id", tel.my_meter, alice)

    # Listings: own meters, an operator's region, all for admins; counts by status.
    meter(tel, admin, "SM_A1", owner=alice)
    meter(tel, admin, "SM_A2", owner=alice)
    meter(tel, admin, "SM_S1", region="south")
    refused(segs.ValidationError, "meter_id", tel.my_meter, alice)  # several: name one
    mine = tel.list_meters(alice)
    assert isinstance(mine, segs.MeterListing)
    assert sorted(x.meter_id for x in mine) == ["SM_A1", "SM_A2"] and len(mine) == 2
    assert (mine.total, mine.page, mine.per_page, mine.total_pages) == (2, 1, 20, 1)
    assert (mine.active_meters, mine.inactive_meters) == (2, 0)
    assert tel.list_meters(op).total == 3  # north only
    everything = tel.list_meters(admin, per_page=2)
    assert (everything.total, everything.total_pages, len(everything.meters)) == (4, 2, 2)
    assert (everything.active_meters, everything.inactive_meters) == (3, 1)
    assert [x.meter_id for x in tel.list_meters(admin, status="maintenance")] == [
        "SM_ENG_001_2025"]
    assert [x.meter_id for x in tel.list_meters(admin, region="south")] == ["SM_S1"]
    assert tel.list_meters(admin, user_id=alice.id).total == 2
    refused(segs.ValidationError, "per_page", tel.list_meters, admin, per_page=0)

    # Decommissioning is final and keeps the meter readable.
    d = tel.decommission_meter(admin, "SM_A2")
    assert d.status == "decommissioned"
    refused(segs.Conflict, "status", tel.set_meter_status, admin, "SM_A2", "active")
    refused(segs.Conflict, "meter_id", tel.submit, alice, "SM_A2", timestamp=ago(15),
            energy_consumed_kwh=1)
    assert tel.get_meter(alice, "SM_A2").status == "decommissioned"


def test_meter_assignments_keep_who_held_a_meter_when(
        clock: segs.ManualClock, tel: segs.Telemetry, admin: segs.Principal, op: segs.Principal,
        alice: segs.Principal, bob: segs.Principal, berlin: str) -> None:
    meter(tel, admin, "SM_HOLD", region=berlin, installation_date=dt.date(2024, 12, 1))
    assert tel.meter_assignments(admin, "SM_HOLD") == []
    tel.assign_meter(admin, "SM_HOLD", uid(alice))
    first, = tel.meter_assignments(admin, "SM_HOLD")
    assert isinstance(first, segs.MeterAssignment)
    # Local midnight of the installation date in Berlin (CET, UTC+1).
    assert (first.user_id, first.effective_from, first.effective_to) == (
        alice.id, dt.datetime(2024, 11, 30, 23, tzinfo=UTC), None)
    clock.advance(dt.timedelta(hours=1))
    tel.unassign_meter(admin, "SM_HOLD")
    refused(segs.Conflict, "effective_from", tel.assign_meter, admin, "SM_HOLD", uid(bob),
            effective_from=T)
    refused(segs.ValidationError, "effective_from", tel.assign_meter, admin, "SM_HOLD", uid(bob),
            effective_from=T + dt.timedelta(hours=2))
    with pytest.raises(ValueError):  # a naive datetime names no instant
        tel.assign_meter(admin, "SM_HOLD", uid(bob), effective_from=dt.datetime(2025, 1, 1, 13))
    clock.advance(dt.timedelta(hours=1))
    backdated = T + dt.timedelta(minutes=90)
    assert tel.assign_meter(admin, "SM_HOLD", uid(bob), effective_from=backdated).user_id == bob.id
    assert [(a.user_id, a.effective_from, a.effective_to)
            for a in tel.meter_assignments(admin, "SM_HOLD")] == [
        (alice.id, dt.datetime(2024, 11, 30, 23, tzinfo=UTC), T + dt.timedelta(hours=1)),
        (bob.id, backdated, None)]
    assert len(tel.meter_assignments(bob, "SM_HOLD")) == 2
    refused(segs.NotFound, "meter_id", tel.meter_assignments, alice, "SM_HOLD")
    refused(segs.NotFound, "meter_id", tel.meter_assignments, op, "SM_HOLD")  # north's operator


# --- single readings ------------------------------------------------------------------


def test_submit_is_exact_idempotent_and_names_the_keyword(tel: segs.Telemetry,
                                                          admin: segs.Principal,
                                                          alice: segs.Principal) -> None:
    meter(tel, admin, "SM_1", owner=alice, installation_date=dt.date(2024, 12, 1))
    r = tel.submit(alice, "SM_1", timestamp=ago(45), energy_consumed_kwh=Decimal("1.25"),
                   energy_produced_kwh=0.125, power_kw="-2.5", peak_demand_kw=3, voltage=230.1,
                   current="10.25", power_factor=Decimal("0.95"), frequency=50,
                   metadata={"src": "gw"})
    assert isinstance(r, segs.Reading) and not r.duplicate
    assert (r.meter_id, r.timestamp, r.received_at) == ("SM_1", ago(45), T)
    assert isinstance(r.meter_uuid, uuid.UUID)
    assert r.energy_consumed_kwh == Decimal("1.25") and isinstance(r.energy_consumed_kwh, Decimal)
    assert r.energy_produced_kwh == Decimal("0.125")
    assert (r.power_kw, r.peak_demand_kw, r.voltage, r.current, r.power_factor, r.frequency) == (
        D("-2.5"), D(3), D("230.1"), D("10.25"), D("0.95"), D(50))
    assert all(isinstance(v, Decimal) for v in (r.power_kw, r.voltage, r.frequency))
    assert r.metadata == {"src": "gw"}

    # An exact repeat is a duplicate; other values at that time a conflict.
    again = tel.submit(alice, "SM_1", timestamp=ago(45), energy_consumed_kwh="1.250",
                       energy_produced_kwh="0.125", power_kw=-2.5, peak_demand_kw=3,
                       voltage="230.100", current=10.25, power_factor=0.95, frequency=50,
                       metadata='{"src": "gw"}')
    assert again.duplicate and again.received_at == T
    err = refused(segs.Conflict, "timestamp", tel.submit, alice, "SM_1", timestamp=ago(45),
                  energy_consumed_kwh=2)
    assert err.http_status == 409

    # RFC 3339 text is a timestamp too; absent energies are 0, absent values None.
    bare = tel.submit(alice, "SM_1", timestamp="2025-01-01T11:30:00+01:00")
    assert bare.timestamp == dt.datetime(2025, 1, 1, 10, 30, tzinfo=UTC)
    assert bare.energy_consumed_kwh == 0 and bare.power_kw is None and bare.metadata == {}

    latest = tel.latest(alice, "SM_1")
    assert latest is not None and latest.timestamp == ago(45)
    page = tel.readings(alice, "SM_1", ago(120), T, per_page=1)
    assert isinstance(page, segs.Page) and page.total == 2 and page.total_pages == 2
    assert [x.timestamp for x in page.items] == [ago(90)]  # oldest first
    assert tel.readings(alice, "SM_1", ago(120), T, page=2).items == []

    # Every value with a fourth decimal, out of range or the wrong kind names its keyword.
    def bad(field: str, value: object, exc: type = segs.ValidationError) -> None:
        kw: Dict[str, Any] = {"timestamp": ago(30), field: value}
        with pytest.raises(exc) as info:
            tel.submit(alice, "SM_1", **kw)
        if issubclass(exc, segs.Error):
            assert info.value.field == field, (field, value, info.value)  # type: ignore[attr-defined]
        assert field in str(info.value), (field, str(info.value))

    for field in ("energy_consumed_kwh", "energy_produced_kwh", "power_kw", "peak_demand_kw",
                  "voltage", "current", "power_factor", "frequency"):
        bad(field, Decimal("1.0001"))
        bad(field, "0.0005")
        bad(field, 1e-4)
        bad(field, True, TypeError)
        bad(field, [1], TypeError)
    bad("energy_consumed_kwh", -1)
    bad("energy_produced_kwh", "-0.001")
    bad("peak_demand_kw", -1)
    bad("voltage", "1000.001")
    bad("current", 10001)
    bad("power_factor", "1.001")
    bad("frequency", 39)
    bad("frequency", float("nan"))
    bad("metadata", "[1, 2]")
    bad("metadata", 7, TypeError)
    bad("timestamp", ago(-6))  # more than 5 minutes ahead of the clock
    bad("timestamp", dt.datetime(2024, 11, 30, 23, 0, tzinfo=UTC))  # before installation
    bad("timestamp", "yesterday")
    bad("timestamp", dt.datetime(2025, 1, 1, 11, 0), ValueError)  # naive
    bad("timestamp", 1735725600, TypeError)  # a bare number is not a time here
    refused(segs.NotFound, "meter_id", tel.submit, alice, "SM_NOPE", timestamp=ago(30))
    refused(segs.NotFound, "meter_id", tel.readings, alice, "SM_NOPE", ago(30), T)
    refused(segs.ValidationError, "start", tel.readings, alice, "SM_1", T, ago(30))
    refused(segs.ValidationError, "end", tel.readings, alice, "SM_1", ago(60 * 24 * 367), T)
    with pytest.raises(segs.Unauthorized):
        tel.submit(segs.Principal.anonymous(), "SM_1", timestamp=ago(30))


# --- bulk ---------------------------------------------------------------------------------


def test_ingest_rows_are_independent(grid: segs.Grid, tel: segs.Telemetry,
                                     admin: segs.Principal, alice: segs.Principal,
                                     bob: segs.Principal) -> None:
    meter(tel, admin, "SM_A", owner=alice)
    b = meter(tel, admin, "SM_B", owner=bob)
    meter(tel, admin, "SM_OLD", owner=alice)
    tel.decommission_meter(admin, "SM_OLD")
    tel.submit(alice, "SM_A", timestamp=ago(60), energy_consumed_kwh=1)
    rows: List[Dict[str, Any]] = [
        {"meter_id": "SM_A", "timestamp": ago(45), "energy_consumed_kwh": "0.5"},      # 0 stored
        {"meter_id": "SM_A", "timestamp": ago(60), "energy_consumed_kwh": 1},          # 1 duplicate
        {"meter_id": "SM_A", "timestamp": ago(60), "energy_consumed_kwh": 2},          # 2 conflict
        {"meter_id": "SM_A", "timestamp": ago(45), "energy_consumed_kwh": "0.500"},    # 3 repeat in call
        {"meter_id": "SM_A", "timestamp": ago(45), "energy_consumed_kwh": "0.6"},      # 4 conflict in call
        {"meter_id": "SM_NOPE", "timestamp": ago(30)},                                  # 5 unknown meter
        {"meter_id": str(b.id), "timestamp": ago(30)},                                  # 6 not alice's
        {"meter_id": "SM_OLD", "timestamp": ago(30)},                                   # 7 decommissioned
        {"meter_id": "SM_A", "timestamp": ago(30), "voltage": "230.0001"},              # 8 4 decimals
        {"meter_id": "SM_A", "timestamp": ago(30), "volts": 230},                       # 9 unknown field
        {"meter_id": "SM_A", "energy_consumed_kwh": 1},                                 # 10 no timestamp
        {"timestamp": ago(30)},                                                         # 11 no meter
        {"meter_id": "SM_A", "timestamp": ago(-10)},                                    # 12 future
        {"meter_id": "SM_A", "timestamp": ago(15), "energy_produced_kwh": True},        # 13 bool
        {"meter_id": "SM_A", "timestamp": "2025-01-01T11:30:00Z", "power_kw": -1},     # 14 stored
    ]
    rep = tel.ingest(alice, rows)
    assert isinstance(rep, segs.IngestReport)
    assert (rep.accepted, rep.duplicates) == (2, 2)
    got = [(r.index, r.field, r.code) for r in rep.rejected]
    assert got == [
        (2, "timestamp", "CONFLICT"), (4, "timestamp", "CONFLICT"),
        (5, "meter_id", "NOT_FOUND"), (6, "meter_id", "NOT_FOUND"), (7, "meter_id", "CONFLICT"),
        (8, "voltage", "VALIDATION_ERROR"), (9, "volts", "VALIDATION_ERROR"),
        (10, "timestamp", "VALIDATION_ERROR"), (11, "meter_id", "VALIDATION_ERROR"),
        (12, "timestamp", "VALIDATION_ERROR"), (13, "energy_produced_kwh", "VALIDATION_ERROR"),
    ], got
    assert all(isinstance(r, segs.RejectedReading) and r.message for r in rep.rejected)
    assert rep.rejected[9].message.startswith("timestamp ")  # the library's "time" in our words
    assert "RejectedReading(index=2" in repr(rep.rejected[0])
    assert [x.timestamp for x in tel.readings(alice, "SM_A", ago(120), T).items] == [
        ago(60), ago(45), ago(30)]

    # Every row bad is still a report; nothing was stored.
    rep = tel.ingest(alice, [{"meter_id": "SM_NOPE", "timestamp": ago(5)},
                             {"meter_id": "SM_A", "timestamp": ago(5), "current": "x"}])
    assert (rep.accepted, rep.duplicates) == (0, 0)
    assert [(r.index, r.field) for r in rep.rejected] == [(0, "meter_id"), (1, "current")]
    assert tel.ingest(alice, []).accepted == 0
    assert tel.ingest(alice, iter([{"meter_id": "SM_A", "timestamp": ago(5)}])).accepted == 1

    # An API key of the region (a head-end) writes any of its meters.
    key = grid.identity.create_api_key(admin, name="ami", scopes=["telemetry:write"],
                                       region="north")
    head_end = grid.identity.authenticate_api_key(key.secret)
    rep = tel.ingest(head_end, [{"meter_id": "SM_B", "timestamp": ago(5)}])
    assert rep.accepted == 1 and rep.rejected == []

    # Whole-call refusals.
    refused(segs.ValidationError, "readings", tel.ingest, alice,
            [{"meter_id": "SM_A", "timestamp": ago(5)}] * 10_001)
    with pytest.raises(TypeError):
        tel.ingest(alice, ["SM_A"])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        tel.ingest(alice, "SM_A")  # type: ignore[arg-type]


def test_replace_corrects_readings_and_aggregates(grid: segs.Grid, tel: segs.Telemetry,
                                                  admin: segs.Principal, op: segs.Principal,
                                                  alice: segs.Principal) -> None:
    m = meter(tel, admin, "SM_A", owner=alice)
    tel.ingest(alice, {"meter_id": "SM_A", "timestamp": [ago(45), ago(30)],
                       "energy_consumed_kwh": [1, 2]})
    rep = tel.replace(op, "SM_A", [
        {"timestamp": ago(-30), "energy_consumed_kwh": 9},  # 0: future, refused by the library
        {"timestamp": ago(45), "energy_consumed_kwh": "1.5", "voltage": 231},  # 1: replaced
        {"timestamp": ago(15), "energy_consumed_kwh": 3},  # 2: inserted
        {"timestamp": ago(30), "energy_consumed_kwh": 2},  # 3: unchanged
        {"meter_id": "SM_A", "timestamp": ago(30)},  # 4: the meter is the call's
    ], reason="meter swap", ip="10.1.1.1")
    assert (rep.accepted, rep.duplicates) == (2, 1)
    assert [(r.index, r.field, r.code) for r in rep.rejected] == [
        (0, "timestamp", "VALIDATION_ERROR"), (4, "meter_id", "VALIDATION_ERROR")]
    [h] = tel.history(alice, "SM_A", ago(60), T, "1h")
    assert (h.consumed_kwh, h.reading_count, h.voltage_avg) == (D("6.5"), 3, D(231))
    [rec] = grid.audit.query(admin, action="meter.readings.replace").items
    assert rec.target_id == str(m.id) and rec.ip == "10.1.1.1"
    assert rec.details["reason"] == "meter swap" and rec.details["meter_id"] == "SM_A"

    refused(segs.ValidationError, "reason", tel.replace, op, "SM_A",
            [{"timestamp": ago(15)}], reason="")
    refused(segs.ValidationError, "readings", tel.replace, op, "SM_A", [], reason="x")
    with pytest.raises(segs.Forbidden):
        tel.replace(alice, "SM_A", [{"timestamp": ago(15)}], reason="mine")


# --- signed meters --------------------------------------------------------------------------


class Ed25519:
    """A device key through libsodium (the library's own dependency)."""

    def __init__(self) -> None:
        name = ctypes.util.find_library("sodium")
        if not name:
            pytest.skip("libsodium is not installed")
        self.lib = ctypes.CDLL(name)
        assert self.lib.sodium_init() >= 0
        self.pk = ctypes.create_string_buffer(32)
        self.sk = ctypes.create_string_buffer(64)
        assert self.lib.crypto_sign_keypair(self.pk, self.sk) == 0

    @property
    def public_key(self) -> str:
        return base64.b64encode(self.pk.raw).decode()

    def sign(self, text: str) -> str:
        sig = ctypes.create_string_buffer(64)
        data = text.encode()
        assert self.lib.crypto_sign_detached(sig, None, data, ctypes.c_ulonglong(len(data)),
                                             self.sk) == 0
        return base64.b64encode(sig.raw).decode()


def test_signed_meters(tel: segs.Telemetry, alice: segs.Principal) -> None:
    key = Ed25519()
    body = json.dumps({"meter_id": "SM_DEV_1", "capacity_kw": 7.5, "meter_type": "solar_inverter",
                       "installation_date": "2024-12-01", "location": {"room": "roof"}})
    m = tel.register_signed_meter(alice, body, public_key=key.public_key,
                                  signature=key.sign(body))
    assert (m.meter_id, m.user_id, m.region, m.public_key) == ("SM_DEV_1", alice.id, "north",
                                                               key.public_key)
    assert m.capacity_kw == Decimal("7.5") and m.meter_type == "solar_inverter"
    assert m.installation_date == dt.date(2024, 12, 1) and m.location.room == "roof"
    other = json.dumps({"meter_id": "SM_DEV_2", "capacity_kw": 1})
    refused(segs.Unauthorized, "signature", tel.register_signed_meter, alice, other,
            public_key=key.public_key, signature=key.sign(body))
    refused(segs.ValidationError, "user_id", tel.register_signed_meter, alice,
            json.dumps({"meter_id": "SM_DEV_2", "capacity_kw": 1, "user_id": str(uuid.uuid4())}),
            public_key=key.public_key, signature=key.sign(other))
    refused(segs.ValidationError, "meter", tel.register_signed_meter, alice, b"[1]",
            public_key=key.public_key, signature=key.sign("[1]"))

    # Readings of a signed meter carry the device's signature over
    # "serial|timestamp as sent|consumed Wh|produced Wh".
    stamp = "2025-01-01T11:45:00Z"
    good = key.sign(f"SM_DEV_1|{stamp}|1250|0")
    r = tel.submit(alice, "SM_DEV_1", timestamp=stamp, energy_consumed_kwh="1.25", signature=good)
    assert r.energy_consumed_kwh == Decimal("1.25")
    refused(segs.Unauthorized, "signature", tel.submit, alice, "SM_DEV_1",
            timestamp="2025-01-01T11:30:00Z", energy_consumed_kwh=1)
    rep = tel.ingest(alice, [
        {"meter_id": "SM_DEV_1", "timestamp": "2025-01-01T11:30:00Z", "energy_consumed_kwh": 1,
         "signature": key.sign("SM_DEV_1|2025-01-01T11:30:00Z|1000|0")},
        {"meter_id": "SM_DEV_1", "timestamp": "2025-01-01T11:15:00Z", "energy_consumed_kwh": 1,
         "signature": good},
    ])
    assert rep.accepted == 1
    assert [(x.index, x.field, x.code) for x in rep.rejected] == [(1, "signature", "UNAUTHORIZED")]


# --- aggregates ---------------------------------------------------------------------------


def at(hh: int, mm: int, day: int = 1) -> dt.datetime:
    return dt.datetime(2025, 1, day, hh, mm, tzinfo=UTC)


def test_history_at_every_width_and_stats(tel: segs.Telemetry, admin: segs.Principal,
                                          alice: segs.Principal) -> None:
    meter(tel, admin, "SM_H", owner=alice)
    rows: List[Dict[str, Any]] = [
        # 10:00 ends 09:45-10:00: it belongs to the 9 o'clock hour.
        {"timestamp": at(10, 0), "energy_consumed_kwh": "0.25", "energy_produced_kwh": "0.1",
         "power_kw": "-0.5"},
        {"timestamp": at(10, 15), "energy_consumed_kwh": 1, "power_kw": 2, "voltage": "230.001",
         "current": 5, "power_factor": "0.95", "frequency": 50},
        {"timestamp": at(10, 30), "energy_consumed_kwh": "0.5", "power_kw": 1,
         "voltage": "229.999"},
        {"timestamp": at(11, 0), "energy_consumed_kwh": "0.125", "energy_produced_kwh": "0.5",
         "power_kw": -2, "peak_demand_kw": 3},
        # Means round half to even at the edge: (0.001 + 0.002) / 2 -> 0.002,
        # (0.002 + 0.003) / 2 -> 0.002.
        {"timestamp": at(7, 15), "power_kw": "0.001"}, {"timestamp": at(7, 30), "power_kw": "0.002"},
        {"timestamp": at(8, 15), "power_kw": "0.002"}, {"timestamp": at(8, 30), "power_kw": "0.003"},
    ]
    for r in rows:
        r["meter_id"] = "SM_H"
    assert tel.ingest(alice, rows).accepted == len(rows)

    quarters = tel.history(alice, "SM_H", at(9, 0), at(11, 0), "15m")
    assert [(q.start, q.end) for q in quarters] == [
        (at(9, 45), at(10, 0)), (at(10, 0), at(10, 15)), (at(10, 15), at(10, 30)),
        (at(10, 45), at(11, 0))]  # empty quarters are left out
    assert all(isinstance(q, segs.Bucket) for q in quarters)

    hours = tel.history(alice, "SM_H", at(7, 0), at(11, 0))  # "1h" by default
    assert [(h.start.hour, h.end.hour) for h in hours] == [(7, 8), (8, 9), (9, 10), (10, 11)]
    assert [h.avg_power_kw for h in hours[:2]] == [Decimal("0.002"), Decimal("0.002")]
    nine, ten = hours[2], hours[3]
    assert (nine.consumed_kwh, nine.produced_kwh, nine.net_kwh, nine.reading_count) == (
        Decimal("0.25"), Decimal("0.1"), Decimal("0.15"), 1)
    assert nine.voltage_avg is None and nine.frequency_avg is None
    assert (ten.consumed_kwh, ten.produced_kwh, ten.net_kwh, ten.reading_count) == (
        Decimal("1.625"), Decimal("0.5"), Decimal("1.125"), 3)
    assert (ten.min_power_kw, ten.avg_power_kw, ten.max_power_kw) == (D(-2), D("0.333"), D(2))
    assert (ten.voltage_min, ten.voltage_avg, ten.voltage_max) == (
        D("229.999"), D(230), D("230.001"))
    assert (ten.current_avg, ten.power_factor_avg, ten.frequency_avg, ten.peak_demand_kw) == (
        D(5), D("0.95"), D(50), D(3))
    # A range selects the buckets that overlap it.
    assert [h.start.hour for h in tel.history(alice, "SM_H", at(9, 59), at(10, 1))] == [9, 10]

    [day] = tel.history(alice, "SM_H", at(0, 0), at(0, 0, day=2), "1d")
    assert (day.start, day.end, day.consumed_kwh, day.reading_count) == (
        at(0, 0), at(0, 0, day=2), Decimal("1.875"), 8)
    assert day.min_power_kw == -2 and day.max_power_kw == 2
    [month] = tel.history(alice, "SM_H", at(0, 0), at(0, 0, day=2), "1mo")
    assert (month.start, month.end) == (at(0, 0), dt.datetime(2025, 2, 1, tzinfo=UTC))
    assert month.consumed_kwh == Decimal("1.875") and month.produced_kwh == Decimal("0.6")
    refused(segs.ValidationError, "interval", tel.history, alice, "SM_H", at(0, 0), T, "2h")
    with pytest.raises(ValueError):
        tel.history(alice, "SM_H", dt.datetime(2025, 1, 1), T)

    stats = tel.stats(alice, "SM_H", at(9, 0), at(12, 0))
    assert isinstance(stats, segs.MeterStats)
    assert (stats.meter_id, stats.start, stats.end) == ("SM_H", at(9, 0), at(12, 0))
    assert (stats.total_consumed_kwh, stats.total_produced_kwh, stats.net_kwh) == (
        Decimal("1.875"), Decimal("0.6"), Decimal("1.275"))
    assert stats.reading_count == 4 and stats.peak_demand_kw == 3 and stats.peak_at == at(11, 0)
    assert (stats.min_power_kw, stats.max_power_kw, stats.avg_power_kw) == (D(-2), D(2), D("0.125"))
    assert (stats.voltage_avg, stats.current_avg, stats.power_factor_avg) == (D(230), D(5),
                                                                             D("0.95"))
    assert stats.totals.voltage_min == Decimal("229.999") and stats.totals.frequency_avg == 50
    empty = tel.stats(alice, "SM_H", at(0, 0, day=2), at(1, 0, day=2))
    assert empty.reading_count == 0 and empty.peak_at is None and empty.avg_power_kw is None


def test_local_days_months_dst_and_compare(grid: segs.Grid, clock: segs.ManualClock,
                                           tel: segs.Telemetry, admin: segs.Principal,
                                           alice: segs.Principal, berlin: str) -> None:
    clock.set(dt.datetime(2025, 4, 1, 12, 0, tzinfo=UTC))
    meter(tel, admin, "SM_BER", region=berlin, owner=alice)

    def z(text: str) -> dt.datetime:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))

    tel.ingest(alice, {
        "meter_id": "SM_BER",
        "timestamp": ["2025-02-15T10:00:00Z",
                      "2025-02-28T23:00:00Z",   # local 1 March 00:00: ends 28 February
                      "2025-03-29T23:00:00Z",   # local 30 March 00:00: ends 29 March
                      "2025-03-30T10:00:00Z", "2025-03-31T10:00:00Z"],
        "energy_consumed_kwh": [5, "0.5", 1, 3, 4],
        "peak_demand_kw": [None, None, None, "2.5", None],
    })
    days = tel.daily(alice, "SM_BER", z("2025-03-28T00:00:00Z"), z("2025-04-01T00:00:00Z"))
    assert [(d.date, d.consumed_kwh) for d in days] == [
        (dt.date(2025, 3, 29), D(1)), (dt.date(2025, 3, 30), D(3)), (dt.date(2025, 3, 31), D(4))]
    assert all(isinstance(d, segs.DayTotal) for d in days)
    assert days[1].peak_demand_kw == Decimal("2.5") and days[0].peak_demand_kw is None
    assert days[1].net_kwh == 3 and days[1].produced_kwh == 0

    # The local day of the DST change has 23 hours; the range selects the
    # days that overlap it.
    buckets = tel.history(alice, "SM_BER", z("2025-03-29T12:00:00Z"), z("2025-03-30T12:00:00Z"),
                          "1d")
    assert [(b.start, b.end) for b in buckets] == [
        (z("2025-03-28T23:00:00Z"), z("2025-03-29T23:00:00Z")),
        (z("2025-03-29T23:00:00Z"), z("2025-03-30T22:00:00Z"))]
    months = tel.history(alice, "SM_BER", z("2025-02-01T00:00:00Z"), z("2025-04-01T00:00:00Z"),
                         "1mo")
    assert [(b.start, b.end, b.consumed_kwh) for b in months] == [
        (z("2025-01-31T23:00:00Z"), z("2025-02-28T23:00:00Z"), Decimal("5.5")),
        (z("2025-02-28T23:00:00Z"), z("2025-03-31T22:00:00Z"), 8)]

    monthly = tel.monthly(alice, "SM_BER", 2025)
    assert [(x.month, x.consumed_kwh, x.produced_kwh, x.net_kwh) for x in monthly] == [
        ("2025-02", D("5.5"), D(0), D("5.5")), ("2025-03", D(8), D(0), D(8))]
    assert isinstance(monthly[0], segs.MonthTotal) and tel.monthly(alice, "SM_BER", 2024) == []
    refused(segs.ValidationError, "year", tel.monthly, alice, "SM_BER", 1900)

    c = tel.compare(alice, "SM_BER", "day", dt.date(2025, 3, 31))
    assert isinstance(c, segs.PeriodComparison) and c.period == "day"
    assert (c.current.consumed_kwh, c.previous.consumed_kwh, c.change_kwh) == (D(4), D(3), D(1))
    assert c.change_percent == 33.33
    assert (c.current.start, c.current.end) == (z("2025-03-30T22:00:00Z"),
                                                z("2025-03-31T22:00:00Z"))
    assert isinstance(c.current, segs.PeriodTotal) and c.current.produced_kwh == 0
    week = tel.compare(alice, "SM_BER", "week", "2025-04-02")  # Monday 31 March's week
    assert (week.current.consumed_kwh, week.previous.consumed_kwh) == (D(4), D(4))
    assert week.change_percent == 0.0
    month = tel.compare(alice, "SM_BER", "month", dt.date(2025, 3, 5))
    assert (month.current.consumed_kwh, month.previous.consumed_kwh) == (D(8), D("5.5"))
    today = tel.compare(alice, "SM_BER")  # the clock's local day, 1 April: nothing yet
    assert (today.current.consumed_kwh, today.previous.consumed_kwh, today.change_kwh) == (D(0), D(4), D(-4))
    assert tel.compare(alice, "SM_BER", "day", "2025-02-01").change_percent is None
    refused(segs.ValidationError, "period", tel.compare, alice, "SM_BER", "year")
    refused(segs.ValidationError, "date", tel.compare, alice, "SM_BER", "day", "2025-13-01")


def test_analytics(clock: segs.ManualClock, tel: segs.Telemetry, admin: segs.Principal,
                   alice: segs.Principal, berlin: str) -> None:
    meter(tel, admin, "SM_PV", region=berlin, owner=alice)
    # Local 31 Dec 2024 in Berlin is 2024-12-30T23:00Z .. 2024-12-31T23:00Z.
    tel.ingest(alice, {
        "meter_id": ["SM_PV", "SM_PV"],
        "timestamp": [dt.datetime(2024, 12, 31, 9, 15, tzinfo=UTC),
                      dt.datetime(2024, 12, 31, 12, 15, tzinfo=UTC)],
        "energy_consumed_kwh": [1, "0.2"],
        "energy_produced_kwh": ["0.5", 1],
    })
    a = tel.analytics(alice, "SM_PV", dt.datetime(2024, 12, 30, 23, 0, tzinfo=UTC),
                      dt.datetime(2024, 12, 31, 23, 0, tzinfo=UTC))
    assert isinstance(a, segs.MeterAnalytics) and a.meter_id == "SM_PV"
    assert (a.total_consumed_kwh, a.total_produced_kwh, a.net_consumption_kwh) == (
        Decimal("1.2"), Decimal("1.5"), Decimal("-0.3"))
    assert a.average_daily_consumption == 1.2 and a.peak_consumption_kw == 4.0
    assert a.efficiency_rating == 0.4667  # sum(min(c, p)) / sum(p) = 0.7 / 1.5
    assert a.grid_independence_score == 0.5833  # 0.7 / 1.2
    assert a.renewable_energy_percent == 100.0 and a.carbon_offset_kg == 0.75
    assert a.peak_hours == ["10:00-11:00", "13:00-14:00"]  # local hours (UTC+1)
    assert a.off_peak_hours == [] and a.weekend_vs_weekday_ratio is None
    assert a.start == dt.datetime(2024, 12, 30, 23, 0, tzinfo=UTC)


# --- region queries ------------------------------------------------------------------------


def test_region_stats_top_consumers_realtime(grid: segs.Grid, tel: segs.Telemetry,
                                             admin: segs.Principal, op: segs.Principal,
                                             alice: segs.Principal, bob: segs.Principal) -> None:
    meter(tel, admin, "SM_A", owner=alice)
    meter(tel, admin, "SM_B", owner=bob)
    meter(tel, admin, "SM_C")
    meter(tel, admin, "SM_QUIET")
    meter(tel, admin, "SM_GONE")
    tel.decommission_meter(admin, "SM_GONE")
    meter(tel, admin, "SM_SOUTH", region="south")
    rep = tel.ingest(segs.Principal.system(), [
        {"meter_id": "SM_A", "timestamp": at(10, 15), "energy_consumed_kwh": 1},
        {"meter_id": "SM_B", "timestamp": at(10, 15), "energy_consumed_kwh": "0.5",
         "energy_produced_kwh": "0.25"},
        {"meter_id": "SM_A", "timestamp": at(10, 30), "energy_consumed_kwh": 2},
        {"meter_id": "SM_C", "timestamp": at(10, 30), "energy_consumed_kwh": "0.5"},
        {"meter_id": "SM_SOUTH", "timestamp": at(10, 30), "energy_consumed_kwh": 50},
        # The live window: the last 15 minutes before the clock (12:00).
        {"meter_id": "SM_A", "timestamp": at(11, 50), "power_kw": "3.5"},
        {"meter_id": "SM_B", "timestamp": at(11, 55), "power_kw": "-1.25"},
        {"meter_id": "SM_B", "timestamp": at(11, 50), "power_kw": "9"},  # not B's latest
        {"meter_id": "SM_C", "timestamp": at(11, 40), "power_kw": 7},  # too old
    ])
    assert rep.accepted == 9 and rep.rejected == []

    s = tel.region_stats(op, "north", at(10, 0), at(11, 0))
    assert isinstance(s, segs.RegionStats)
    assert (s.region, s.start, s.end, s.meters_total, s.meters_reporting) == (
        "north", at(10, 0), at(11, 0), 4, 3)
    assert (s.total_consumed_kwh, s.total_produced_kwh, s.net_kwh) == (
        D(4), D("0.25"), D("3.75"))
    assert (s.peak_load_kw, s.peak_at) == (D(10), at(10, 30))  # 2.5 kWh in a quarter-hour
    quiet = tel.region_stats(admin, "north", at(0, 0), at(1, 0))
    assert quiet.peak_load_kw is None and quiet.peak_at is None and quiet.meters_reporting == 0

    top = tel.top_consumers(op, "north", at(10, 0), at(11, 0))
    assert [(t.rank, t.meter_id, t.consumed_kwh) for t in top] == [
        (1, "SM_A", 3), (2, "SM_B", Decimal("0.5")), (3, "SM_C", Decimal("0.5"))]
    assert top[0].user_id == alice.id and top[2].user_id is None
    assert isinstance(top[0], segs.TopConsumer)
    assert [t.meter_id for t in tel.top_consumers(admin, "north", at(10, 0), at(11, 0),
                                                  limit=2)] == ["SM_A", "SM_B"]
    refused(segs.ValidationError, "limit", tel.top_consumers, admin, "north", at(10, 0),
            at(11, 0), limit=101)

    live = tel.realtime(op, "north")
    assert isinstance(live, segs.RegionRealtime)
    assert (live.region, live.as_of, live.window_minutes) == ("north", T, 15)
    assert (live.load_kw, live.generation_kw, live.net_load_kw) == (
        Decimal("3.5"), Decimal("1.25"), Decimal("2.25"))
    assert (live.meters_reporting, live.meters_total) == (2, 4)

    # Region telemetry is for the region's operators and admins.
    with pytest.raises(segs.Forbidden):
        tel.region_stats(alice, "north", at(10, 0), at(11, 0))
    with pytest.raises(segs.Forbidden):
        tel.realtime(op, "south")
    with pytest.raises(segs.Forbidden):
        tel.top_consumers(alice, "north", at(10, 0), at(11, 0))
    refused(segs.NotFound, "region", tel.realtime, admin, "atlantis")
    refused(segs.ValidationError, "start", tel.region_stats, admin, "north", at(11, 0),
            at(10, 0))


# --- numpy ---------------------------------------------------------------------------------------


def test_columns_without_numpy(tel: segs.Telemetry, admin: segs.Principal) -> None:
    meter(tel, admin, "SM_COL")
    rep = tel.ingest(admin, {
        "meter_id": "SM_COL",  # one meter for every row
        "timestamp": [ago(45), "2025-01-01T11:30:00Z", 1735731900 * 1_000_000, None],
        "energy_consumed_kwh": [0.1 + 0.2, Decimal("1.5"), "2", 1],  # a float column: 0.3
        "voltage": [None, float("nan"), 230, 230],
        "metadata": [{"a": 1}, None, None, None],
    })
    assert rep.accepted == 3
    assert [(r.index, r.field) for r in rep.rejected] == [(3, "timestamp")]
    stored = tel.readings(admin, "SM_COL", ago(60), T).items
    assert [(r.timestamp, r.energy_consumed_kwh, r.voltage) for r in stored] == [
        (ago(45), Decimal("0.3"), None), (ago(30), Decimal("1.5"), None), (ago(15), 2, 230)]
    assert stored[0].metadata == {"a": 1}

    rep = tel.ingest(admin, {"meter_id": ["SM_COL", "SM_COL"], "timestamp": [ago(5), ago(4)],
                             "energy_consumed_kwh": [0.0001, 1.0000000000001]})
    assert rep.accepted == 1  # within 1e-9 of a thousandth: 1.0
    assert [(r.index, r.field) for r in rep.rejected] == [(0, "energy_consumed_kwh")]
    assert "at most 3 decimals" in rep.rejected[0].message

    refused(segs.ValidationError, "volts", tel.ingest, admin,
            {"meter_id": "SM_COL", "timestamp": [ago(3)], "volts": [1]})
    refused(segs.ValidationError, "timestamp", tel.ingest, admin, {"meter_id": "SM_COL"})
    refused(segs.ValidationError, "meter_id", tel.ingest, admin, {"timestamp": [ago(3)]})
    with pytest.raises(ValueError, match="energy_consumed_kwh"):
        tel.ingest(admin, {"meter_id": "SM_COL", "timestamp": [ago(3)],
                           "energy_consumed_kwh": [1, 2]})
    with pytest.raises(TypeError):
        tel.ingest(admin, {"meter_id": "SM_COL", "timestamp": ago(3)})


def test_numpy_ingest_and_history_round_trip(tel: segs.Telemetry, admin: segs.Principal) -> None:
    np = pytest.importorskip("numpy")
    meter(tel, admin, "SM_NP")
    n = 96  # one day of quarter-hours ending at 12:00
    ends = np.datetime64("2025-01-01T12:00:00", "us") - np.arange(n)[::-1] * np.timedelta64(15, "m")
    consumed = np.round(np.linspace(0.1, 2.0, n), 3) + 1e-12  # float noise within tolerance
    produced = np.where(np.arange(n) % 4 == 0, 0.25, 0.0)
    power = np.where(np.arange(n) % 2 == 0, np.nan, np.linspace(-1.0, 1.0, n).round(3))
    rep = tel.ingest(admin, {"meter_id": np.array(["SM_NP"] * n), "timestamp": ends,
                             "energy_consumed_kwh": consumed, "energy_produced_kwh": produced,
                             "power_kw": power, "voltage": np.full(n, 230, dtype=np.int64)})
    assert (rep.accepted, rep.duplicates, rep.rejected) == (n, 0, [])

    start = dt.datetime(2024, 12, 31, 12, 0, tzinfo=UTC)
    arrays = tel.history_arrays(admin, "SM_NP", start, T, "15m")
    assert sorted(arrays) == sorted([
        "start", "end", "consumed_kwh", "produced_kwh", "net_kwh", "reading_count",
        "min_power_kw", "avg_power_kw", "max_power_kw", "peak_demand_kw", "voltage_min",
        "voltage_avg", "voltage_max", "current_avg", "power_factor_avg", "frequency_avg"])
    assert arrays["end"].dtype == np.dtype("datetime64[us]") and len(arrays["end"]) == n
    assert (arrays["end"] == ends).all()
    assert (arrays["start"] == ends - np.timedelta64(15, "m")).all()
    assert np.allclose(arrays["consumed_kwh"], consumed, rtol=0, atol=1e-9)
    assert np.allclose(arrays["net_kwh"], consumed - produced, rtol=0, atol=1e-9)
    assert arrays["reading_count"].dtype == np.int64 and (arrays["reading_count"] == 1).all()
    assert np.array_equal(np.isnan(arrays["avg_power_kw"]), np.isnan(power))
    assert np.isnan(arrays["peak_demand_kw"]).all() and (arrays["voltage_avg"] == 230).all()

    # What history_arrays answers goes back in as columns: every row a duplicate.
    again = tel.ingest(admin, {"meter_id": "SM_NP", "timestamp": arrays["end"],
                               "energy_consumed_kwh": arrays["consumed_kwh"],
                               "energy_produced_kwh": arrays["produced_kwh"],
                               "power_kw": arrays["avg_power_kw"],
                               "voltage": arrays["voltage_avg"]})
    assert (again.accepted, again.duplicates, again.rejected) == (0, n, [])
    # ... and the objects agree with the arrays.
    hours = tel.history(admin, "SM_NP", start, T, "1h")
    hourly = tel.history_arrays(admin, "SM_NP", start, T, "1h")
    assert [float(h.consumed_kwh) for h in hours] == list(hourly["consumed_kwh"])
    assert [h.end for h in hours] == [
        dt.datetime.fromisoformat(str(x)).replace(tzinfo=UTC) for x in hourly["end"]]
    empty = tel.history_arrays(admin, "SM_NP", T, T + dt.timedelta(hours=1))
    assert all(len(v) == 0 for v in empty.values())

    # int64 microseconds, NaT and values off the thousandth are row errors.
    us = np.array(["2025-01-01T11:55", "2025-01-01T11:56"], dtype="datetime64[us]").astype(
        np.int64)
    rep = tel.ingest(admin, {"meter_id": "SM_NP", "timestamp": us,
                             "energy_consumed_kwh": np.array([1.0, 1.0005])})
    assert rep.accepted == 1 and [(r.index, r.field) for r in rep.rejected] == [
        (1, "energy_consumed_kwh")]
    rep = tel.ingest(admin, {"meter_id": "SM_NP",
                             "timestamp": np.array(["NaT", "2025-01-01T11:57"], "datetime64[s]"),
                             "energy_consumed_kwh": np.array([1, np.nan])})
    assert [(r.index, r.field) for r in rep.rejected] == [(0, "timestamp"),
                                                          (1, "energy_consumed_kwh")]
    with pytest.raises(ValueError, match="one-dimensional"):
        tel.ingest(admin, {"meter_id": "SM_NP", "timestamp": np.zeros((2, 2), "datetime64[us]")})
    with pytest.raises(TypeError):
        tel.ingest(admin, {"meter_id": "SM_NP", "timestamp": [ago(3)],
                           "power_kw": np.array([True])})
    # numpy scalars are numbers at the scalar edge too.
    r = tel.submit(admin, "SM_NP", timestamp=ago(2), energy_consumed_kwh=np.float64(0.25),
                   voltage=np.int64(231))
    assert (r.energy_consumed_kwh, r.voltage) == (D("0.25"), D(231))


def test_the_package_works_without_numpy(tmp_path: Path) -> None:
    script = tmp_path / "no_numpy.py"
    script.write_text(
        "import sys\n"
        "sys.modules['numpy'] = None  # import numpy now raises ImportError\n"
        "import datetime as dt\n"
        "import segs\n"
        "u = dt.timezone.utc\n"
        "t = dt.datetime(2025, 1, 1, 12, tzinfo=u)\n"
        "g = segs.Grid.open('sqlite::memory:', clock=segs.ManualClock(t))\n"
        "s = segs.Principal.system()\n"
        "g.telemetry.create_meter(s, meter_id='SM_X', capacity_kw=1)\n"
        "rep = g.telemetry.ingest(s, {'meter_id': 'SM_X', 'timestamp': [t],\n"
        "                             'energy_consumed_kwh': [0.5]})\n"
        "assert rep.accepted == 1, rep\n"
        "[b] = g.telemetry.history(s, 'SM_X', t - dt.timedelta(hours=1), t)\n"
        "assert str(b.consumed_kwh) == '0.5'\n"
        "try:\n"
        "    g.telemetry.history_arrays(s, 'SM_X', t - dt.timedelta(hours=1), t)\n"
        "except ImportError as e:\n"
        "    assert 'segs[numpy]' in str(e), e\n"
        "else:\n"
        "    raise AssertionError('history_arrays worked without numpy')\n"
        "assert 'numpy' not in [m for m in sys.modules if sys.modules[m] is not None]\n"
        "print('ok')\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "PYTHONPATH": ""})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


# --- events, retention, options ------------------------------------------------------------


def test_readings_committed_event(grid: segs.Grid, tel: segs.Telemetry,
                                  admin: segs.Principal) -> None:
    meter(tel, admin, "SM_N1")
    meter(tel, admin, "SM_N2")
    meter(tel, admin, "SM_S1", region="south")
    with grid.events(["telemetry.readings"], timeout=0) as events:
        tel.submit(admin, "SM_N1", timestamp=ago(30), energy_consumed_kwh=1)
        tel.submit(admin, "SM_N1", timestamp=ago(30), energy_consumed_kwh=1)  # a duplicate: none
        tel.ingest(admin, [
            {"meter_id": "SM_N1", "timestamp": ago(15), "energy_consumed_kwh": "0.5"},
            {"meter_id": "SM_S1", "timestamp": ago(15), "energy_produced_kwh": 2},
            {"meter_id": "SM_N2", "timestamp": ago(15), "power_kw": "1.5"},
            {"meter_id": "SM_NOPE", "timestamp": ago(15)},
        ])
        got = list(events)
    assert [(e.name, e.region) for e in got] == [
        ("telemetry.readings", "north"), ("telemetry.readings", "north"),
        ("telemetry.readings", "south")]
    first = got[0].telemetry
    assert isinstance(first, segs.ReadingsCommitted) and got[0].market is None
    assert got[0].mail is None
    [single] = first.readings
    assert (single.meter_id, single.timestamp, single.energy_consumed_kwh) == ("SM_N1", ago(30), D(1))
    batch = got[1].telemetry
    assert batch is not None
    assert [(r.meter_id, r.energy_consumed_kwh, r.power_kw) for r in batch.readings] == [
        ("SM_N1", Decimal("0.5"), None), ("SM_N2", 0, Decimal("1.5"))]
    south = got[2].telemetry
    assert south is not None and [r.energy_produced_kwh for r in south.readings] == [2]
    assert "ReadingsCommitted(readings=2)" == repr(batch)

    # Filtered by region too; market names do not match.
    with grid.events(["telemetry."], region="south", timeout=0) as only_south:
        tel.submit(admin, "SM_S1", timestamp=ago(10))
        tel.submit(admin, "SM_N1", timestamp=ago(10))
        assert [e.region for e in only_south] == ["south"]


def test_raw_retention_keeps_aggregates(clock: segs.ManualClock) -> None:
    with segs.Grid.open("sqlite::memory:", clock=clock, telemetry_raw_retention_hours=24,
                        **FAST) as grid:
        system = segs.Principal.system()
        tel = grid.telemetry
        tel.create_meter(system, meter_id="SM_R", capacity_kw=1)
        tel.ingest(system, {"meter_id": "SM_R", "timestamp": [ago(30), ago(15)],
                            "energy_consumed_kwh": [1, 2]})
        report = grid.run_due_work()
        assert report.readings_dropped == 0 and report.idle
        clock.advance(dt.timedelta(hours=25))
        report = grid.run_due_work()
        assert isinstance(report, segs.DueWorkReport)
        assert report.readings_dropped == 2 and not report.idle
        assert "readings_dropped=2" in repr(report)
        assert tel.readings(system, "SM_R", ago(60), T).total == 0
        [h] = tel.history(system, "SM_R", ago(60), T)
        assert h.consumed_kwh == 3 and h.reading_count == 2
        assert tel.latest(system, "SM_R") is None
        # Corrections need the raw rows: too old is refused, naming the keyword.
        rep = tel.replace(system, "SM_R", [{"timestamp": ago(15), "energy_consumed_kwh": 5}],
                          reason="late fix")
        assert [(r.field, r.code) for r in rep.rejected] == [("timestamp", "VALIDATION_ERROR")]
    for bad in (0, -1):
        refused(segs.ValidationError, "telemetry_raw_retention_hours", segs.Grid.open,
                "sqlite::memory:", telemetry_raw_retention_hours=bad)


def test_service_follows_the_grid_lifetime(tel: segs.Telemetry, grid: segs.Grid,
                                           admin: segs.Principal) -> None:
    meter(tel, admin, "SM_L")
    grid.close()
    with pytest.raises(segs.ServiceUnavailable):
        tel.get_meter(admin, "SM_L")
    with pytest.raises(segs.ServiceUnavailable):
        grid.telemetry
