"""Operators' dashboard, reports and users export through the Python API
(Grid.operations).

Region north (UTC, EUR); alice (consumer) and bob (prosumer) hold a meter
each. Quarter-hours of north: 14 June 10:00 (2.5 kWh consumed, 3 produced),
18:00 (1, 0); 15 June 12:00 (0.8, 0.2). On 15 June bob sells alice 1 kWh at
0.20 for the 16:00 slot. Every test runs on SQLite and on PostgreSQL (skipped
without a server, as the other suites)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Iterator

import pytest
from segs_testlib import PASSWORD, open_on, person, quarter, sign_in, utc

import segs


@pytest.fixture
def clock() -> segs.ManualClock:
    return segs.ManualClock(utc(2025, 6, 15, 15, 6))


@pytest.fixture(params=["sqlite", "postgres"])
def grid(request: pytest.FixtureRequest, clock: segs.ManualClock) -> Iterator[segs.Grid]:
    yield from open_on(request.param, clock)


class North:
    def __init__(self, grid: segs.Grid, admin: segs.Principal) -> None:
        person(grid, "op@example.org", "operator")
        person(grid, "ops@example.org", "operator", "south")
        alice = person(grid, "alice@example.org", "consumer")
        bob = person(grid, "bob@example.org", "prosumer")
        grid.telemetry.create_meter(admin, meter_id="ALICE-1", capacity_kw=20, region="north",
                                    user_id=alice.id)
        grid.telemetry.create_meter(admin, meter_id="BOB-1", capacity_kw=20, region="north",
                                    user_id=bob.id)
        report = grid.telemetry.ingest(segs.Principal.system(), [
            quarter("ALICE-1", utc(2025, 6, 14, 10), "2"),
            quarter("BOB-1", utc(2025, 6, 14, 10), "0.5", "3"),
            quarter("ALICE-1", utc(2025, 6, 14, 18), "1"),
            quarter("BOB-1", utc(2025, 6, 15, 12), "0.8", "0.2"),
        ])
        assert report.rejected == [], report.rejected
        self.admin = admin
        self.op = sign_in(grid, "op@example.org")
        self.op_south = sign_in(grid, "ops@example.org")
        self.alice = sign_in(grid, "alice@example.org")
        self.bob = sign_in(grid, "bob@example.org")
        grid.market.submit(self.bob, side="sell", quantity_kwh="1", price_per_kwh="0.20",
                           delivery_slot=utc(2025, 6, 15, 16))
        grid.market.submit(self.alice, side="buy", quantity_kwh="1", price_per_kwh="0.20",
                           delivery_slot=utc(2025, 6, 15, 16))


@pytest.fixture
def north(grid: segs.Grid, admin: segs.Principal) -> North:
    return North(grid, admin)


def test_dashboard(grid: segs.Grid, north: North) -> None:
    d = grid.operations.dashboard(north.op)
    assert isinstance(d, segs.OperatorDashboard)
    assert d.regions == ["north"]
    assert d.currency == "EUR"
    assert d.users == {"total": 4, "active": 4, "suspended": 0}  # root, op, alice, bob
    assert d.meters["total"] == 2
    assert d.consumption_today_kwh == D("0.8")
    assert d.load_kw == D(0)
    assert d.alerts_open == {"info": 0, "warning": 0, "critical": 0}
    assert d.market == {"open_orders": 0, "volume_today_kwh": D(1), "last_price": D("0.2")}
    assert d.invoices["overdue_count"] == 0
    south = grid.operations.dashboard(north.admin, "south")
    assert south.regions == ["south"]
    with pytest.raises(segs.Forbidden):
        grid.operations.dashboard(north.alice)
    with pytest.raises(segs.Forbidden) as info:
        grid.operations.dashboard(north.op_south, "north")
    assert info.value.field == "region"


def test_consumption_and_revenue_reports(grid: segs.Grid, north: North) -> None:
    c = grid.operations.consumption_report(north.op, from_=dt.date(2025, 6, 14), to="2025-06-15")
    assert isinstance(c, segs.ConsumptionReport)
    assert (c.region, c.time_zone, c.group_by, c.from_, c.to) == (
        "north", "UTC", "day", dt.date(2025, 6, 14), dt.date(2025, 6, 15))
    assert c.rows[0] == {"period": "2025-06-14", "consumed_kwh": D("3.5"), "produced_kwh": D(3),
                         "net_kwh": D("0.5"), "peak_load_kw": D(4), "meters_reporting": 2}
    assert c.rows[1]["peak_load_kw"] == D("2.4")
    month = grid.operations.consumption_report(north.admin, "north", from_="2025-06-01", to="2025-06-30",
                                               group_by="month")
    assert [r["period"] for r in month.rows] == ["2025-06"]
    assert month.rows[0]["consumed_kwh"] == D("4.3")

    r = grid.operations.revenue_report(north.op, from_="2025-06-15", to="2025-06-15")
    assert isinstance(r, segs.RevenueReport)
    assert r.rows == [{"period": "2025-06-15", "invoiced": D(0), "collected": D(0), "outstanding": D(0),
                       "p2p_volume_kwh": D(1), "market_fees": D(0)}]

    with pytest.raises(segs.ValidationError) as bad:
        grid.operations.consumption_report(north.op, from_="2025-06-15", to="2025-06-01")
    assert bad.value.field == "from_"
    with pytest.raises(segs.ValidationError) as group:
        grid.operations.revenue_report(north.op, group_by="week")
    assert group.value.field == "group_by"
    with pytest.raises(segs.ValidationError) as region:
        grid.operations.revenue_report(north.admin, "atlantis")
    assert region.value.field == "region"
    with pytest.raises(segs.Forbidden):
        grid.operations.consumption_report(north.bob)


def test_users_export_pages(grid: segs.Grid, north: North) -> None:
    for i in range(30):
        grid.identity.create_user(segs.Principal.system(), email=f"u{i}@example.org", password=PASSWORD,
                                  name="=cmd()" if i == 0 else f"U {i}", role="consumer", region="north")
    ids = []
    after = ""
    first = True
    while True:
        page = grid.operations.export_users_page(north.op, after, limit=7)
        assert isinstance(page, segs.UserExportPage)
        lines = page.text.split("\r\n")[:-1] if page.text else []
        if first:
            assert lines.pop(0) == ("id,email,username,name,role,region,department,status,created_at,"
                                    "last_login_at")
            first = False
        assert len(lines) == page.rows
        ids += [line.split(",")[0] for line in lines]
        if page.done:
            break
        after = page.next_after
    assert len(ids) == 4 + 30  # root, op, alice, bob and the 30 (north only)
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    everything = grid.operations.export_users_page(north.admin, limit=10000).text
    assert ",'=cmd(),consumer," in everything
    with pytest.raises(segs.Forbidden):
        grid.operations.export_users_page(north.alice)
    with pytest.raises(segs.ValidationError) as bad:
        grid.operations.export_users_page(north.admin, limit=0)
    assert bad.value.field == "limit"
