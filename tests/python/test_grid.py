"""Opening grids, options, clocks, close() and the context manager."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from segs_testlib import FAST, PASSWORD, START, UTC, register_verified

import segs


def test_open_in_memory_reports_backend_and_schema() -> None:
    with segs.Grid.open("sqlite::memory:", **FAST) as grid:
        assert grid.backend_name == "sqlite"
        assert grid.schema_version >= 1
        assert grid.ready() is True
        assert grid.closed is False
        assert "backend=sqlite" in repr(grid)
    assert grid.closed is True


def test_file_grid_persists_across_reopen(tmp_path: Path) -> None:
    url = f"sqlite:{tmp_path / 'grid.db'}"
    with segs.Grid.open(url, **FAST) as grid:
        user = register_verified(grid, "ada@example.org")
    assert (tmp_path / "grid.db").exists()
    with segs.Grid.open(url, **FAST) as grid:
        tokens = grid.identity.login("ada@example.org", PASSWORD)
        assert tokens.user.id == user.id
        # The signing key is kept in storage: a token issued before a reopen
        # is still valid after it.
        who = grid.identity.authenticate(tokens.access_token)
    with segs.Grid.open(url, **FAST) as grid:
        assert grid.identity.authenticate(tokens.access_token).id == who.id


def test_unknown_scheme_is_a_validation_error_naming_url() -> None:
    with pytest.raises(segs.ValidationError) as info:
        segs.Grid.open("mysql://localhost/grid")
    assert info.value.field == "url"
    assert info.value.code == "VALIDATION_ERROR"
    assert info.value.http_status == 400


def test_bad_options_are_refused() -> None:
    with pytest.raises(segs.ValidationError) as info:
        segs.Grid.open("sqlite::memory:", token_algorithm="rs256")
    assert info.value.field == "token_algorithm"
    with pytest.raises(segs.ValidationError) as info:
        segs.Grid.open("sqlite::memory:", signing_key=b"short")
    assert info.value.field == "signing_key"
    with pytest.raises(segs.ValidationError):
        segs.Grid.open("sqlite::memory:", access_token_ttl=dt.timedelta(0))
    with pytest.raises(TypeError):
        segs.Grid.open("sqlite::memory:", signing_key="not bytes")  # type: ignore[arg-type]


def test_options_reach_the_library() -> None:
    with segs.Grid.open("sqlite::memory:", access_token_ttl=dt.timedelta(minutes=2),
                        token_algorithm="hs256", signing_key=bytes(range(32)), **FAST) as grid:
        register_verified(grid, "ada@example.org")
        tokens = grid.identity.login("ada@example.org", PASSWORD)
        assert tokens.expires_in == 120
    # durations may also be plain seconds
    with segs.Grid.open("sqlite::memory:", access_token_ttl=90, **FAST) as grid:
        register_verified(grid, "ada@example.org")
        assert grid.identity.login("ada@example.org", PASSWORD).expires_in == 90


def test_calls_after_close_raise_service_unavailable() -> None:
    grid = segs.Grid.open("sqlite::memory:", **FAST)
    identity = grid.identity
    grid.close()
    grid.close()  # idempotent
    with pytest.raises(segs.ServiceUnavailable) as info:
        identity.roles()
    assert isinstance(info.value, segs.Error)
    assert info.value.http_status == 503
    with pytest.raises(segs.Error):
        grid.ready()
    with pytest.raises(segs.Error):
        grid.identity  # noqa: B018


def test_exit_closes_even_on_exception() -> None:
    with pytest.raises(RuntimeError):
        with segs.Grid.open("sqlite::memory:", **FAST) as grid:
            raise RuntimeError("boom")
    assert grid.closed


def test_manual_clock_moves_only_when_told() -> None:
    clock = segs.ManualClock(START)
    assert clock.now() == START
    assert clock.now().tzinfo is not None and clock.now().utcoffset() == dt.timedelta(0)
    clock.advance(dt.timedelta(minutes=11))
    assert clock.now() == START + dt.timedelta(minutes=11)
    clock.advance(-60)
    assert clock.now() == START + dt.timedelta(minutes=10)
    other_zone = dt.datetime(2030, 6, 1, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    clock.set(other_zone)
    assert clock.now() == dt.datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
    with segs.Grid.open("sqlite::memory:", clock=clock, **FAST) as grid:
        assert grid.now() == clock.now()


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        segs.ManualClock(dt.datetime(2025, 1, 1))
    with pytest.raises(TypeError):
        segs.ManualClock("2025-01-01")  # type: ignore[arg-type]


def test_system_clock_is_near_real_time() -> None:
    now = segs.SystemClock().now()
    assert abs(now - dt.datetime.now(UTC)) < dt.timedelta(seconds=5)
    assert isinstance(segs.SystemClock(), segs.Clock)
