"""Analytics through the Python API (Grid.analytics).

Region north (UTC, EUR) with a peak/off-peak tariff from 2025-06-01 (peak
17:00-21:00 at 0.30, off-peak 0.10, export 0.05); alice (consumer) and bob
(prosumer) hold a meter each. On 2025-06-15 bob sells alice 1 kWh at 0.20 for
the 16:00 slot (off-peak) and 2 kWh at 0.22 for the 17:00 slot (peak); the
figures are computed here by hand (docs/analytics.md). Every test runs on
SQLite and on PostgreSQL (skipped without a server, as the other suites)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Iterator, Tuple

import pytest
from segs_testlib import open_on, person, quarter, sign_in, utc

import segs

EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday"]


@pytest.fixture
def clock() -> segs.ManualClock:
    return segs.ManualClock(utc(2025, 6, 15, 15, 6))


@pytest.fixture(params=["sqlite", "postgres"])
def grid(request: pytest.FixtureRequest, clock: segs.ManualClock) -> Iterator[segs.Grid]:
    yield from open_on(request.param, clock)


class People:
    def __init__(self, grid: segs.Grid) -> None:
        self.admin = sign_in(grid, "root@example.org")
        self.op = sign_in(grid, "op@example.org")
        self.alice = sign_in(grid, "alice@example.org")
        self.bob = sign_in(grid, "bob@example.org")


@pytest.fixture
def north(grid: segs.Grid, clock: segs.ManualClock,
          admin: segs.Principal) -> Tuple[People, segs.User, segs.User]:
    person(grid, "op@example.org", "operator")
    alice = person(grid, "alice@example.org", "consumer")
    bob = person(grid, "bob@example.org", "prosumer")
    grid.tariffs.create(admin, segs.Tariff(
        region="north", name="TOU", effective_from=utc(2025, 6, 1),
        periods=[("peak", D("0.30")), ("off_peak", D("0.10"))],
        schedule=[segs.ScheduleRule("peak", EVERY_DAY, "17:00", "21:00")],
        default_period="off_peak", export_price_per_kwh=D("0.05")))
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
    return People(grid), alice, bob


def trade(grid: segs.Grid, who: People) -> None:
    for slot, kwh, price in ((utc(2025, 6, 15, 16), "1", "0.20"), (utc(2025, 6, 15, 17), "2", "0.22")):
        grid.market.submit(who.bob, side="sell", quantity_kwh=kwh, price_per_kwh=price,
                           delivery_slot=slot)
        grid.market.submit(who.alice, side="buy", quantity_kwh=kwh, price_per_kwh=price,
                           delivery_slot=slot)


def test_energy_of_a_user_and_of_the_region(grid: segs.Grid,
                                            north: Tuple[People, segs.User, segs.User]) -> None:
    who, alice, _ = north
    a = grid.analytics.energy(who.alice, from_=dt.date(2025, 6, 14), to="2025-06-15")
    assert isinstance(a, segs.EnergyAnalytics)
    assert (a.region, a.scope, a.user_id, a.from_, a.to) == (
        "north", "self", alice.id, dt.date(2025, 6, 14), dt.date(2025, 6, 15))
    assert [d.date for d in a.days] == [dt.date(2025, 6, 14), dt.date(2025, 6, 15)]
    assert a.days[0].figures.consumption_kwh == D(3)
    assert a.days[1].figures.self_sufficiency is None
    b = grid.analytics.energy(who.bob, from_="2025-06-14", to="2025-06-15")
    # (0.5, 3) and (0.8, 0.2): min sums to 0.7 of 1.3 consumed.
    assert (b.total.consumption_kwh, b.total.production_kwh, b.total.net_kwh) == (
        D("1.3"), D("3.2"), D("-1.9"))
    assert b.total.self_consumed_kwh == D("0.7")
    assert b.total.self_sufficiency == 0.5385
    r = grid.analytics.energy(who.op, from_="2025-06-14", to="2025-06-15")
    assert (r.scope, r.user_id) == ("region", None)
    assert r.total.self_sufficiency == 0.6279  # 2.7 / 4.3


def test_trading_market_and_financial(grid: segs.Grid,
                                      north: Tuple[People, segs.User, segs.User]) -> None:
    who, _, _ = north
    trade(grid, who)
    day = dt.date(2025, 6, 15)
    a = grid.analytics.trading(who.alice, from_=day, to=day)
    assert isinstance(a, segs.TradingAnalytics)
    t = a.total
    assert (t.bought_kwh, t.buy_trades, t.spent) == (D(3), 2, D("0.64"))
    assert t.average_buy_price == D("0.213333")
    assert t.average_sell_price is None
    # (0.10 - 0.20) x 1 + (0.30 - 0.22) x 2
    assert t.savings == D("0.06")
    # (0.20 - 0.05) x 1 + (0.22 - 0.05) x 2
    assert grid.analytics.trading(who.bob, from_=day, to=day).total.savings == D("0.49")

    m = grid.analytics.market(who.bob, "north", from_=day, to=day)
    assert isinstance(m, segs.MarketAnalytics)
    assert (m.total.volume_kwh, m.total.trade_count, m.total.vwap) == (D(3), 2, D("0.213333"))
    assert (m.total.high, m.total.low, m.total.participants) == (D("0.22"), D("0.20"), 2)

    f = grid.analytics.financial(who.alice, from_="2025-06-01", to="2025-06-30", group_by="day")
    assert isinstance(f, segs.FinancialAnalytics)
    assert f.group_by == "day"
    assert len(f.periods) == 30
    assert f.periods[14].period == "2025-06-15"
    assert (f.periods[14].figures.spend, f.periods[14].figures.net) == (D("0.64"), D("-0.64"))
    assert grid.analytics.financial(who.alice, from_="2025-06-01", to="2025-06-30").periods[0].period \
        == "2025-06"


def test_users_and_who_may(grid: segs.Grid, north: Tuple[People, segs.User, segs.User]) -> None:
    who, _, _ = north
    u = grid.analytics.users(who.op, from_="2025-06-01", to="2025-06-15")
    assert isinstance(u, segs.UsersAnalytics)
    assert (u.total_users, u.registrations, u.regions) == (4, 4, ["north"])
    assert u.by_role == {"admin": 1, "consumer": 1, "operator": 1, "prosumer": 1}
    assert u.days[-1].registrations == 4
    with pytest.raises(segs.Forbidden):
        grid.analytics.users(who.alice)
    with pytest.raises(segs.Forbidden) as info:
        grid.analytics.energy(who.alice, "south")
    assert info.value.field == "region"
    with pytest.raises(segs.ValidationError) as bad:
        grid.analytics.energy(who.alice, from_="2025-06-15", to="2025-06-01")
    assert bad.value.field == "from_"
    with pytest.raises(segs.ValidationError) as group:
        grid.analytics.financial(who.alice, group_by="week")
    assert group.value.field == "group_by"
