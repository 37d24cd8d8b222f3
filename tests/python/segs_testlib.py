"""Helpers of the Python package tests (fixtures are in conftest.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict

import segs

UTC = dt.timezone.utc
START = dt.datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
# libsodium's minimum argon2id cost keeps the suite fast; production uses the
# library's defaults.
# The regions the suites register users and markets in (a registry: a region
# must be defined before anyone names it).
REGIONS: Dict[str, Dict[str, Any]] = {
    code: {"time_zone": "UTC", "currency": "EUR"} for code in ("north", "south", "east", "west")
}
FAST: Dict[str, Any] = {"argon2_opslimit": 1, "argon2_memlimit": 8192, "regions": REGIONS}


def code_for(grid: segs.Grid, email: str, purpose: str = "verify_email") -> str:
    """The newest code queued for `email` (drains the outbox)."""
    codes = [m.code for m in grid.outbox.drain() if m.to == email and m.purpose == purpose]
    assert codes, f"no {purpose} message for {email}"
    return codes[-1]


def register_verified(grid: segs.Grid, email: str, *, password: str = PASSWORD,
                      region: str = "north", department: str = "", **extra: object) -> segs.User:
    grid.identity.register_user(email=email, password=password, name=email.split("@")[0],
                                region=region, department=department, **extra)  # type: ignore[arg-type]
    return grid.identity.verify_email(email, code_for(grid, email)).user


def sign_in(grid: segs.Grid, email: str, password: str = PASSWORD) -> segs.Principal:
    tokens = grid.identity.login(email, password)
    return grid.identity.authenticate(tokens.access_token)
