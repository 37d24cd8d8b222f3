"""Shared fixtures: a grid in memory on a manual clock, cheap argon2id."""

from __future__ import annotations

from typing import Iterator

import pytest
from segs_testlib import FAST, PASSWORD, START, sign_in

import segs


@pytest.fixture
def clock() -> segs.ManualClock:
    return segs.ManualClock(START)


@pytest.fixture
def grid(clock: segs.ManualClock) -> Iterator[segs.Grid]:
    with segs.Grid.open("sqlite::memory:", clock=clock, **FAST) as g:
        yield g


@pytest.fixture
def admin(grid: segs.Grid) -> segs.Principal:
    grid.identity.create_user(segs.Principal.system(), email="root@example.org", password=PASSWORD,
                              name="Root", role="admin", region="north")
    return sign_in(grid, "root@example.org")
