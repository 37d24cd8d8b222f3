"""Tariffs through the Python API.

The pure engine first (segs.TariffPricer, no grid): a two-period tariff in
Europe/Berlin priced on each side of its boundaries, across the spring DST
change, as spans and as per-bucket arrays, and a bill whose lines were
computed by hand (periods, tiers, fixed, demand, export, tax, half-even
rounding); overrides; validation errors naming the member's path in the
package's words. Then the service (Grid.tariffs): an admin creates a
tariff, current/forecast/history/regions answer it, an operator's override
changes the effective price (and its removal keeps the past), estimates on
a flat profile give exact amounts, a tariff that has not begun is changed,
analytics, and who may do what.

Every test that takes the `grid` fixture runs on SQLite and on PostgreSQL (a
fresh schema of the server SEGS_TEST_PG_URL names, which scripts/test.sh sets
through scripts/with-postgres.sh). Without a server the PostgreSQL runs are
skipped, and fail under CI=true, as the C++ suites do."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import uuid
from decimal import Decimal as D
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, Iterator, List, Tuple, Union

import pytest
from segs_testlib import PASSWORD, START, open_on, sign_in

import segs

UTC = dt.timezone.utc
BERLIN = "Europe/Berlin"
H = dt.timedelta(hours=1)
Q = dt.timedelta(minutes=15)
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def refused(exc: type, field: str, fn: Any, *args: Any, **kw: Any) -> segs.Error:
    with pytest.raises(exc) as info:
        fn(*args, **kw)
    err = info.value
    assert isinstance(err, segs.Error)
    assert err.field == field, (field, err.field, err.message)
    return err


# --- the pure engine ------------------------------------------------------------------------
#
# Berlin is UTC+1 in winter and UTC+2 from 2025-03-30 02:00 local. The tariff
# begins at local midnight of 2025-01-01; 2025-01-06 is a Monday.
BERLIN_NEW_YEAR = utc(2024, 12, 31, 23)
MONDAY = utc(2025, 1, 5, 23)  # 2025-01-06 00:00 local
TUESDAY = MONDAY + 24 * H


def two_periods(**terms: Any) -> segs.Tariff:
    """peak 0.30 on weekdays 08:00-20:00 local, off_peak 0.10 otherwise."""
    fields: Dict[str, Any] = dict(
        region="de", name="Two periods", effective_from=BERLIN_NEW_YEAR,
        periods=[segs.TariffPeriod("peak", "0.30"), ("off_peak", D("0.10"))],
        schedule=[segs.ScheduleRule("peak", WEEKDAYS, dt.time(8), "20:00")],
        default_period="off_peak")
    fields.update(terms)
    return segs.Tariff(**fields)


def tid(x: Union[segs.Tariff, segs.TariffOverride]) -> uuid.UUID:
    """The id of a stored tariff or override (None only before it is stored)."""
    assert x.id is not None
    return x.id


def spans(prices: List[segs.PriceSpan]) -> List[Tuple[dt.datetime, dt.datetime, str, D, D]]:
    return [(s.start, s.end, s.period, s.price_per_kwh, s.effective_price_per_kwh) for s in prices]


def test_the_model_is_built_with_keywords_and_mutable() -> None:
    t = two_periods(holidays=["2025-12-25", dt.date(2025, 12, 26)], tax_percent="19.5",
                    tiers=[segs.TariffTier("3.5", "0.01"), segs.TariffTier(None, -0.005)])
    assert (t.region, t.name, t.default_period, t.currency) == ("de", "Two periods", "off_peak", "")
    assert t.id is None and t.created_by is None and t.created_at is None
    assert t.effective_from == BERLIN_NEW_YEAR and t.effective_to is None
    assert [(p.name, p.price_per_kwh) for p in t.periods] == [("peak", D("0.3")),
                                                              ("off_peak", D("0.1"))]
    assert all(isinstance(p.price_per_kwh, D) for p in t.periods)
    [rule] = t.schedule
    assert (rule.period, rule.days, rule.start, rule.end, rule.months) == (
        "peak", WEEKDAYS, dt.time(8), dt.time(20), [])
    assert t.holidays == [dt.date(2025, 12, 25), dt.date(2025, 12, 26)]
    assert [(x.up_to_kwh, x.adder_per_kwh) for x in t.tiers] == [(D("3.5"), D("0.01")),
                                                                 (None, D("-0.005"))]
    assert t.tax_percent == D("19.5") and t.fixed_charge_per_day == 0
    assert "Two periods" in repr(t) and "peak" in repr(t.periods[0])

    # Attributes are written; a list read is a copy, assigned whole.
    t.periods[0].price_per_kwh = 1
    assert t.periods[0].price_per_kwh == D("0.3")
    t.periods = [("peak", "0.32"), segs.TariffPeriod("off_peak", "0.12")]
    assert [p.price_per_kwh for p in t.periods] == [D("0.32"), D("0.12")]
    t.effective_to = BERLIN_NEW_YEAR + 24 * H
    t.demand_charge_per_kw = 2.5
    assert (t.effective_to, t.demand_charge_per_kw) == (utc(2025, 1, 1, 23), D("2.5"))

    # A rule's window: datetime.time or "HH:MM"; as an end, midnight is 24:00.
    r = segs.ScheduleRule("off_peak", ["sat", "sun", "holiday"], "22:00", dt.time(0), months=[1, 2])
    assert (r.start, r.end, r.months) == (dt.time(22), dt.time(0), [1, 2])
    r.end = "24:00"
    r.start = dt.time(6, 15)
    assert (r.start, r.end) == (dt.time(6, 15), dt.time(0))
    assert "holiday" in repr(r)

    o = segs.TariffOverride(region="de", start=MONDAY, end=MONDAY + H, multiplier="1.25")
    assert (o.price_per_kwh, o.multiplier, o.reason, o.id, o.removed_at) == (
        None, D("1.25"), "", None, None)
    o.multiplier = None
    o.price_per_kwh = "0.05"
    o.validate()

    # Inputs are converted exactly, and refused by name.
    refused(segs.ValidationError, "price_per_kwh", segs.TariffPeriod, "peak", "0.1234567")
    refused(segs.ValidationError, "tax_percent", two_periods, tax_percent="19.00001")
    refused(segs.ValidationError, "start", segs.ScheduleRule, "peak", WEEKDAYS, "8am", "20:00")
    refused(segs.ValidationError, "end", segs.ScheduleRule, "peak", WEEKDAYS, "08:00", "24:15")
    refused(segs.ValidationError, "days[1]", segs.ScheduleRule, "peak", ["mon", "someday"],
            "08:00", "20:00")
    refused(segs.ValidationError, "holidays[0]", two_periods, holidays=["2025-02-30"])
    with pytest.raises(ValueError):
        two_periods(effective_to=dt.datetime(2025, 2, 1))  # naive: refused, not guessed
    with pytest.raises(TypeError):
        segs.ScheduleRule("peak", "mon", "08:00", "20:00")  # a str is not a list of days


def test_price_at_each_side_of_a_boundary() -> None:
    p = segs.TariffPricer.compile(two_periods(), BERLIN)
    assert isinstance(p, segs.TariffPricer) and p.terms.name == "Two periods"
    # Monday: 07:45 local is off-peak, 08:00 peak, 19:45 peak, 20:00 off-peak.
    got = {at: p.price_at(at) for at in (MONDAY + 8 * H - Q, MONDAY + 8 * H, MONDAY + 12 * H,
                                          MONDAY + 20 * H - Q, MONDAY + 20 * H)}
    assert [(b.period, b.price_per_kwh, b.effective_price_per_kwh) for b in got.values()] == [
        ("off_peak", D("0.10"), D("0.10")), ("peak", D("0.30"), D("0.30")),
        ("peak", D("0.30"), D("0.30")), ("peak", D("0.30"), D("0.30")),
        ("off_peak", D("0.10"), D("0.10"))]
    assert all(b.override_id is None for b in got.values())
    # UTC 07:00 is 08:00 local in January (peak) but 09:00 in summer; the
    # schedule follows local wall time.
    assert p.price_at(utc(2025, 1, 6, 7)).period == "peak"
    assert p.price_at(utc(2025, 6, 2, 5, 45)).period == "off_peak"  # 07:45 CEST
    assert p.price_at(utc(2025, 6, 2, 6)).period == "peak"  # 08:00 CEST
    assert p.price_at(MONDAY - 12 * H).period == "off_peak"  # Sunday noon
    assert "'peak'" in repr(p.price_at(MONDAY + 8 * H))

    refused(segs.ValidationError, "bucket_start", p.price_at, MONDAY + dt.timedelta(minutes=5))
    refused(segs.ValidationError, "bucket_start", p.price_at, BERLIN_NEW_YEAR - Q)


def test_price_series_spans_a_day() -> None:
    p = segs.TariffPricer.compile(two_periods(), BERLIN)
    assert spans(p.price_series(MONDAY, TUESDAY)) == [
        (MONDAY, MONDAY + 8 * H, "off_peak", D("0.1"), D("0.1")),
        (MONDAY + 8 * H, MONDAY + 20 * H, "peak", D("0.3"), D("0.3")),
        (MONDAY + 20 * H, TUESDAY, "off_peak", D("0.1"), D("0.1")),
    ]
    # Saturday and Sunday are one span; Monday's peak starts at 08:00 local.
    assert spans(p.price_series(MONDAY - 48 * H, MONDAY + 12 * H)) == [
        (MONDAY - 48 * H, MONDAY + 8 * H, "off_peak", D("0.1"), D("0.1")),
        (MONDAY + 8 * H, MONDAY + 12 * H, "peak", D("0.3"), D("0.3")),
    ]
    # Across the spring change: Sunday 2025-03-30 has 23 hours, and from
    # Monday 08:00 is 06:00 UTC.
    sunday, monday = utc(2025, 3, 29, 23), utc(2025, 3, 30, 22)
    assert spans(p.price_series(sunday, monday + 24 * H)) == [
        (sunday, monday + 8 * H, "off_peak", D("0.1"), D("0.1")),
        (monday + 8 * H, monday + 20 * H, "peak", D("0.3"), D("0.3")),
        (monday + 20 * H, monday + 24 * H, "off_peak", D("0.1"), D("0.1")),
    ]
    assert monday + 8 * H == utc(2025, 3, 31, 6)
    assert p.price_series(MONDAY, MONDAY) == []

    refused(segs.ValidationError, "from_", p.price_series, MONDAY + dt.timedelta(minutes=1),
            TUESDAY)
    refused(segs.ValidationError, "to", p.price_series, TUESDAY, MONDAY)


def test_price_buckets_as_lists_and_arrays() -> None:
    p = segs.TariffPricer.compile(two_periods(), BERLIN)
    periods, prices = p.price_buckets(MONDAY, TUESDAY, arrays=False)
    assert len(periods) == len(prices) == 96
    assert periods == [1] * 32 + [0] * 48 + [1] * 16  # indices into terms.periods
    assert prices == [D("0.1")] * 32 + [D("0.3")] * 48 + [D("0.1")] * 16
    assert all(isinstance(x, D) for x in prices)
    # The spring day has 92 buckets.
    periods, prices = p.price_buckets(utc(2025, 3, 29, 23), utc(2025, 3, 30, 22), arrays=False)
    assert periods == [1] * 92 and sum(prices) == D("9.2")

    np = pytest.importorskip("numpy")
    for arrays in (None, True):
        pa, xa = p.price_buckets(MONDAY, TUESDAY, arrays=arrays)
        assert isinstance(pa, np.ndarray) and isinstance(xa, np.ndarray)
        assert (pa.dtype, xa.dtype) == (np.uint16, np.float64)
        assert pa.tolist() == [1] * 32 + [0] * 48 + [1] * 16
        assert xa[32] == 0.3 and xa[0] == 0.1 and round(float(xa.sum()), 9) == 19.2


def test_price_buckets_without_numpy(tmp_path: Path) -> None:
    script = tmp_path / "no_numpy.py"
    script.write_text(
        "import sys\n"
        "sys.modules['numpy'] = None  # import numpy now raises ImportError\n"
        "import datetime as dt\n"
        "from decimal import Decimal\n"
        "import segs\n"
        "t0 = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)\n"
        "t = segs.Tariff(region='r', name='flat', effective_from=t0, periods=[('flat', '0.2')],\n"
        "                default_period='flat')\n"
        "p = segs.TariffPricer.compile(t, 'UTC')\n"
        "periods, prices = p.price_buckets(t0, t0 + dt.timedelta(hours=1))\n"
        "assert periods == [0] * 4 and prices == [Decimal('0.2')] * 4, (periods, prices)\n"
        "try:\n"
        "    p.price_buckets(t0, t0 + dt.timedelta(hours=1), arrays=True)\n"
        "except ImportError as e:\n"
        "    assert 'segs[numpy]' in str(e), e\n"
        "else:\n"
        "    raise AssertionError('arrays=True worked without numpy')\n"
        "print('ok')\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_cost_forms_the_lines_of_a_bill() -> None:
    t = two_periods(tiers=[segs.TariffTier(3, "0.01"), segs.TariffTier(None, "0.02")],
                    fixed_charge_per_day="0.25", demand_charge_per_kw="1.00",
                    export_price_per_kwh="0.50", tax_percent=19)
    p = segs.TariffPricer.compile(t, BERLIN)
    # Three buckets of Monday: one off-peak (07:45 local), two peak. Usage is
    # a tuple, a mapping or an object with start/consumed_kwh/produced_kwh.
    usage: List[Any] = [
        (MONDAY + 7 * H + 3 * Q, "1.000"),
        {"start": MONDAY + 8 * H, "consumed_kwh": 2, "produced_kwh": 0},
        SimpleNamespace(start=MONDAY + 8 * H + Q, consumed_kwh=D("0.5"), produced_kwh=D("0.25")),
    ]
    b = p.cost(MONDAY, TUESDAY, usage)
    assert isinstance(b, segs.Bill)
    # peak 2.5 kWh x 0.30 = 0.75, off-peak 1 kWh x 0.10 = 0.10 (the tariff's order).
    assert [(x.period, x.consumed_kwh, x.amount) for x in b.by_period] == [
        ("peak", D("2.5"), D("0.75")), ("off_peak", D("1"), D("0.10"))]
    assert b.energy_charge == D("0.85")
    # 3.5 kWh: 3 kWh x 0.01 = 0.03 in the first tier, 0.5 kWh x 0.02 = 0.01 in the last.
    assert [(x.up_to_kwh, x.consumed_kwh, x.adder_per_kwh, x.amount) for x in b.tiers] == [
        (D(3), D(3), D("0.01"), D("0.03")), (None, D("0.5"), D("0.02"), D("0.01"))]
    assert b.tier_charge == D("0.04")
    assert (b.days, b.fixed_charge) == (1, D("0.25"))
    # 2 kWh in a quarter-hour is 8 kW: 8 x 1.00.
    assert (b.peak_consumed_kwh, b.peak_at, b.demand_charge) == (D(2), MONDAY + 8 * H, D("8.00"))
    # 0.25 kWh x 0.50 = 0.125, half to even: 0.12.
    assert (b.exported_kwh, b.export_credit) == (D("0.25"), D("-0.12"))
    assert b.taxable == D("9.14")
    assert b.tax == D("1.74")  # 19 % of 9.14 = 1.7366
    assert b.total == D("10.76")  # 9.14 - 0.12 + 1.74
    assert "total" in repr(b) and "peak" in repr(b.by_period[0])

    # Nothing metered over two local days: the fixed charge and its tax
    # (19 % of 0.50 = 0.095, half to even: 0.10).
    empty = p.cost(MONDAY, MONDAY + 48 * H, [])
    assert (empty.by_period, empty.tiers, empty.days, empty.peak_at) == ([], [], 2, None)
    assert (empty.fixed_charge, empty.tax, empty.total) == (D("0.50"), D("0.10"), D("0.60"))
    # JPY has no minor unit.
    yen = segs.TariffPricer.compile(two_periods(), BERLIN, minor_digits=0)
    [line] = yen.cost(MONDAY, TUESDAY, [(MONDAY + 8 * H, 5)]).by_period
    assert line.amount == D(2)  # 1.5, half to even

    refused(segs.ValidationError, "usage[1].consumed_kwh", p.cost, MONDAY, TUESDAY,
            [(MONDAY, 1), (MONDAY + Q, -1)])
    refused(segs.ValidationError, "usage[0].produced_kwh", p.cost, MONDAY, TUESDAY,
            [(MONDAY, 1, "0.0001")])
    refused(segs.ValidationError, "usage[1].start", p.cost, MONDAY, TUESDAY,
            [(MONDAY + Q, 1), (MONDAY, 1)])
    refused(segs.ValidationError, "usage[0].start", p.cost, MONDAY, TUESDAY, [(TUESDAY, 1)])
    with pytest.raises(TypeError):
        p.cost(MONDAY, TUESDAY, [(MONDAY,)])  # type: ignore[list-item]


def test_overrides_change_the_effective_price() -> None:
    first = segs.TariffOverride(region="de", start=MONDAY + 8 * H, end=MONDAY + 9 * H,
                                multiplier="1.5", id=uuid.uuid4(), created_at=START)
    later = segs.TariffOverride(region="de", start=MONDAY + 8 * H + 2 * Q,
                                end=MONDAY + 8 * H + 3 * Q,
                                price_per_kwh="0.05", id=uuid.uuid4(), created_at=START + H)
    elsewhere = segs.TariffOverride(region="fr", start=MONDAY, end=TUESDAY, price_per_kwh=0,
                                    id=uuid.uuid4(), created_at=START)
    p = segs.TariffPricer.compile(two_periods(), BERLIN, [first, later, elsewhere])
    b = p.price_at(MONDAY + 8 * H)
    assert (b.period, b.price_per_kwh, b.effective_price_per_kwh, b.override_id) == (
        "peak", D("0.3"), D("0.45"), first.id)
    assert p.price_at(MONDAY + 8 * H + 2 * Q).effective_price_per_kwh == D("0.05")  # the newer wins
    assert p.price_at(MONDAY).override_id is None  # another region's is ignored
    assert [(s.start, s.end, s.effective_price_per_kwh, s.override_id)
            for s in p.price_series(MONDAY + 7 * H, MONDAY + 10 * H)] == [
        (MONDAY + 7 * H, MONDAY + 8 * H, D("0.1"), None),
        (MONDAY + 8 * H, MONDAY + 8 * H + 2 * Q, D("0.45"), first.id),
        (MONDAY + 8 * H + 2 * Q, MONDAY + 8 * H + 3 * Q, D("0.05"), later.id),
        (MONDAY + 8 * H + 3 * Q, MONDAY + 9 * H, D("0.45"), first.id),
        (MONDAY + 9 * H, MONDAY + 10 * H, D("0.3"), None),
    ]
    [line] = p.cost(MONDAY, TUESDAY, [(MONDAY + 8 * H, 2)]).by_period
    assert (line.period, line.amount) == ("peak", D("0.90"))


def test_validation_names_the_path() -> None:
    t = two_periods()
    t.schedule = [segs.ScheduleRule("peak", WEEKDAYS, "08:10", "20:00")]
    err = refused(segs.ValidationError, "schedule[0].start", segs.TariffPricer.compile, t, BERLIN)
    assert err.message.startswith("schedule[0].start ") and err.code == "VALIDATION_ERROR"
    refused(segs.ValidationError, "schedule[0].start", t.validate)

    t = two_periods(tiers=[segs.TariffTier(0, "0.01"), segs.TariffTier(None, "0.02")])
    err = refused(segs.ValidationError, "tiers[0].up_to_kwh", segs.TariffPricer.compile, t, BERLIN)
    assert err.message.startswith("tiers[0].up_to_kwh ")
    t = segs.Tariff(region="de", name="x", effective_from=BERLIN_NEW_YEAR,
                    periods=[("peak", 1), ("peak", 2)], default_period="peak")
    refused(segs.ValidationError, "periods[1].name", t.validate)
    refused(segs.ValidationError, "default_period", two_periods(default_period="shoulder").validate)
    refused(segs.ValidationError, "effective_from",
            two_periods(effective_from=BERLIN_NEW_YEAR + dt.timedelta(minutes=5)).validate)
    refused(segs.ValidationError, "time_zone", segs.TariffPricer.compile, two_periods(),
            "Mars/Olympus")
    both = segs.TariffOverride(region="de", start=MONDAY, end=TUESDAY, price_per_kwh=1,
                               multiplier=2)
    refused(segs.ValidationError, "price_per_kwh", both.validate)
    refused(segs.ValidationError, "overrides[0].price_per_kwh", segs.TariffPricer.compile,
            two_periods(), BERLIN, [both])


# --- the service ----------------------------------------------------------------------------
#
# Region north is UTC; the clock stands at 2025-01-01 12:00 (a Wednesday).
DAY = utc(2025, 1, 1)
NEXT_DAY = DAY + 24 * H


def person(grid: segs.Grid, email: str, role: str, region: str = "north") -> segs.Principal:
    grid.identity.create_user(segs.Principal.system(), email=email, password=PASSWORD,
                              name=email.split("@")[0], role=role, region=region)
    return sign_in(grid, email)



@pytest.fixture(params=["sqlite", "postgres"])
def grid(request: pytest.FixtureRequest, clock: segs.ManualClock) -> Iterator[segs.Grid]:
    yield from open_on(request.param, clock)


@pytest.fixture
def tariffs(grid: segs.Grid) -> segs.Tariffs:
    return grid.tariffs


@pytest.fixture
def alice(grid: segs.Grid) -> segs.Principal:
    return person(grid, "alice@example.org", "consumer")


@pytest.fixture
def op(grid: segs.Grid) -> segs.Principal:
    return person(grid, "op@example.org", "operator")


def evening_peak(**terms: Any) -> segs.Tariff:
    """peak 0.30 every day 17:00-21:00, off_peak 0.10, 0.50 a day, 19 % tax."""
    fields: Dict[str, Any] = dict(
        region="north", name="Evening peak", effective_from=DAY,
        periods=[("peak", "0.30"), ("off_peak", "0.10")],
        schedule=[segs.ScheduleRule("peak", WEEKDAYS + ["sat", "sun"], "17:00", "21:00")],
        default_period="off_peak", fixed_charge_per_day="0.50", tax_percent=19)
    fields.update(terms)
    return segs.Tariff(**fields)


def test_an_admin_creates_a_tariff_that_everyone_reads(tariffs: segs.Tariffs,
                                                         admin: segs.Principal,
                                                         alice: segs.Principal) -> None:
    t = tariffs.create(admin, evening_peak(), ip="203.0.113.5")
    assert isinstance(t, segs.Tariff) and isinstance(t.id, uuid.UUID)
    assert (t.region, t.currency, t.created_by, t.created_at) == ("north", "EUR", admin.id, START)
    assert (t.effective_from, t.effective_to) == (DAY, None)
    again = tariffs.get(alice, str(t.id))
    assert (again.id, again.name, again.tax_percent) == (t.id, "Evening peak", D(19))
    assert [r.start for r in again.schedule] == [dt.time(17)]

    # Now (12:00) is off-peak since the tariff began, until 17:00.
    cur = tariffs.current(alice)
    assert isinstance(cur, segs.CurrentTariff)
    assert (cur.in_effect.id, cur.now, cur.next_change_at) == (t.id, START, DAY + 17 * H)
    per = cur.period
    assert (per.name, per.price_per_kwh, per.effective_price_per_kwh, per.override_id) == (
        "off_peak", D("0.1"), D("0.1"), None)
    assert (per.starts_at, per.ends_at) == (DAY, DAY + 17 * H)
    assert tariffs.current(alice, "north").in_effect.id == t.id

    f = tariffs.forecast(alice, hours=24)
    assert (f.region, f.from_, f.to) == ("north", START, START + 24 * H)
    assert spans(f.prices) == [
        (START, DAY + 17 * H, "off_peak", D("0.1"), D("0.1")),
        (DAY + 17 * H, DAY + 21 * H, "peak", D("0.3"), D("0.3")),
        (DAY + 21 * H, START + 24 * H, "off_peak", D("0.1"), D("0.1")),
    ]
    assert [s.period for s in tariffs.forecast(alice, "north", hours=1).prices] == ["off_peak"]

    h = tariffs.history(alice, DAY, NEXT_DAY)
    assert ([x.id for x in h.tariffs], h.overrides) == ([t.id], [])
    assert tariffs.history(alice, DAY - 24 * H, DAY, region="north").tariffs == []

    by_region = {r.region: r for r in tariffs.regions(admin)}
    north, south = by_region["north"], by_region["south"]
    assert north.in_effect is not None and north.in_effect.id == t.id
    assert north.period is not None and north.period.name == "off_peak"
    assert south.in_effect is None and south.period is None

    # The stored tariff priced without storage.
    p = tariffs.pricer_at("north", START)
    assert p.price_at(DAY + 17 * H).effective_price_per_kwh == D("0.3")
    refused(segs.NotFound, "region", tariffs.pricer_at, "nowhere", START)
    with pytest.raises(segs.NotFound):
        tariffs.pricer_at("south", START)
    with pytest.raises(segs.NotFound):
        tariffs.current(alice, "south")


def test_who_may_do_what(grid: segs.Grid, tariffs: segs.Tariffs, admin: segs.Principal,
                         alice: segs.Principal, op: segs.Principal) -> None:
    with pytest.raises(segs.Forbidden):
        tariffs.create(alice, evening_peak())
    with pytest.raises(segs.Forbidden):
        tariffs.create(op, evening_peak())
    t = tariffs.create(admin, evening_peak())
    with pytest.raises(segs.Forbidden):
        tariffs.update(op, tid(t), name="x")
    with pytest.raises(segs.Forbidden):
        tariffs.regions(alice)
    south_op = person(grid, "south-op@example.org", "operator", region="south")
    o = segs.TariffOverride(region="north", start=START, end=START + H, multiplier=2)
    with pytest.raises(segs.Forbidden):
        tariffs.create_override(alice, o)
    with pytest.raises(segs.Forbidden):
        tariffs.create_override(south_op, o)
    with pytest.raises(segs.Forbidden):
        tariffs.analytics(south_op, "north", DAY, NEXT_DAY)
    assert [r.region for r in tariffs.regions(south_op)] == ["south"]
    with pytest.raises(segs.Unauthorized):
        tariffs.current(segs.Principal.anonymous(), "north")
    refused(segs.NotFound, "region", tariffs.create, admin, evening_peak(region="nowhere"))
    refused(segs.ValidationError, "currency", tariffs.create, admin, evening_peak(currency="USD"))
    refused(segs.ValidationError, "schedule[0].end", tariffs.create, admin,
            evening_peak(schedule=[segs.ScheduleRule("peak", ["mon"], "17:00", "17:00")]))
    with pytest.raises(segs.NotFound):
        tariffs.get(alice, uuid.uuid4())


def test_an_override_changes_the_effective_price(clock: segs.ManualClock, tariffs: segs.Tariffs,
                                                 admin: segs.Principal, op: segs.Principal,
                                                 alice: segs.Principal) -> None:
    tariffs.create(admin, evening_peak())
    o = tariffs.create_override(op, segs.TariffOverride(
        region="north", start=DAY + 13 * H, end=DAY + 15 * H, multiplier=2, reason="heat wave"))
    assert isinstance(o.id, uuid.UUID)
    assert (o.created_by, o.created_at, o.removed_at, o.reason) == (op.id, START, None, "heat wave")
    assert (o.multiplier, o.price_per_kwh) == (D(2), None)
    assert [(s.start, s.end, s.effective_price_per_kwh, s.override_id)
            for s in tariffs.forecast(alice, hours=12).prices] == [
        (START, DAY + 13 * H, D("0.1"), None),
        (DAY + 13 * H, DAY + 15 * H, D("0.2"), o.id),
        (DAY + 15 * H, DAY + 17 * H, D("0.1"), None),
        (DAY + 17 * H, DAY + 21 * H, D("0.3"), None),
        (DAY + 21 * H, START + 12 * H, D("0.1"), None),
    ]
    assert tariffs.current(alice).next_change_at == DAY + 13 * H

    clock.advance(H)  # 13:00
    per = tariffs.current(alice).period
    assert (per.name, per.price_per_kwh, per.effective_price_per_kwh, per.override_id) == (
        "off_peak", D("0.1"), D("0.2"), o.id)
    assert (per.starts_at, per.ends_at) == (DAY + 13 * H, DAY + 15 * H)

    # Removed at 14:05: it ends with the current bucket, the past stays priced.
    clock.set(DAY + 14 * H + dt.timedelta(minutes=5))
    gone = tariffs.remove_override(op, tid(o))
    assert (gone.id, gone.start, gone.end, gone.removed_at) == (
        o.id, DAY + 13 * H, DAY + 14 * H + Q, DAY + 14 * H + dt.timedelta(minutes=5))
    assert tariffs.current(alice).period.ends_at == DAY + 14 * H + Q
    [kept] = tariffs.history(alice, DAY, NEXT_DAY).overrides
    assert (kept.id, kept.end, kept.removed_at) == (o.id, gone.end, gone.removed_at)
    with pytest.raises(segs.Conflict):
        tariffs.remove_override(op, tid(o))

    # One that has not begun is removed whole; one may not start in the past.
    future = tariffs.create_override(admin, segs.TariffOverride(
        region="north", start=DAY + 18 * H, end=DAY + 19 * H, price_per_kwh="0.05"))
    assert tariffs.remove_override(admin, tid(future)).end == DAY + 18 * H
    refused(segs.ValidationError, "start", tariffs.create_override, op, segs.TariffOverride(
        region="north", start=DAY + 13 * H, end=DAY + 15 * H, multiplier=2))
    refused(segs.ValidationError, "price_per_kwh", tariffs.create_override, op, segs.TariffOverride(
        region="north", start=DAY + 15 * H, end=DAY + 16 * H))


def test_estimate_with_a_flat_profile(tariffs: segs.Tariffs, admin: segs.Principal,
                                      alice: segs.Principal) -> None:
    tariffs.create(admin, evening_peak())
    # Alice has no readings: 9.6 kWh over 96 buckets is 100 Wh each.
    e = tariffs.estimate(alice, "9.6", from_=NEXT_DAY, to=NEXT_DAY + 24 * H)
    assert isinstance(e, segs.TariffEstimate)
    assert (e.region, e.currency, e.from_, e.to, e.consumption_kwh) == (
        "north", "EUR", NEXT_DAY, NEXT_DAY + 24 * H, D("9.6"))
    # peak 16 x 0.1 kWh x 0.30 = 0.48, off-peak 80 x 0.1 kWh x 0.10 = 0.80.
    assert [(x.period, x.consumed_kwh, x.amount) for x in e.by_period] == [
        ("peak", D("1.6"), D("0.48")), ("off_peak", D("8"), D("0.80"))]
    assert (e.energy_charge, e.tier_charge, e.fixed_charge, e.demand_charge) == (
        D("1.28"), D(0), D("0.50"), D(0))
    assert (e.tax, e.total) == (D("0.34"), D("2.12"))  # 19 % of 1.78 = 0.3382

    # 10 kWh: 104 Wh each, and the 16 Wh left go to the earliest buckets
    # (00:00-04:00, off-peak): peak 1.664 kWh = 0.4992, off-peak 8.336 kWh = 0.8336.
    e = tariffs.estimate(alice, 10, from_=NEXT_DAY, to=NEXT_DAY + 24 * H)
    assert [(x.period, x.consumed_kwh, x.amount) for x in e.by_period] == [
        ("peak", D("1.664"), D("0.50")), ("off_peak", D("8.336"), D("0.83"))]
    assert (e.energy_charge, e.tax, e.total) == (D("1.33"), D("0.35"), D("2.18"))

    # By default from the current bucket, 30 local days.
    e = tariffs.estimate(alice, 30)
    assert (e.from_, e.to) == (START, START + 30 * 24 * H)
    refused(segs.ValidationError, "consumption_kwh", tariffs.estimate, alice, -1)
    refused(segs.ValidationError, "from_", tariffs.estimate, alice, 1,
            from_=START + dt.timedelta(minutes=1))


def test_a_tariff_that_has_not_begun_changes(tariffs: segs.Tariffs, admin: segs.Principal) -> None:
    now = tariffs.create(admin, evening_peak())
    feb = utc(2025, 2, 1)
    winter = tariffs.create(admin, evening_peak(name="February", effective_from=feb,
                                                periods=[("peak", "0.35"), ("off_peak", "0.12")]))
    assert tariffs.get(admin, tid(now)).effective_to == feb  # the open-ended one ends there

    changed = tariffs.update(admin, tid(winter), name="February 2", tax_percent="7",
                             effective_to=utc(2025, 3, 1))
    assert (changed.name, changed.tax_percent, changed.effective_to) == (
        "February 2", D(7), utc(2025, 3, 1))
    kept = tariffs.update(admin, tid(winter), fixed_charge_per_day=1)
    assert (kept.name, kept.effective_to, kept.fixed_charge_per_day) == (
        "February 2", utc(2025, 3, 1), D(1))
    assert tariffs.update(admin, tid(winter), effective_to=None).effective_to is None
    moved = tariffs.update(admin, tid(winter), effective_from=utc(2025, 2, 15))
    assert moved.effective_from == utc(2025, 2, 15)
    assert tariffs.get(admin, tid(now)).effective_to == utc(2025, 2, 15)

    with pytest.raises(segs.Conflict):
        tariffs.update(admin, tid(now), name="too late")  # in effect: immutable
    with pytest.raises(segs.Conflict):  # overlaps a bounded tariff
        tariffs.create(admin, evening_peak(effective_from=DAY - 24 * H, effective_to=DAY + 24 * H))


def test_analytics(tariffs: segs.Tariffs, admin: segs.Principal, op: segs.Principal) -> None:
    tariffs.create(admin, evening_peak())
    tariffs.create_override(op, segs.TariffOverride(region="north", start=DAY + 13 * H,
                                                    end=DAY + 15 * H, multiplier=2))
    a = tariffs.analytics(op, "north", DAY, NEXT_DAY)
    assert (a.region, a.from_, a.to, a.overrides) == ("north", DAY, NEXT_DAY, 1)
    # (16 x 0.30 + 72 x 0.10 + 8 x 0.20) / 96 = 0.1416666...
    assert a.time_weighted_price_per_kwh == D("0.141667")
    assert a.consumption_weighted_price_per_kwh is None  # nothing metered
    assert a.peak_to_off_peak_ratio == 3.0
    assert [(x.period, x.quarter_hours, x.consumed_kwh, x.amount) for x in a.by_period] == [
        ("off_peak", 80, D(0), D(0)), ("peak", 16, D(0), D(0))]


def test_service_follows_the_grid_lifetime(grid: segs.Grid, tariffs: segs.Tariffs,
                                           admin: segs.Principal) -> None:
    assert isinstance(tariffs, segs.Tariffs)
    grid.close()
    with pytest.raises(segs.ServiceUnavailable):
        tariffs.current(admin, "north")
    with pytest.raises(segs.ServiceUnavailable):
        grid.tariffs
