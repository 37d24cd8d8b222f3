"""The energy market through the Python API: orders, matching, epoch clearing,
settlement, events, and the exact Decimal edge."""

from __future__ import annotations

import datetime as dt
import gc
import re
import subprocess
import sys
import threading
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from segs_testlib import PASSWORD, START, sign_in

import segs

SLOT = START + dt.timedelta(hours=1)  # 13:00 UTC; its gate closes at 12:55
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "python" / "simulate_day.py"


def trader(grid: segs.Grid, email: str, role: str, region: str = "north") -> segs.Principal:
    grid.identity.create_user(segs.Principal.system(), email=email, password=PASSWORD,
                              name=email.split("@")[0], role=role, region=region)
    return sign_in(grid, email)


def uid(who: segs.Principal) -> uuid.UUID:
    assert who.id is not None
    return who.id


@pytest.fixture
def seller(grid: segs.Grid) -> segs.Principal:
    return trader(grid, "sol@example.org", "prosumer")


@pytest.fixture
def buyer(grid: segs.Grid) -> segs.Principal:
    return trader(grid, "bea@example.org", "consumer")


def test_continuous_flow_trade_book_stats_history(grid: segs.Grid, seller: segs.Principal,
                                                  buyer: segs.Principal) -> None:
    market = grid.market
    assert isinstance(market, segs.Market)
    ask = market.submit(seller, side="sell", quantity_kwh=Decimal("1.5"),
                        price_per_kwh=Decimal("0.245"), delivery_slot=SLOT)
    assert isinstance(ask, segs.Order) and isinstance(ask.id, uuid.UUID)
    assert (ask.side, ask.order_type, ask.time_in_force, ask.status) == ("sell", "limit", "gtc",
                                                                          "open")
    assert ask.user_id == seller.id and ask.region == "north" and ask.post_only is False
    assert ask.quantity_kwh == Decimal("1.5") and isinstance(ask.quantity_kwh, Decimal)
    assert ask.price_per_kwh == Decimal("0.245") and isinstance(ask.price_per_kwh, Decimal)
    assert ask.filled_kwh == 0 and ask.remaining_kwh == Decimal("1.5") and ask.trades == []
    assert ask.delivery_slot == SLOT and ask.delivery_slot.utcoffset() == dt.timedelta(0)
    assert ask.created_at == START

    # int and float at the edge are taken exactly: 0.2451 through its repr,
    # not its binary expansion (which is off the micro-unit).
    bid = market.submit(buyer, side="buy", quantity_kwh=1, price_per_kwh=0.2451,
                        delivery_slot=SLOT)
    assert bid.price_per_kwh == Decimal("0.2451")
    assert bid.status == "filled" and bid.filled_kwh == 1 and bid.remaining_kwh == 0
    [fill] = bid.trades
    assert fill.price_per_kwh == Decimal("0.245")  # the resting order's price
    assert fill.quantity_kwh == 1 and fill.executed_at == START

    book = market.book(buyer, SLOT)
    assert (book.region, book.delivery_slot, book.bids) == ("north", SLOT, [])
    [level] = book.asks
    assert (level.price_per_kwh, level.quantity_kwh, level.orders) == (Decimal("0.245"),
                                                                       Decimal("0.5"), 1)
    assert book.sequence > 0

    stats = market.stats(buyer, SLOT)
    assert stats.mechanism == "continuous" and stats.trade_count == 1
    assert stats.best_bid is None and stats.best_ask == Decimal("0.245")
    assert stats.last_price == stats.vwap == stats.open == stats.close == Decimal("0.245")
    assert stats.volume_kwh == 1
    assert stats.clearing_price is None and stats.cleared_kwh is None

    [bought] = market.history(buyer).items
    assert (bought.side, bought.order_id, bought.id) == ("buy", bid.id, fill.id)
    assert bought.price_per_kwh == Decimal("0.245") and bought.fee == 0
    [sold] = market.history(seller, delivery_slot=SLOT)
    assert sold.side == "sell" and sold.order_id == ask.id and sold.quantity_kwh == 1

    # The tape shows order ids only to their owners.
    [tape] = market.matches(buyer, SLOT)
    assert tape.id == fill.id and tape.buy_order_id == bid.id and tape.sell_order_id is None

    assert market.get_order(seller, ask.id).status == "partially_filled"
    assert market.get_order(seller, str(ask.id)).filled_kwh == 1
    page = market.orders(seller, status="partially_filled")
    assert isinstance(page, segs.Page) and page.total == 1 and page.items[0].id == ask.id
    assert market.orders(seller, status="filled").total == 0
    assert market.orders(buyer, delivery_slot=SLOT).items[0].id == bid.id


