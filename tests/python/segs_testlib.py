"""Helpers of the Python package tests (fixtures are in conftest.py)."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import subprocess
from typing import Any, Dict, Iterator

import pytest

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


def postgres_url() -> str:
    """A URL of a fresh schema of the test server (skips, or fails under CI, without one)."""
    base = os.environ.get("SEGS_TEST_PG_URL", "")
    psql = shutil.which("psql")
    if not base or not psql:
        why = "SEGS_TEST_PG_URL is not set" if not base else "psql is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL tests cannot run under CI: {why}")
        pytest.skip(why)
    schema = "segs_py_" + secrets.token_hex(6)
    subprocess.run([psql, base, "-q", "-v", "ON_ERROR_STOP=1", "-c", f"CREATE SCHEMA {schema}"],
                   check=True, capture_output=True, timeout=60)
    return base + ("&" if "?" in base else "?") + "options=-csearch_path%3D" + schema


def open_on(backend: str, clock: segs.ManualClock) -> Iterator[segs.Grid]:
    """A grid on an in-memory SQLite database or a fresh PostgreSQL schema:
    the body of the suites' two-backend `grid` fixtures."""
    url = "sqlite::memory:" if backend == "sqlite" else postgres_url()
    with segs.Grid.open(url, clock=clock, **FAST) as g:
        assert g.backend_name == backend
        yield g


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware UTC datetime."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def person(grid: segs.Grid, email: str, role: str, region: str = "north") -> segs.User:
    """An active account of `role` in `region` (department Engineering), made by the system."""
    return grid.identity.create_user(segs.Principal.system(), email=email, password=PASSWORD,
                                     name=email.split("@")[0], role=role, region=region,
                                     department="Engineering")


def quarter(serial: str, start: dt.datetime, consumed: str, produced: str = "0") -> Dict[str, Any]:
    """A reading of the quarter-hour starting at `start` (stamped at its end), in kWh."""
    return {"meter_id": serial, "timestamp": start + dt.timedelta(minutes=15),
            "energy_consumed_kwh": consumed, "energy_produced_kwh": produced}

