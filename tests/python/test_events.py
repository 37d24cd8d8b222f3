"""The grid's event hub as a Python iterator: Grid.events() answers Events of
Event ("mail", "market.*"), filtered by name (or name prefix) and region,
bounded, and safe to use from another thread and after Grid.close()."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Callable, List, Optional

import pytest
from segs_testlib import PASSWORD, START, sign_in

import segs

SLOT = START + dt.timedelta(hours=1)


def trader(grid: segs.Grid, email: str, role: str, region: str = "north") -> segs.Principal:
    grid.identity.create_user(segs.Principal.system(), email=email, password=PASSWORD,
                              name=email.split("@")[0], role=role, region=region)
    return sign_in(grid, email)


def trade(grid: segs.Grid, seller: segs.Principal, buyer: segs.Principal) -> None:
    grid.market.submit(seller, side="sell", quantity_kwh=1, price_per_kwh="0.2",
                       delivery_slot=SLOT)
    grid.market.submit(buyer, side="buy", quantity_kwh=1, price_per_kwh="0.2",
                       delivery_slot=SLOT)


def in_thread(fn: Callable[[], object]) -> threading.Thread:
    t = threading.Thread(target=fn, daemon=True)
    t.start()
    return t


def register(grid: segs.Grid, email: str) -> None:
    grid.identity.register_user(email=email, password=PASSWORD, name="Ada", region="north")


def test_mail_arrives_as_an_event_and_leaves_the_outbox(grid: segs.Grid) -> None:
    with grid.events(["mail"], timeout=0) as events:
        assert isinstance(events, segs.Events) and not events.closed
        register(grid, "ada@example.org")
        [event] = list(events)
        assert isinstance(event, segs.Event)
        assert event.name == "mail" and event.region is None and event.market is None
        assert event.seq >= 1
        mail = event.mail
        assert mail is not None and mail.to == "ada@example.org"
        assert mail.purpose == "verify_email"
        assert repr(event) == f"Event(seq={event.seq}, name='mail', region=None)"
        # The stream took the message: the outbox no longer answers it ...
        assert grid.outbox.pending() == 0 and grid.outbox.drain() == []
        # ... and its code is the one that verifies the account.
        assert grid.identity.verify_email(mail.to, mail.code).user.email_verified


def test_market_events_arrive_named_with_seq_increasing(grid: segs.Grid) -> None:
    seller = trader(grid, "sol@example.org", "prosumer")
    buyer = trader(grid, "bea@example.org", "consumer")
    with grid.events(timeout=0) as events:
        trade(grid, seller, buyer)
        got = list(events)
    market = [e for e in got if e.name.startswith("market.")]
    assert {e.name for e in market} == {"market.order", "market.trade", "market.book"}
    # Each trader is told of the fill, in the same publication.
    assert {e.name for e in got if e not in market} == {"notifications.created"}
    seqs = [e.seq for e in got]
    assert seqs == sorted(set(seqs))  # strictly increasing
    for e in market:
        assert e.region == "north" and e.mail is None
        assert e.market is not None and e.name == "market." + e.market.type
        assert e.market.delivery_slot == SLOT
    assert events.closed


def test_filters_by_name_prefix_and_region(grid: segs.Grid) -> None:
    seller = trader(grid, "sol@example.org", "prosumer")
    buyer = trader(grid, "bea@example.org", "consumer")
    with grid.events(["market."], timeout=0) as market_only, \
            grid.events(["market.trade"], region="north", timeout=0) as north_trades, \
            grid.events(["market."], region="south", timeout=0) as south, \
            grid.events(["meter.reading"], timeout=0) as later:  # any name is allowed
        trade(grid, seller, buyer)
        register(grid, "ada@example.org")
        names = {e.name for e in market_only}
        assert names == {"market.order", "market.trade", "market.book"}
        assert [(e.name, e.region) for e in north_trades] == [("market.trade", "north")]
        assert list(south) == [] and list(later) == []
    # No stream asked for mail everywhere: the message waits in the outbox.
    assert [m.to for m in grid.outbox.drain()] == ["ada@example.org"]


def test_bad_arguments(grid: segs.Grid) -> None:
    with pytest.raises(TypeError):
        grid.events("mail")  # a str is not a list of names
    with pytest.raises(ValueError):
        grid.events([""])
    with pytest.raises(ValueError):
        grid.events([])  # None means every event; an empty list is refused
    with pytest.raises(ValueError):
        grid.events(max_pending=0)
    with pytest.raises(segs.ValidationError) as info:
        grid.market.events(types=[])  # would read as every event, mail included
    assert info.value.field == "types"


def test_max_pending_drops_the_oldest(grid: segs.Grid) -> None:
    seller = trader(grid, "sol@example.org", "prosumer")
    with grid.events(["market.order"], max_pending=3, timeout=0) as events:
        placed = [grid.market.submit(seller, side="sell", quantity_kwh=1,
                                     price_per_kwh=Decimal("0.3") + Decimal("0.01") * i,
                                     delivery_slot=SLOT) for i in range(5)]
        assert events.pending == 3 and events.dropped == 2
        kept = [e.market.order_update.id for e in events.drain()
                if e.market is not None and e.market.order_update is not None]
        assert kept == [o.id for o in placed[2:]]  # the newest three


def test_an_iterator_used_after_grid_close_ends(grid: segs.Grid) -> None:
    seller = trader(grid, "sol@example.org", "prosumer")
    events = grid.events(["market.order"])  # no timeout: would wait for ever
    order = grid.market.submit(seller, side="sell", quantity_kwh=1, price_per_kwh="0.2",
                               delivery_slot=SLOT)
    grid.close()
    assert events.closed
    got: List[segs.Event] = []
    reader = in_thread(lambda: got.extend(events))
    reader.join(timeout=10)
    assert not reader.is_alive()
    # What was queued before the close is still read, then the loop ends.
    assert [e.market.order_update.id for e in got
            if e.market is not None and e.market.order_update is not None] == [order.id]
    assert events.get() is None and events.drain() == [] and list(events) == []
    events.close()
    with pytest.raises(segs.ServiceUnavailable):
        grid.events()


def test_close_wakes_a_reader_on_another_thread(grid: segs.Grid) -> None:
    events = grid.events()
    got: List[segs.Event] = []
    reader = in_thread(lambda: got.extend(events))  # blocks with the GIL released
    events.close()
    reader.join(timeout=10)
    assert not reader.is_alive() and got == [] and events.closed


def test_grid_close_wakes_a_reader_on_another_thread(grid: segs.Grid) -> None:
    events = grid.events()
    reader = in_thread(lambda: list(events))
    grid.close()
    reader.join(timeout=10)
    assert not reader.is_alive() and events.closed


@pytest.mark.parametrize("names", [None, ["mail"]])
def test_a_region_stream_leaves_mail_in_the_outbox(grid: segs.Grid,
                                                   names: Optional[List[str]]) -> None:
    with grid.events(names, region="north", timeout=0) as events:
        register(grid, "ada@example.org")
        assert list(events) == []
    assert [m.to for m in grid.outbox.drain()] == ["ada@example.org"]