def test_decimal_edge_is_exact_and_errors_name_the_field(grid: segs.Grid, seller: segs.Principal,
                                                         buyer: segs.Principal) -> None:
    market = grid.market

    def refused(field: str, **kw: Any) -> None:
        args: Dict[str, Any] = {"side": "buy", "quantity_kwh": "1", "price_per_kwh": "0.2",
                                "delivery_slot": SLOT}
        args.update(kw)
        with pytest.raises(segs.ValidationError) as info:
            market.submit(buyer, **args)
        assert info.value.field == field, (kw, info.value)
        assert info.value.http_status == 400

    refused("quantity_kwh", quantity_kwh=Decimal("1.0005"))  # not a whole Wh
    refused("quantity_kwh", quantity_kwh=0.0001)
    refused("quantity_kwh", quantity_kwh=0)
    refused("quantity_kwh", quantity_kwh="-1")
    refused("quantity_kwh", quantity_kwh=Decimal("NaN"))
    refused("price_per_kwh", price_per_kwh="0.2000001")  # below the micro-unit
    refused("price_per_kwh", price_per_kwh="0.20005")  # off the 0.0001 tick
    refused("price_per_kwh", price_per_kwh=0)
    refused("price_per_kwh", price_per_kwh=float("inf"))
    refused("price_per_kwh", price_per_kwh=None)  # a limit order needs one
    refused("price_per_kwh", order_type="market")  # a market order takes none
    refused("side", side="hold")
    refused("order_type", order_type="stop")
    refused("time_in_force", time_in_force="day")
    refused("delivery_slot", delivery_slot=SLOT + dt.timedelta(minutes=7))  # misaligned
    refused("delivery_slot", delivery_slot=START - dt.timedelta(minutes=15))  # past its gate
    refused("delivery_slot", delivery_slot=START + dt.timedelta(days=3))  # not open yet

    with pytest.raises(ValueError):  # naive datetimes are refused, never guessed
        market.submit(buyer, side="buy", quantity_kwh=1, price_per_kwh="0.2",
                      delivery_slot=SLOT.replace(tzinfo=None))
    with pytest.raises(TypeError):
        market.submit(buyer, side="buy", quantity_kwh=True, price_per_kwh="0.2",
                      delivery_slot=SLOT)
    # Exponents and trailing zeros are the same numbers.
    o = market.submit(buyer, side="buy", quantity_kwh=Decimal("1.5E0"),
                      price_per_kwh=Decimal("0.2000"), delivery_slot=SLOT)
    assert o.quantity_kwh == Decimal("1.5") and o.price_per_kwh == Decimal("0.2")
    assert market.orders(buyer).total == 1  # nothing refused was placed


def test_permissions_and_hidden_orders(grid: segs.Grid, seller: segs.Principal,
                                       buyer: segs.Principal) -> None:
    market = grid.market
    with pytest.raises(segs.Forbidden):  # consumers may buy, not sell
        market.submit(buyer, side="sell", quantity_kwh=1, price_per_kwh="0.2", delivery_slot=SLOT)
    with pytest.raises(segs.Forbidden):  # users trade in their own region
        market.submit(buyer, side="buy", quantity_kwh=1, price_per_kwh="0.2", delivery_slot=SLOT,
                      region="south")
    mine = market.submit(seller, side="sell", quantity_kwh=1, price_per_kwh="0.3",
                         delivery_slot=SLOT)
    with pytest.raises(segs.NotFound):  # others' orders do not leak
        market.get_order(buyer, mine.id)
    with pytest.raises(segs.NotFound):
        market.cancel(buyer, mine.id)
    with pytest.raises(segs.Forbidden):
        market.clear(buyer, "north", SLOT)
    with pytest.raises(segs.ValidationError) as info:
        market.cancel(seller, "not-a-uuid")
    assert info.value.field == "order_id"


