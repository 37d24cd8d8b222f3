#!/usr/bin/env python3
"""Simulate a day of an epoch energy market: 96 quarter-hour auctions.

    pip install .                                   # from the repository root
    python examples/python/simulate_day.py          # 400 users, a few seconds
    python examples/python/simulate_day.py --users 40 --seed 7

An in-memory grid on a manual clock, one region ("sim") configured as an
epoch market (a uniform-price call auction per delivery slot, run at gate
closure). Half the users are prosumers who sell their solar surplus, half
consumers who buy their load. Before each slot's gate closes every user
places one order for it, priced around a daily price curve with seeded noise;
then the clock moves past the gate, grid.run_due_work() runs the auction, and
the slot's clearing price and volume are printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import sys
import time
from decimal import Decimal
from typing import List, Optional, Tuple

import segs

UTC = dt.timezone.utc
DAY = dt.datetime(2025, 6, 16, tzinfo=UTC)  # the delivery day (UTC)
SLOT = dt.timedelta(minutes=15)
REGION = "sim"
PASSWORD = "simulation password"
TICK = Decimal("0.0001")  # the market's default tick (currency per kWh)


def reference_price(hour: float) -> float:
    """The daily curve the traders price around: cheap at night and at
    solar noon, dear at the evening peak (currency per kWh)."""
    evening = math.exp(-((hour - 19.0) ** 2) / 4.0)
    morning = math.exp(-((hour - 8.0) ** 2) / 3.0)
    noon = math.exp(-((hour - 13.0) ** 2) / 6.0)
    return 0.22 + 0.12 * evening + 0.05 * morning - 0.07 * noon


def solar(hour: float) -> float:
    """Share of a panel's peak output at `hour` (0 at night)."""
    return max(0.0, math.sin(math.pi * (hour - 6.0) / 14.0)) if 6.0 < hour < 20.0 else 0.0


def price(value: float) -> Decimal:
    """A price on the tick grid."""
    return max(TICK, Decimal(str(round(value, 4))))


def kwh(wh: int) -> Decimal:
    """Whole Wh as Decimal kWh (what the market accepts exactly)."""
    return Decimal(wh) / 1000


def create_users(grid: segs.Grid, count: int) -> Tuple[List[segs.Principal], List[segs.Principal]]:
    """Signed-in prosumers and consumers, created by the host (the system
    principal) as active accounts."""
    system = segs.Principal.system()
    prosumers: List[segs.Principal] = []
    consumers: List[segs.Principal] = []
    for i in range(count):
        role = "prosumer" if i % 2 == 0 else "consumer"
        email = f"{role}{i}@sim.example.org"
        grid.identity.create_user(system, email=email, password=PASSWORD, name=f"{role} {i}",
                                  role=role, region=REGION)
        who = grid.identity.authenticate(grid.identity.login(email, PASSWORD).access_token)
        (prosumers if role == "prosumer" else consumers).append(who)
    return prosumers, consumers


def simulate(users: int, seed: int) -> None:
    rng = random.Random(seed)
    clock = segs.ManualClock(DAY - dt.timedelta(hours=1))
    # libsodium's minimum argon2id cost: sign-in speed does not matter here.
    with segs.Grid.open("sqlite::memory:", clock=clock, argon2_opslimit=1,
                        argon2_memlimit=8192,
                        regions={REGION: {"time_zone": "UTC", "currency": "EUR"}}) as grid:
        market = grid.market
        market.configure(segs.Principal.system(), REGION, mechanism="epoch")
        prosumers, consumers = create_users(grid, max(2, users))
        # Each prosumer's panel peak and small wind turbine, and each
        # consumer's typical load, in Wh per slot.
        panels = [rng.randint(300, 1500) for _ in prosumers]
        turbines = [rng.choice((0, 0, rng.randint(50, 250))) for _ in prosumers]
        loads = [rng.randint(100, 600) for _ in consumers]

        started = time.monotonic()
        total_kwh = Decimal(0)
        total_value = Decimal(0)
        print(f"{len(prosumers)} prosumers, {len(consumers)} consumers, region {REGION!r}, "
              f"epoch market, seed {seed}")
        print("slot   clearing  volume_kwh  trades")
        for n in range(96):
            slot = DAY + n * SLOT
            hour = n / 4
            ref = reference_price(hour)
            for who, panel, turbine in zip(prosumers, panels, turbines):
                generation = panel * solar(hour) * rng.uniform(0.6, 1.1) + turbine * rng.random()
                surplus = int(generation) - rng.randint(0, 80)  # minus their own use
                if surplus <= 0:
                    continue
                ask = price(ref * rng.uniform(0.75, 1.05))
                market.submit(who, side="sell", quantity_kwh=kwh(surplus), price_per_kwh=ask,
                              delivery_slot=slot)
            for who, load in zip(consumers, loads):
                demand = max(1, int(load * rng.uniform(0.5, 1.5)))
                bid = price(ref * rng.uniform(0.95, 1.3))
                market.submit(who, side="buy", quantity_kwh=kwh(demand), price_per_kwh=bid,
                              delivery_slot=slot)
            # Move past the gate (5 minutes before the slot) and run the auction.
            clock.set(slot)
            for result in grid.run_due_work().gate_closures:
                stamp = result.delivery_slot.strftime("%H:%M")
                trades = len(result.trades)
                if result.clearing_price is None:
                    line = f"{stamp}  {'-':>8}  {'0':>10}  {trades:>6}"
                else:
                    total_kwh += result.cleared_kwh
                    total_value += result.cleared_kwh * result.clearing_price
                    line = (f"{stamp}  {result.clearing_price.quantize(TICK):>8}  "
                            f"{result.cleared_kwh.quantize(Decimal('0.001')):>10}  {trades:>6}")
                print(line)
        elapsed = time.monotonic() - started
        vwap = (total_value / total_kwh).quantize(TICK) if total_kwh else Decimal(0)
        print(f"day: {total_kwh.quantize(Decimal('0.001'))} kWh cleared, "
              f"average price {vwap} per kWh, {elapsed:.1f} s")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=400,
                        help="prosumers and consumers together (default 400)")
    parser.add_argument("--seed", type=int, default=2025, help="random seed (default 2025)")
    args = parser.parse_args(argv)
    simulate(args.users, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
