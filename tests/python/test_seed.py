"""Seeding demo data from Python (docs/operations.md, "Seeding"): only in
development mode and for admins, validated naming the keyword, the counts
match the grid, the demo users sign in, and a seed gives the same data, on
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Iterator

import pytest
from segs_testlib import FAST, PASSWORD, START, postgres_url, sign_in

import segs


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def open_grid(backend: str, *, development_mode: bool) -> segs.Grid:
    url = "sqlite::memory:" if backend == "sqlite" else postgres_url()
    return segs.Grid.open(url, clock=segs.ManualClock(START), development_mode=development_mode, **FAST)


def admin_of(grid: segs.Grid) -> segs.Principal:
    grid.identity.create_user(segs.Principal.system(), email="root@example.org", password=PASSWORD,
                              name="Root", role="admin", region="north")
    return sign_in(grid, "root@example.org")


@pytest.fixture
def dev_grid(backend: str) -> Iterator[segs.Grid]:
    with open_grid(backend, development_mode=True) as g:
        yield g


def test_seed_creates_what_it_reports_and_the_demo_users_sign_in(dev_grid: segs.Grid) -> None:
    admin = admin_of(dev_grid)
    report = dev_grid.operations.seed(admin, seed=5, users=4, days=1)
    assert report.run == 1
    assert (report.regions, report.users, report.meters, report.tariffs) == (2, 7, 4, 2)
    assert report.readings == 4 * 96
    assert report.settled_slots == 2 * 96
    assert report.orders > 0 and report.trades > 0
    stats = dev_grid.operations.stats(admin)
    assert stats.meters == 4 and stats.readings == report.readings and stats.trades == report.trades
    assert {c["role"] for c in report.credentials} == {"admin", "operator", "prosumer", "consumer"}
    for c in report.credentials:
        assert c["email"].startswith("seed1.")
        assert dev_grid.identity.login(c["email"], c["password"]).access_token
    again = dev_grid.operations.seed(admin, users=1, days=0)
    assert again.run == 2
    assert all(c["email"].startswith("seed2.") for c in again.credentials)
    assert "SeedReport(" in repr(again)


def test_seed_is_validated_and_refused_outside_development_mode(backend: str) -> None:
    with open_grid(backend, development_mode=True) as g:
        admin = admin_of(g)
        for kwargs, field in (({"users": 0}, "users"), ({"users": 1001}, "users"),
                              ({"days": 91}, "days"), ({"days": -1}, "days"), ({"seed": -1}, "seed")):
            with pytest.raises(segs.ValidationError) as info:
                g.operations.seed(admin, **kwargs)
            assert info.value.field == field
    with open_grid(backend, development_mode=False) as g:
        admin = admin_of(g)
        with pytest.raises(segs.Forbidden):
            g.operations.seed(admin, users=1, days=0)
        assert g.operations.stats(admin).users == 1


def test_the_same_seed_seeds_the_same_data(backend: str) -> None:
    def seeded(seed: int) -> tuple[list[str], int, int, int]:
        with open_grid(backend, development_mode=True) as g:
            admin = admin_of(g)
            r = g.operations.seed(admin, seed=seed, users=4, days=1)
            emails = sorted(c["email"] for c in r.credentials)
            energy = sum(g.telemetry.region_stats(admin, region, START - dt.timedelta(days=2), START)
                         .total_consumed_kwh for region in ("seed1-north", "seed1-south"))
            return emails, r.orders, r.trades, int(energy * 1000)

    a, b, c = seeded(9), seeded(9), seeded(10)
    assert a == b
    assert a[0] == c[0]
    assert a[3] != c[3]