def test_cancel_and_modify(grid: segs.Grid, seller: segs.Principal,
                           buyer: segs.Principal) -> None:
    market = grid.market
    bid = market.submit(buyer, side="buy", quantity_kwh=2, price_per_kwh="0.2", delivery_slot=SLOT)
    smaller = market.modify(buyer, bid.id, quantity_kwh="1.25")
    assert smaller.remaining_kwh == Decimal("1.25") and smaller.status == "open"
    cancelled = market.cancel(buyer, bid.id)
    assert cancelled.status == "cancelled" and cancelled.remaining_kwh == 0
    with pytest.raises(segs.Conflict):
        market.cancel(buyer, bid.id)
    with pytest.raises(segs.Conflict):
        market.modify(buyer, bid.id, price_per_kwh="0.3")
    assert market.book(buyer, SLOT).bids == []

    # A price change that crosses trades at once.
    ask = market.submit(seller, side="sell", quantity_kwh=1, price_per_kwh="0.3",
                        delivery_slot=SLOT)
    bid = market.submit(buyer, side="buy", quantity_kwh=1, price_per_kwh="0.2", delivery_slot=SLOT)
    moved = market.modify(buyer, bid.id, price_per_kwh=Decimal("0.31"))
    assert moved.status == "filled" and [t.price_per_kwh for t in moved.trades] == [Decimal("0.3")]
    assert market.get_order(seller, ask.id).status == "filled"
    with pytest.raises(segs.ValidationError) as info:
        market.modify(buyer, bid.id, quantity_kwh="0.0005")
    assert info.value.field == "quantity_kwh"


def test_market_order_without_liquidity_is_cancelled(grid: segs.Grid,
                                                     buyer: segs.Principal) -> None:
    o = grid.market.submit(buyer, side="buy", order_type="market", quantity_kwh=1,
                           delivery_slot=SLOT)
    assert o.status == "cancelled" and o.price_per_kwh is None and o.trades == []


def epoch_slot(grid: segs.Grid, admin: segs.Principal) -> Tuple[segs.Principal, segs.Principal,
                                                                 List[segs.Order]]:
    """An epoch market with two asks (0.20, 0.30) and two bids (0.35, 0.25) of
    1 kWh each: every price from 0.20 to 0.35 matches 1 kWh, and only
    (0.25, 0.30) balances supply and demand, so the auction clears at the
    middle of that range, 0.275."""
    info = grid.market.configure(admin, "north", mechanism="epoch")
    assert info.configured and info.settings.mechanism == "epoch"
    seller = trader(grid, "sol@example.org", "prosumer")
    buyer = trader(grid, "bea@example.org", "consumer")
    m = grid.market
    orders = [m.submit(seller, side="sell", quantity_kwh=1, price_per_kwh="0.20",
                       delivery_slot=SLOT),
              m.submit(seller, side="sell", quantity_kwh=1, price_per_kwh="0.30",
                       delivery_slot=SLOT),
              m.submit(buyer, side="buy", quantity_kwh=1, price_per_kwh="0.35", delivery_slot=SLOT),
              m.submit(buyer, side="buy", quantity_kwh=1, price_per_kwh="0.25", delivery_slot=SLOT)]
    assert all(o.status == "open" and o.trades == [] for o in orders)
    return seller, buyer, orders


def test_epoch_market_clears_at_the_uniform_price(grid: segs.Grid,
                                                  admin: segs.Principal) -> None:
    seller, buyer, [s1, s2, b1, b2] = epoch_slot(grid, admin)
    m = grid.market
    book = m.book(buyer, SLOT)  # collected orders may cross before the auction
    assert [lv.price_per_kwh for lv in book.bids] == [Decimal("0.35"), Decimal("0.25")]
    assert [lv.price_per_kwh for lv in book.asks] == [Decimal("0.2"), Decimal("0.3")]

    result = m.clear(admin, "north", SLOT)
    assert isinstance(result, segs.ClearingResult)
    assert (result.region, result.delivery_slot, result.mechanism) == ("north", SLOT, "epoch")
    assert result.clearing_price == Decimal("0.275") and result.cleared_kwh == 1
    [trade] = result.trades
    assert trade.price_per_kwh == Decimal("0.275") and trade.quantity_kwh == 1
    assert result.closed_at == START
    again = m.clear(admin, "north", SLOT)  # the first result, unchanged
    assert again.clearing_price == result.clearing_price and again.trades[0].id == trade.id

    stats = m.stats(buyer, SLOT)
    assert stats.clearing_price == Decimal("0.275") and stats.cleared_kwh == 1
    assert stats.trade_count == 1
    status = {o.id: m.get_order(admin, o.id).status for o in (s1, s2, b1, b2)}
    assert status == {s1.id: "filled", b1.id: "filled", s2.id: "expired", b2.id: "expired"}


