"""Billing through the Python API (Grid.billing).

A month simulated on a manual clock: region north (UTC, EUR) gets a
time-of-use tariff from 2025-06-01, alice and bob a meter each, a few
readings in June; on 2025-07-01 06:00 an operator generates "2025-06" and
the invoices' lines and totals are checked against amounts computed here by
hand as Decimals (energy = kWh x the period's price, fixed = 30 x the daily
charge, demand = the highest quarter-hour's kW x the rate, tax on energy +
fixed + demand, each line rounded half to even to the cent). Alice pays part
with an idempotency key (a repeat answers the same receipt, replayed), disputes,
gets a credit when an operator upholds it and pays the rest; past the due date
Grid.run_due_work() marks bob's unpaid invoice overdue. Then the overdue
listing, analytics, the CSV export (parsed with the csv module), the billing
events, voiding, the PDF, settings and auto-generation by due work, and who
may do what. Errors name the Python keywords (``from_``).

Every test runs on SQLite and on PostgreSQL (a fresh schema of the server
SEGS_TEST_PG_URL names, which scripts/test.sh sets through
scripts/with-postgres.sh). Without a server the PostgreSQL runs are skipped,
and fail under CI=true, as the C++ suites do."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from decimal import ROUND_HALF_EVEN
from decimal import Decimal as D
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
from segs_testlib import PASSWORD, open_on, sign_in

import segs

UTC = dt.timezone.utc
H = dt.timedelta(hours=1)
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday"]
HEADER = ["number", "user_id", "email", "region", "period", "issued_at", "due_at", "status",
          "subtotal", "tax", "total", "amount_paid", "amount_due"]

# The tariff of north (and south) from 2025-06-01: peak 17:00-21:00 every
# day, off-peak otherwise, a daily charge, a demand charge per kW, 19 % tax.
PEAK, OFF_PEAK = D("0.30"), D("0.10")
DAILY, PER_KW, TAX_PERCENT = D("0.50"), D("2.00"), D(19)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


JUNE = utc(2025, 6, 1)
JULY = utc(2025, 7, 1)
GENERATION = JULY + 6 * H  # 2025-07-01 06:00: June's cycle has ended


def cents(x: D) -> D:
    return x.quantize(D("0.01"), rounding=ROUND_HALF_EVEN)


def refused(exc: type, field: str, fn: Any, *args: Any, **kw: Any) -> segs.Error:
    with pytest.raises(exc) as info:
        fn(*args, **kw)
    err = info.value
    assert isinstance(err, segs.Error)
    assert err.field == field, (field, err.field, err.message)
    return err


Line = Tuple[str, Optional[str], D, str, Optional[D], D]


def lines_of(lines: List[segs.InvoiceLine]) -> List[Line]:
    return [(x.kind, x.period, x.quantity, x.unit, x.unit_price, x.amount) for x in lines]


def by_kind(line: Line) -> Tuple[str, str]:
    return (line[0], line[1] or "")


def expected(peak_kwh: D, off_peak_kwh: D, highest_kwh: D) -> Tuple[List[Line], D, D, D]:
    """The lines, subtotal, tax and total of a month of 30 days, by hand."""
    energy_peak = cents(peak_kwh * PEAK)
    energy_off = cents(off_peak_kwh * OFF_PEAK)
    fixed = cents(30 * DAILY)
    kw = highest_kwh / D("0.25")
    demand = cents(kw * PER_KW)
    taxable = energy_peak + energy_off + fixed + demand
    tax = cents(taxable * TAX_PERCENT / 100)
    lines: List[Line] = [
        ("energy", "peak", peak_kwh, "kWh", PEAK, energy_peak),
        ("energy", "off_peak", off_peak_kwh, "kWh", OFF_PEAK, energy_off),
        ("fixed_charge", None, D(30), "day", DAILY, fixed),
        ("demand_charge", None, kw, "kW", PER_KW, demand),
        ("tax", None, taxable, "EUR", TAX_PERCENT / 100, tax),
    ]
    return lines, taxable, tax, taxable + tax


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def clock() -> segs.ManualClock:
    # Before June: the tariff from 2025-06-01 starts in the future.
    return segs.ManualClock(utc(2025, 5, 20, 12))


@pytest.fixture(params=["sqlite", "postgres"])
def grid(request: pytest.FixtureRequest, clock: segs.ManualClock) -> Iterator[segs.Grid]:
    yield from open_on(request.param, clock)


@pytest.fixture
def billing(grid: segs.Grid) -> segs.Billing:
    return grid.billing


def person(grid: segs.Grid, email: str, role: str, region: str = "north") -> segs.User:
    return grid.identity.create_user(segs.Principal.system(), email=email, password=PASSWORD,
                                     name=email.split("@")[0], role=role, region=region)


def tariff_from_june(grid: segs.Grid, admin: segs.Principal, region: str = "north") -> None:
    grid.tariffs.create(admin, segs.Tariff(
        region=region, name="TOU", effective_from=JUNE,
        periods=[("peak", PEAK), ("off_peak", OFF_PEAK)],
        schedule=[segs.ScheduleRule("peak", EVERY_DAY, "17:00", "21:00")],
        default_period="off_peak", fixed_charge_per_day=DAILY, demand_charge_per_kw=PER_KW,
        tax_percent=TAX_PERCENT))


def meter_for(grid: segs.Grid, admin: segs.Principal, serial: str, user: segs.User,
              region: str = "north") -> None:
    grid.telemetry.create_meter(admin, meter_id=serial, capacity_kw=20, region=region,
                                user_id=user.id)


def quarter(serial: str, start: dt.datetime, kwh: str) -> Dict[str, Any]:
    """A reading of the quarter-hour [start, start + 15 min) (its timestamp is the end)."""
    return {"meter_id": serial, "timestamp": start + dt.timedelta(minutes=15),
            "energy_consumed_kwh": kwh}


class People:
    """Everyone signed in again (after the clock moved far)."""

    def __init__(self, grid: segs.Grid) -> None:
        self.admin = sign_in(grid, "root@example.org")
        self.op = sign_in(grid, "op@example.org")
        self.alice = sign_in(grid, "alice@example.org")
        self.bob = sign_in(grid, "bob@example.org")


@pytest.fixture
def june(grid: segs.Grid, clock: segs.ManualClock, admin: segs.Principal) -> Tuple[segs.User,
                                                                                  segs.User]:
    """north's tariff, alice's and bob's meters and their June readings; the
    clock at 2025-06-30 12:00."""
    person(grid, "op@example.org", "operator")
    alice = person(grid, "alice@example.org", "consumer")
    bob = person(grid, "bob@example.org", "consumer")
    tariff_from_june(grid, admin)
    meter_for(grid, admin, "ALICE-1", alice)
    meter_for(grid, admin, "BOB-1", bob)
    clock.set(utc(2025, 6, 30, 12))
    report = grid.telemetry.ingest(segs.Principal.system(), [
        # alice: 2 kWh at 18:00 (peak), 4 kWh at 03:00 and 1.25 kWh at noon (off-peak)
        quarter("ALICE-1", utc(2025, 6, 2, 18), "2"),
        quarter("ALICE-1", utc(2025, 6, 3, 3), "4"),
        quarter("ALICE-1", utc(2025, 6, 20, 12), "1.25"),
        # bob: 1 kWh at 19:00 (peak), 3 kWh at 10:00 (off-peak)
        quarter("BOB-1", utc(2025, 6, 10, 19), "1"),
        quarter("BOB-1", utc(2025, 6, 11, 10), "3"),
    ])
    assert report.rejected == [], report.rejected
    return alice, bob


# --- the month -------------------------------------------------------------------------------


def test_a_month_invoiced_paid_disputed_and_overdue(
        grid: segs.Grid, clock: segs.ManualClock, billing: segs.Billing,
        june: Tuple[segs.User, segs.User]) -> None:
    alice_user, bob_user = june
    who = People(grid)
    events = grid.events(["billing."])

    # The cycle so far, and projected to its end (the 30th of 30 days).
    now = billing.current_cycle(who.alice)
    assert isinstance(now, segs.CyclePreview)
    assert (now.region, now.currency, now.period, now.cycle_start, now.cycle_end) == (
        "north", "EUR", "2025-06", JUNE, JULY)
    assert (now.days_elapsed, now.days_total, now.projected) == (30, 30, False)
    assert (now.consumed_kwh, now.produced_kwh) == (D("7.25"), D(0))
    assert billing.estimate(who.alice).projected is True

    # June's cycle has not ended: generating it is a conflict naming period.
    refused(segs.Conflict, "period", billing.generate, who.op, "2025-06", "north")
    with pytest.raises(segs.Forbidden):
        billing.generate(who.alice, "2025-06", "north")

    clock.set(GENERATION)
    who = People(grid)
    run = billing.generate(who.op, "2025-06", "north")
    assert isinstance(run, segs.GenerationResult)
    assert (run.period, run.regions, run.generated, run.skipped_existing) == (
        "2025-06", ["north"], 2, 0)

    # alice: peak 2 kWh, off-peak 4 + 1.25 kWh (0.525 rounds to even: 0.52),
    # 4 kWh in a quarter-hour is 16 kW; 19 % of 48.12 = 9.1428.
    a_lines, a_subtotal, a_tax, a_total = expected(D(2), D("5.25"), D(4))
    assert (a_subtotal, a_tax, a_total) == (D("48.12"), D("9.14"), D("57.26"))
    # bob: peak 1 kWh, off-peak 3 kWh, 12 kW; 19 % of 39.60 = 7.524.
    b_lines, b_subtotal, b_tax, b_total = expected(D(1), D(3), D(3))
    assert (b_subtotal, b_tax, b_total) == (D("39.60"), D("7.52"), D("47.12"))
    assert run.total_amount == a_total + b_total

    page = billing.invoices(who.alice)
    assert isinstance(page, segs.Page) and (page.total, len(page)) == (1, 1)
    [a] = page.items
    assert isinstance(a, segs.Invoice) and isinstance(a.id, uuid.UUID)
    assert (a.user_id, a.region, a.currency, a.period) == (alice_user.id, "north", "EUR", "2025-06")
    assert (a.cycle_start, a.cycle_end, a.issued_at) == (JUNE, JULY, GENERATION)
    assert a.due_at == GENERATION + dt.timedelta(days=14)
    assert a.status == "issued"
    assert sorted(lines_of(a.lines), key=by_kind) == sorted(a_lines, key=by_kind)
    assert a.lines[-1].kind == "tax"
    assert all(isinstance(x.amount, D) and isinstance(x.quantity, D) for x in a.lines)
    assert (a.subtotal, a.tax, a.total, a.amount_paid, a.amount_due) == (
        a_subtotal, a_tax, a_total, D(0), a_total)
    assert (a.consumed_kwh, a.produced_kwh, a.credit_notes) == (D("7.25"), D(0), [])
    assert "2025-06" in repr(a) and "energy" in repr(a.lines[0])

    [b] = billing.invoices(who.bob, period="2025-06").items
    assert sorted(lines_of(b.lines), key=by_kind) == sorted(b_lines, key=by_kind)
    assert (b.subtotal, b.tax, b.total, b.amount_due) == (b_subtotal, b_tax, b_total, b_total)
    assert {a.number, b.number} == {"INV-NORTH-2025-000001", "INV-NORTH-2025-000002"}

    # Generating again changes nothing; a date names its month.
    again = billing.generate(who.admin, dt.date(2025, 6, 17))
    assert (again.generated, again.skipped_existing, again.total_amount) == (0, 2, D(0))

    # Reading: the owner and the region's operator; another customer's is not found.
    assert billing.get(who.op, a.id).number == a.number
    assert billing.get(who.alice, str(a.id)).total == a_total
    refused(segs.NotFound, "invoice_id", billing.get, who.bob, a.id)
    assert billing.invoices(who.alice, status="paid").items == []
    assert len(billing.invoices(who.alice, period=dt.date(2025, 6, 30))) == 1
    refused(segs.ValidationError, "status", billing.invoices, who.alice, status="unpaid")
    refused(segs.ValidationError, "period", billing.invoices, who.alice, period="2025-6")
    with pytest.raises(TypeError):  # a datetime's month depends on a time zone: refused
        billing.invoices(who.alice, period=GENERATION)

    # alice pays 20.00 of it with an idempotency key; a repeat answers the
    # same receipt and records nothing.
    paid = billing.pay(who.alice, a.id, amount="20.00", reference="june", idempotency_key="pay-1")
    assert isinstance(paid, segs.PaymentReceipt) and paid.replayed is False
    p = paid.payment
    assert (p.invoice_id, p.invoice_number, p.amount, p.method, p.reference, p.paid_at) == (
        a.id, a.number, D(20), "card", "june", GENERATION)
    assert (paid.invoice.status, paid.invoice.amount_paid, paid.invoice.amount_due) == (
        "partially_paid", D(20), a_total - 20)
    repeat = billing.pay(who.alice, a.id, amount=D("20.00"), reference="june",
                         idempotency_key="pay-1")
    assert repeat.replayed is True and repeat.payment.id == p.id
    assert (repeat.invoice.amount_paid, repeat.invoice.amount_due, repeat.invoice.status) == (
        D(20), a_total - 20, "partially_paid")
    assert [x.id for x in billing.payments(who.alice)] == [p.id]
    refused(segs.Conflict, "idempotency_key", billing.pay, who.alice, a.id, amount=10,
            idempotency_key="pay-1")
    refused(segs.ValidationError, "amount", billing.pay, who.alice, a.id, amount=1000)
    refused(segs.ValidationError, "amount", billing.pay, who.alice, a.id, amount="0.005")
    refused(segs.ValidationError, "method", billing.pay, who.alice, a.id, method="cheque")
    assert billing.get(who.alice, a.id).amount_paid == D(20)

    # A dispute stops the overdue clock; upheld with a credit note.
    disputed = billing.dispute(who.alice, a.id, "the 4 kWh at 03:00 look wrong")
    assert disputed.status == "disputed"
    with pytest.raises(segs.Conflict):
        billing.dispute(who.alice, a.id, "again")
    with pytest.raises(segs.NotFound):
        billing.dispute(who.bob, a.id, "not mine")
    with pytest.raises(segs.Forbidden):
        billing.resolve_dispute(who.alice, a.id, "upheld", "self-service")
    refused(segs.ValidationError, "credit_amount", billing.resolve_dispute, who.op, a.id,
            "rejected", "no", credit_amount=1)
    refused(segs.ValidationError, "outcome", billing.resolve_dispute, who.op, a.id, "maybe", "?")
    resolved = billing.resolve_dispute(who.op, a.id, "upheld", "meter misread",
                                       credit_amount="5.00")
    [note] = resolved.credit_notes
    assert isinstance(note, segs.CreditNote)
    assert (note.amount, note.reason, note.created_at) == (D(5), "meter misread", GENERATION)
    assert (resolved.status, resolved.amount_paid, resolved.amount_due) == (
        "partially_paid", D(20), a_total - 20 - 5)
    with pytest.raises(segs.Conflict):
        billing.resolve_dispute(who.op, a.id, "rejected", "twice")

    # The rest (what is due when no amount is given).
    rest = billing.pay(who.alice, a.id, method="bank_transfer")
    assert rest.payment.amount == a_total - 25 and rest.payment.method == "bank_transfer"
    assert (rest.invoice.status, rest.invoice.amount_due) == ("paid", D(0))
    with pytest.raises(segs.Conflict):
        billing.pay(who.alice, a.id, amount=1)

    # Past bob's due date, due work marks his unpaid invoice overdue.
    clock.set(b.due_at + 24 * H)
    who = People(grid)
    report = grid.run_due_work()
    assert (report.invoices_overdue, report.invoices_generated) == (1, 0)
    assert not report.idle
    assert grid.run_due_work().invoices_overdue == 0
    assert billing.get(who.bob, b.id).status == "overdue"
    assert billing.get(who.alice, a.id).status == "paid"
    late = billing.overdue(who.op, "north")
    [o] = late.items
    assert isinstance(o, segs.OverdueInvoice)
    assert (o.invoice.id, o.invoice.status, o.invoice.amount_due, o.days_overdue) == (
        b.id, "overdue", b_total, 1)
    with pytest.raises(segs.Forbidden):
        billing.overdue(who.alice, "north")

    # Analytics of June: periods as text or dates, from_ in Python's words.
    an = billing.analytics(who.op, "north", from_="2025-06", to=dt.date(2025, 6, 1))
    assert isinstance(an, segs.BillingAnalytics)
    assert (an.region, an.currency, an.from_, an.to) == ("north", "EUR", "2025-06", "2025-06")
    assert (an.invoiced, an.collected, an.outstanding) == (
        a_total + b_total, a_total - 5, b_total)
    assert (an.overdue_amount, an.overdue_count, an.disputed_count) == (b_total, 1, 0)
    assert an.average_invoice == cents((a_total + b_total) / 2)
    assert (an.p2p_volume_kwh, an.market_fees) == (D(0), D(0))
    assert [(r.period, r.invoiced, r.collected) for r in an.by_period] == [
        ("2025-06", a_total + b_total, a_total - 5)]
    assert billing.analytics(who.op).invoiced == a_total + b_total  # the last 12 months
    refused(segs.ValidationError, "from_", billing.analytics, who.op, "north", from_="June")
    refused(segs.ValidationError, "from_", billing.analytics, who.op, "north", from_="2025-07",
            to="2025-06")
    refused(segs.ValidationError, "to", billing.analytics, who.op, "north", to="2025-13")
    with pytest.raises(segs.Forbidden):
        billing.analytics(who.alice, "north")

    # The CSV export, read back with the csv module.
    text = billing.export_csv(who.op, "north", "2025-06")
    assert isinstance(text, str)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == HEADER
    by_number = {r[0]: dict(zip(HEADER, r)) for r in rows[1:]}
    assert sorted(by_number) == sorted([a.number, b.number])
    ra, rb = by_number[a.number], by_number[b.number]
    assert (ra["user_id"], ra["email"], ra["region"], ra["period"], ra["status"]) == (
        str(alice_user.id), "alice@example.org", "north", "2025-06", "paid")
    assert dt.datetime.fromisoformat(ra["issued_at"].replace("Z", "+00:00")) == GENERATION
    assert dt.datetime.fromisoformat(ra["due_at"].replace("Z", "+00:00")) == a.due_at
    assert [D(ra[k]) for k in ("subtotal", "tax", "total", "amount_paid", "amount_due")] == [
        a_subtotal, a_tax, a_total, a_total - 5, D(0)]
    assert (rb["status"], rb["total"], rb["amount_paid"], rb["amount_due"]) == (
        "overdue", str(b_total), "0.00", str(b_total))
    assert billing.export_csv(who.op, "north").count("\r\n") == 3  # every period
    may = billing.export_csv(who.op, "north", dt.date(2025, 5, 1))
    assert list(csv.reader(io.StringIO(may, newline=""))) == [HEADER]
    refused(segs.ValidationError, "period", billing.export_csv, who.op, "north", "2025/06")
    with pytest.raises(segs.Forbidden):
        billing.export_csv(who.alice, "north")

    # Voiding: only without payments; final.
    with pytest.raises(segs.Conflict):
        billing.void_invoice(who.op, a.id, "paid already")
    with pytest.raises(segs.Forbidden):
        billing.void_invoice(who.bob, b.id, "please")
    voided = billing.void_invoice(who.op, b.id, "issued in error")
    assert (voided.status, voided.amount_due) == ("void", D(0))
    with pytest.raises(segs.Conflict):
        billing.void_invoice(who.op, b.id, "again")
    assert billing.overdue(who.op, "north").items == []

    # What happened, as events: after each commit, in order.
    got = events.drain()
    events.close()
    assert [e.name for e in got] == [
        "billing.invoice_issued", "billing.invoice_issued", "billing.dispute_opened",
        "billing.dispute_resolved", "billing.invoice_paid", "billing.invoice_overdue",
        "billing.invoice_voided"]
    assert all(e.region == "north" and e.alert is None and e.billing is not None for e in got)
    issued = [e.billing for e in got[:2] if e.billing is not None]
    assert {(x.number, x.total, x.amount_due, x.status, x.period) for x in issued} == {
        (a.number, a_total, a_total, "issued", "2025-06"),
        (b.number, b_total, b_total, "issued", "2025-06")}
    ev = [e.billing for e in got]
    assert [x.type if x else None for x in ev] == [
        "invoice_issued", "invoice_issued", "dispute_opened", "dispute_resolved", "invoice_paid",
        "invoice_overdue", "invoice_voided"]
    resolved_event = ev[3]
    assert resolved_event is not None
    assert (resolved_event.invoice_id, resolved_event.user_id, resolved_event.outcome) == (
        a.id, alice_user.id, "upheld")
    assert (resolved_event.status, resolved_event.amount_due) == ("partially_paid", a_total - 25)
    assert all(x is not None and x.outcome is None for i, x in enumerate(ev) if i != 3)
    overdue_event = ev[5]
    assert overdue_event is not None
    assert (overdue_event.invoice_id, overdue_event.status) == (b.id, "overdue")


def test_the_pdf(grid: segs.Grid, clock: segs.ManualClock, billing: segs.Billing,
                 june: Tuple[segs.User, segs.User]) -> None:
    clock.set(GENERATION)
    who = People(grid)
    billing.generate(who.op, "2025-06")
    [a] = billing.invoices(who.alice).items
    try:
        doc = billing.pdf(who.alice, a.id)
    except segs.ServiceUnavailable:
        pytest.skip("libsegs was built without libharu (SEGS_WITH_PDF=OFF)")
    assert isinstance(doc, bytes) and doc.startswith(b"%PDF-")
    assert billing.pdf(who.op, str(a.id)).startswith(b"%PDF-")
    refused(segs.NotFound, "invoice_id", billing.pdf, who.bob, a.id)
    refused(segs.ValidationError, "invoice_id", billing.pdf, who.alice, "not-a-uuid")


# --- settings and due work ---------------------------------------------------------------------


def test_settings_and_generation_by_due_work(grid: segs.Grid, clock: segs.ManualClock,
                                             billing: segs.Billing,
                                             admin: segs.Principal) -> None:
    carol = person(grid, "carol@example.org", "consumer", region="south")
    # The tariff and carol's meter in south, held all June.
    tariff_from_june(grid, admin, "south")
    meter_for(grid, admin, "CAROL-1", carol, "south")
    # Settings changed on 30 June apply from June's cycle on (due work never
    # generates cycles that ended before auto_generate was switched on).
    clock.set(utc(2025, 6, 30, 12))
    admin = sign_in(grid, "root@example.org")
    c = sign_in(grid, "carol@example.org")

    s = billing.settings(c, "south")
    assert isinstance(s, segs.BillingSettings)
    assert (s.region, s.cycle_day, s.due_days, s.auto_generate, s.updated_at) == (
        "south", 1, 14, False, None)
    with pytest.raises(segs.Forbidden):
        billing.configure(c, "south", due_days=7)
    refused(segs.ValidationError, "cycle_day", billing.configure, admin, "south", cycle_day=29)
    refused(segs.ValidationError, "due_days", billing.configure, admin, "south", due_days=-1)
    refused(segs.NotFound, "region", billing.configure, admin, "nowhere", due_days=7)
    refused(segs.NotFound, "region", billing.settings, c, "nowhere")
    changed = billing.configure(admin, "south", due_days=7, auto_generate=True)
    assert (changed.cycle_day, changed.due_days, changed.auto_generate, changed.updated_at) == (
        1, 7, True, utc(2025, 6, 30, 12))
    kept = billing.configure(admin, "south", cycle_day=1)
    assert (kept.due_days, kept.auto_generate) == (7, True)
    assert billing.settings(c, "south").due_days == 7
    assert "south" in repr(kept)

    # Nothing metered: the fixed charge and its tax, generated once June has ended.
    assert grid.run_due_work().invoices_generated == 0
    clock.set(GENERATION)
    report = grid.run_due_work()
    assert (report.invoices_generated, report.invoices_overdue) == (1, 0)
    assert grid.run_due_work().invoices_generated == 0
    c = sign_in(grid, "carol@example.org")
    [inv] = billing.invoices(c).items
    fixed = cents(30 * DAILY)
    assert lines_of(inv.lines) == [
        ("fixed_charge", None, D(30), "day", DAILY, fixed),
        ("tax", None, fixed, "EUR", TAX_PERCENT / 100, cents(fixed * TAX_PERCENT / 100))]
    assert (inv.number, inv.total, inv.due_at) == (
        "INV-SOUTH-2025-000001", D("17.85"), GENERATION + dt.timedelta(days=7))


def test_who_may_do_what(grid: segs.Grid, billing: segs.Billing, admin: segs.Principal) -> None:
    person(grid, "alice@example.org", "consumer")
    person(grid, "south-op@example.org", "operator", region="south")
    alice = sign_in(grid, "alice@example.org")
    south_op = sign_in(grid, "south-op@example.org")
    anonymous = segs.Principal.anonymous()

    with pytest.raises(segs.Unauthorized):
        billing.settings(anonymous, "north")
    with pytest.raises(segs.Unauthorized):
        billing.invoices(anonymous)
    with pytest.raises(segs.Forbidden):
        billing.generate(south_op, "2024-12", "north")
    with pytest.raises(segs.Forbidden):
        billing.export_csv(south_op, "north")
    assert billing.export_csv(south_op, "south").strip() == ",".join(HEADER)
    with pytest.raises(segs.Forbidden):
        billing.current_cycle(segs.Principal.system())  # a customer's, not the system's
    refused(segs.ValidationError, "period", billing.generate, admin, "December")
    refused(segs.ValidationError, "per_page", billing.invoices, alice, per_page=0)
    refused(segs.ValidationError, "page", billing.payments, alice, page=0)
    refused(segs.ValidationError, "invoice_id", billing.get, alice, "nope")
    refused(segs.NotFound, "invoice_id", billing.get, alice, uuid.uuid4())
    refused(segs.NotFound, "invoice_id", billing.pay, alice, uuid.uuid4())
    with pytest.raises(TypeError):
        billing.generate(admin, 202506)  # type: ignore[arg-type]
    # Nothing invoiced yet: empty pages, and a cycle with nothing metered.
    assert (billing.invoices(alice).total, billing.payments(alice).total) == (0, 0)
    preview = billing.current_cycle(alice)
    assert (preview.period, preview.lines, preview.total) == ("2025-05", [], D(0))


def test_service_follows_the_grid_lifetime(grid: segs.Grid, billing: segs.Billing,
                                           admin: segs.Principal) -> None:
    assert isinstance(billing, segs.Billing)
    grid.close()
    with pytest.raises(segs.ServiceUnavailable):
        billing.settings(admin, "north")
    with pytest.raises(segs.ServiceUnavailable):
        grid.billing