def test_close_due_gates_follows_the_manual_clock(grid: segs.Grid, clock: segs.ManualClock,
                                                  admin: segs.Principal) -> None:
    _, buyer, _ = epoch_slot(grid, admin)
    assert grid.market.close_due_gates() == []  # 12:00: the 12:55 gate is ahead
    clock.advance(dt.timedelta(minutes=56))
    [result] = grid.market.close_due_gates()
    assert result.delivery_slot == SLOT and result.clearing_price == Decimal("0.275")
    assert grid.market.close_due_gates() == []
    with pytest.raises(segs.ValidationError) as info:  # the slot's gate has closed
        grid.market.submit(buyer, side="buy", quantity_kwh=1, price_per_kwh="0.3",
                           delivery_slot=SLOT)
    assert info.value.field == "delivery_slot"


def test_settlement_writes_ledger_entries(grid: segs.Grid, clock: segs.ManualClock,
                                          admin: segs.Principal) -> None:
    seller, buyer, _ = epoch_slot(grid, admin)
    m = grid.market
    m.clear(admin, "north", SLOT)
    with pytest.raises(segs.Conflict):  # delivery has not ended: nothing to assume
        m.settle(admin, "north", SLOT)
    with pytest.raises(segs.ValidationError) as info:
        m.settle(admin, "north", SLOT, deliveries=[(uid(seller), "0.0001")])
    assert info.value.field == "deliveries[0].delivered_kwh"

    clock.set(SLOT + dt.timedelta(minutes=15))
    # The seller delivered 0.6 of the 1 kWh sold: 0.4 kWh short at the
    # slot's highest trade price (0.275) = 0.11, refunded to the buyer.
    s = m.settle(admin, "north", SLOT,
                 deliveries=[{"user_id": str(seller.id), "delivered_kwh": Decimal("0.6")}])
    assert isinstance(s, segs.Settlement) and s.settled_at == SLOT + dt.timedelta(minutes=15)
    entries = {(e.user_id, e.kind): (e.energy_kwh, e.amount) for e in s.entries}
    assert entries[(buyer.id, "trade_debit")] == (Decimal(1), Decimal("-0.275"))
    assert entries[(seller.id, "trade_credit")] == (Decimal(1), Decimal("0.275"))
    assert entries[(seller.id, "imbalance_charge")] == (Decimal("0.4"), Decimal("-0.11"))
    assert entries[(buyer.id, "imbalance_refund")] == (Decimal("0.4"), Decimal("0.11"))
    assert sum(e.amount for e in s.entries) == 0  # no fees in this market
    assert any(e.user_id is None for e in s.entries)  # the grid operator's account

    again = m.settle(admin, "north", SLOT, deliveries={uid(seller): 0})  # answers the first
    assert [(e.user_id, e.kind, e.amount) for e in again.entries] == \
        [(e.user_id, e.kind, e.amount) for e in s.entries]


def test_events_iterator_gets_order_trade_and_book_events(grid: segs.Grid,
                                                          seller: segs.Principal,
                                                          buyer: segs.Principal) -> None:
    m = grid.market
    with m.events(timeout=0) as events:
        assert isinstance(events, segs.MarketEvents) and not events.closed
        assert list(events) == []  # timeout 0: the loop ends when nothing is queued
        ask = m.submit(seller, side="sell", quantity_kwh=1, price_per_kwh="0.2",
                       delivery_slot=SLOT)
        bid = m.submit(buyer, side="buy", quantity_kwh=1, price_per_kwh="0.2", delivery_slot=SLOT)
        got = list(events)
        assert {e.type for e in got} == {"order", "trade", "book"}
        assert all(e.region == "north" and e.delivery_slot == SLOT for e in got)
        [trade] = [e.trade for e in got if e.type == "trade"]
        assert trade is not None and trade.id == bid.trades[0].id
        assert (trade.buy_order_id, trade.sell_order_id) == (bid.id, ask.id)
        updates = [e.order_update for e in got if e.order_update is not None]
        assert [o.status for o in updates if o.id == ask.id][-1] == "filled"
        books = [e.sequence for e in got if e.type == "book"]
        assert books == sorted(books) and books[-1] == m.book(buyer, SLOT).sequence
        assert events.get(timeout=0) is None and events.pending == 0
    assert events.closed
    m.submit(buyer, side="buy", quantity_kwh=1, price_per_kwh="0.1", delivery_slot=SLOT)
    assert events.drain() == [] and list(events) == []


def test_events_filter_and_blocking_reader_on_another_thread(grid: segs.Grid,
                                                             seller: segs.Principal,
                                                             buyer: segs.Principal) -> None:
    received: List[segs.MarketEvent] = []
    with grid.market.events(types=["trade"], region="north", timeout=10) as events:

        def reader() -> None:
            for e in events:  # blocks with the GIL released
                received.append(e)
                return

        t = threading.Thread(target=reader)
        t.start()
        grid.market.submit(seller, side="sell", quantity_kwh=1, price_per_kwh="0.2",
                           delivery_slot=SLOT)
        grid.market.submit(buyer, side="buy", quantity_kwh=1, price_per_kwh="0.2",
                           delivery_slot=SLOT)
        t.join(timeout=10)
        assert not t.is_alive()
    assert [e.type for e in received] == ["trade"]

    # close() wakes a reader that waits without a timeout.
    events = grid.market.events()
    waiter = threading.Thread(target=lambda: received.extend(events))
    waiter.start()
    events.close()
    waiter.join(timeout=10)
    assert not waiter.is_alive()
    with pytest.raises(segs.ValidationError) as info:
        grid.market.events(types=["quote"])
    assert info.value.field == "types"


def test_events_a_slow_reader_loses_the_oldest_beyond_max_pending(
        grid: segs.Grid, seller: segs.Principal) -> None:
    with grid.market.events(types=["order"], max_pending=3, timeout=0) as events:
        placed = [grid.market.submit(seller, side="sell", quantity_kwh=1,
                                     price_per_kwh=Decimal("0.3") + Decimal("0.01") * i,
                                     delivery_slot=SLOT) for i in range(5)]
        assert events.pending == 3 and events.dropped == 2
        kept = [e.order_update.id for e in events.drain() if e.order_update is not None]
        assert kept == [o.id for o in placed[2:]]  # the newest three
    with pytest.raises(ValueError):
        grid.market.events(max_pending=0)


def test_subscribe_callback(grid: segs.Grid, seller: segs.Principal,
                            buyer: segs.Principal) -> None:
    seen: List[str] = []
    with grid.market.subscribe(lambda e: seen.append(e.type)) as sub:
        assert not sub.closed
        grid.market.submit(seller, side="sell", quantity_kwh=1, price_per_kwh="0.2",
                           delivery_slot=SLOT)
        assert seen == ["order", "book"]  # synchronous, after the commit
    assert sub.closed
    grid.market.submit(buyer, side="buy", quantity_kwh=1, price_per_kwh="0.2", delivery_slot=SLOT)
    assert seen == ["order", "book"]

    def broken(e: segs.MarketEvent) -> None:
        raise RuntimeError("subscriber bug")

    hooked: List[BaseException] = []
    old = sys.unraisablehook
    sys.unraisablehook = lambda u: hooked.append(u.exc_value) if u.exc_value else None
    try:
        with grid.market.subscribe(broken):
            o = grid.market.submit(buyer, side="buy", quantity_kwh=1, price_per_kwh="0.1",
                                   delivery_slot=SLOT)
    finally:
        sys.unraisablehook = old
    assert o.status == "open"  # the trade stands; the callback's failure is reported
    assert hooked and all(isinstance(e, RuntimeError) for e in hooked)


def test_submit_many_answers_orders_and_errors_in_order(grid: segs.Grid,
                                                        seller: segs.Principal,
                                                        buyer: segs.Principal) -> None:
    answers = grid.market.submit_many(buyer, [
        {"side": "buy", "quantity_kwh": "1", "price_per_kwh": "0.2", "delivery_slot": SLOT},
        {"side": "buy", "quantity_kwh": "1.0001", "price_per_kwh": "0.2", "delivery_slot": SLOT},
        {"side": "sell", "quantity_kwh": "1", "price_per_kwh": "0.2", "delivery_slot": SLOT},
        {"side": "buy", "quantity_kwh": 2, "price_per_kwh": Decimal("0.21"),
         "delivery_slot": SLOT, "time_in_force": "gtc"},
    ])
    assert len(answers) == 4
    first, bad_quantity, forbidden, last = answers
    assert isinstance(first, segs.Order) and first.status == "open"
    assert isinstance(bad_quantity, segs.ValidationError)
    assert bad_quantity.field == "quantity_kwh"
    assert isinstance(forbidden, segs.Forbidden)
    assert isinstance(last, segs.Order) and last.quantity_kwh == 2
    assert grid.market.orders(buyer).total == 2

    # Each answer carries the fills its order caused, best price first.
    a, b = grid.market.submit_many(seller, [
        {"side": "sell", "quantity_kwh": "3", "price_per_kwh": "0.2", "delivery_slot": SLOT},
        {"side": "sell", "quantity_kwh": "1", "price_per_kwh": "0.25", "delivery_slot": SLOT},
    ])
    assert isinstance(a, segs.Order) and a.status == "filled"
    assert [(t.price_per_kwh, t.quantity_kwh) for t in a.trades] == [
        (Decimal("0.21"), Decimal(2)), (Decimal("0.2"), Decimal(1))]
    assert isinstance(b, segs.Order) and b.status == "open" and b.trades == []
    assert grid.market.submit_many(seller, []) == []
    with pytest.raises(TypeError):
        grid.market.submit_many(seller, [{"side": "buy", "quantity": 1}])


def test_markets_and_configure(grid: segs.Grid, admin: segs.Principal,
                               buyer: segs.Principal) -> None:
    m = grid.market
    info = m.market(buyer, "north")
    assert isinstance(info, segs.MarketInfo) and not info.configured and info.updated_at is None
    d = info.settings
    assert (d.mechanism, d.slot_minutes, d.open_minutes_ahead, d.gate_closure_minutes) == (
        "continuous", 15, 48 * 60, 5)
    assert (d.tick, d.fee_per_kwh, d.fee_percent) == (Decimal("0.0001"), Decimal(0), Decimal(0))
    assert d.imbalance_price_per_kwh is None and d.self_trade_prevention == "cancel_newest"
    assert "north" in [i.region for i in m.markets(buyer)]

    changed = m.configure(admin, "south", fee_percent="0.5", fee_per_kwh=Decimal("0.001"),
                          imbalance_price_per_kwh="0.4", self_trade_prevention="cancel_both")
    s = changed.settings
    assert changed.configured and changed.updated_at == START
    assert s.fee_percent == Decimal("0.5") and s.fee_per_kwh == Decimal("0.001")
    assert s.imbalance_price_per_kwh == Decimal("0.4") and s.self_trade_prevention == "cancel_both"
    assert s.mechanism == "continuous"  # left out: unchanged
    reset = m.configure(admin, "south", imbalance_price_per_kwh=None)
    assert reset.settings.imbalance_price_per_kwh is None
    assert reset.settings.fee_percent == Decimal("0.5")

    with pytest.raises(segs.Forbidden):
        m.configure(buyer, "north", mechanism="epoch")
    with pytest.raises(segs.ValidationError) as info_:
        m.configure(admin, "north", slot_minutes=7)
    assert info_.value.field == "slot_minutes"
    with pytest.raises(segs.ValidationError) as info_:
        m.configure(admin, "north", mechanism="dutch")
    assert info_.value.field == "mechanism"
    with pytest.raises(TypeError):
        m.configure(admin, "north", mechanisms="epoch")  # type: ignore[call-arg]


def test_market_keeps_the_grid_alive_and_fails_after_close(seller: segs.Principal,
                                                           grid: segs.Grid) -> None:
    market = grid.market
    events = market.events(timeout=0)
    grid.close()
    with pytest.raises(segs.ServiceUnavailable):
        market.submit(seller, side="sell", quantity_kwh=1, price_per_kwh="0.2", delivery_slot=SLOT)
    with pytest.raises(segs.ServiceUnavailable):
        market.events()
    events.close()  # the stream held the storage open until now


def test_unclosed_streams_are_collected(grid: segs.Grid, seller: segs.Principal) -> None:
    events = grid.market.events()
    sub = grid.market.subscribe(lambda e: None)
    del events, sub
    gc.collect()
    o = grid.market.submit(seller, side="sell", quantity_kwh=1, price_per_kwh="0.2",
                           delivery_slot=SLOT)
    assert o.status == "open"


def test_example_simulates_a_day_of_epoch_slots() -> None:
    def run() -> List[str]:
        done = subprocess.run([sys.executable, str(EXAMPLE), "--users", "40", "--seed", "3"],
                              capture_output=True, text=True, timeout=120, check=True)
        return done.stdout.splitlines()

    lines = run()
    slots = [ln for ln in lines if re.match(r"^\d\d:\d\d ", ln)]
    assert len(slots) == 96
    assert slots[0].startswith("00:00 ") and slots[-1].startswith("23:45 ")
    prices = [Decimal(ln.split()[1]) for ln in slots if ln.split()[1] != "-"]
    assert len(prices) > 48 and all(p > 0 for p in prices)
    assert lines[-1].startswith("day: ")
    # Deterministic: the same seed and clock give the same auctions.
    assert [ln for ln in run() if re.match(r"^\d\d:\d\d ", ln)] == slots



def test_operator_calls_write_audit_records_with_their_origin(grid: segs.Grid,
                                                               clock: segs.ManualClock,
                                                               admin: segs.Principal) -> None:
    seller, buyer, _ = epoch_slot(grid, admin)  # configures north: one record
    m = grid.market
    with pytest.raises(segs.Forbidden):  # refused: no record
        m.clear(buyer, "north", SLOT, ip="198.51.100.7")
    m.clear(admin, "north", SLOT, ip="198.51.100.7", user_agent="ops/1")
    clock.set(SLOT + dt.timedelta(minutes=15))
    m.settle(admin, "north", SLOT, ip="198.51.100.8")
    m.configure(admin, "south", tick="0.01", ip="198.51.100.9", user_agent="ops/2")

    def only(action: str) -> segs.AuditRecord:
        page = grid.audit.query(admin, action=action)
        assert page.total == 1, (action, page.total)
        return page.items[0]

    clear = only("market.clear")
    assert (clear.actor_id, clear.target_id, clear.ip, clear.user_agent) == \
        (str(admin.id), "north", "198.51.100.7", "ops/1")
    assert clear.details["delivery_slot"].startswith("2025-")
    assert only("market.settle").ip == "198.51.100.8"
    configured = grid.audit.query(admin, action="market.configure")
    assert configured.total == 2  # north by epoch_slot (no origin), south here
    assert (configured.items[0].target_id, configured.items[0].ip) == ("south", "198.51.100.9")
    assert configured.items[0].details["changed"] == "tick"
    # Errors still name the keywords.
    with pytest.raises(segs.ValidationError) as info:
        m.configure(admin, "south", fee_percent=101)
    assert info.value.field == "fee_percent"
    assert info.value.message == "fee_percent must be between 0 and 100"


def test_market_projection_batch_option(tmp_path: Path, clock: segs.ManualClock) -> None:
    from segs_testlib import FAST
    with pytest.raises(segs.ValidationError) as bad:
        segs.Grid.open("sqlite::memory:", clock=clock, market_projection_batch=0, **FAST)
    assert bad.value.field == "market_projection_batch"
    url = f"sqlite:{tmp_path / 'grid.db'}"
    # Rows are written to the tables two at a time: another grid on the file
    # sees the orders without the owner reading them first.
    with segs.Grid.open(url, clock=clock, market_projection_batch=2, **FAST) as owner:
        seller = trader(owner, "sol@example.org", "prosumer")
        for i in range(6):
            owner.market.submit(seller, side="sell", quantity_kwh=1, price_per_kwh=Decimal("0.2") + i,
                                delivery_slot=SLOT)
        with segs.Grid.open(url, clock=clock, **FAST) as reader:
            assert reader.market.orders(seller, per_page=100).total >= 4


def test_run_due_work_closes_the_gates_a_simulation_reaches(grid: segs.Grid,
                                                          clock: segs.ManualClock,
                                                          admin: segs.Principal) -> None:
    epoch_slot(grid, admin)
    assert grid.run_due_work().idle  # 12:00: the 12:55 gate is ahead
    clock.advance(dt.timedelta(minutes=56))
    report = grid.run_due_work()
    assert report.ran_at == clock.now() and report.failures == []
    [result] = report.gate_closures
    assert result.delivery_slot == SLOT and result.clearing_price == Decimal("0.275")
    assert grid.run_due_work().idle
