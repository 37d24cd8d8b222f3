"""The region registry from Python: Grid.open(regions=...), Grid.regions."""

from __future__ import annotations

import pytest
from segs_testlib import FAST, PASSWORD, sign_in

import segs


def test_default_and_configured_regions(grid: segs.Grid, admin: segs.Principal) -> None:
    regions = grid.regions
    assert regions.default_region == "default"
    codes = [r.code for r in regions.list(admin)]
    assert codes == ["default", "east", "north", "south", "west"]
    d = regions.get(admin, "default")
    assert (d.time_zone, d.currency, d.currency_minor_units) == ("UTC", "USD", 2)
    with pytest.raises(segs.NotFound):
        regions.get(admin, "atlantis")


def test_put_creates_and_updates_for_admins_only(grid: segs.Grid, admin: segs.Principal) -> None:
    made = grid.regions.put(admin, "tokyo", name="Tokyo", time_zone="Asia/Tokyo", currency="JPY",
                            nominal_voltage_v=100, nominal_frequency_hz=50)
    assert made.currency_minor_units == 0 and made.nominal_voltage_v == 100.0
    changed = grid.regions.put(admin, "tokyo", nominal_frequency_hz=60)
    assert changed.nominal_frequency_hz == 60.0 and changed.name == "Tokyo"
    with pytest.raises(segs.ValidationError) as info:
        grid.regions.put(admin, "tokyo", time_zone="Asia/Edo")
    assert info.value.field == "time_zone"
    grid.identity.register_user(email="ada@example.org", password=PASSWORD, name="Ada",
                                region="tokyo")
    user = grid.identity.verify_email("ada@example.org",
                                      [m.code for m in grid.outbox.drain()][-1]).user
    assert user.region == "tokyo"
    with pytest.raises(segs.Forbidden):
        grid.regions.put(sign_in(grid, "ada@example.org"), "osaka", time_zone="Asia/Tokyo",
                         currency="JPY")
    with pytest.raises(segs.NotFound):
        grid.regions.get(admin, "osaka")


def test_open_validates_regions() -> None:
    with pytest.raises(segs.ValidationError) as info:
        segs.Grid.open("sqlite::memory:", regions={"x": {"time_zone": "UTC", "currency": "XYZ"}})
    assert info.value.field == "currency"
    with pytest.raises(segs.ValidationError) as info:
        segs.Grid.open("sqlite::memory:", regions={"x": {"time_zone": "UTC", "colour": "red"}})
    assert info.value.field == "colour"
    with pytest.raises(segs.ValidationError) as info:
        segs.Grid.open("sqlite::memory:", default_region="nowhere")
    assert info.value.field == "default_region"
    opts = dict(FAST)
    opts["regions"] = {"berlin": {"time_zone": "Europe/Berlin", "currency": "EUR"}}
    with segs.Grid.open("sqlite::memory:", default_region="berlin", **opts) as g:
        u = g.identity.register_user(email="b@example.org", password=PASSWORD, name="B")
        assert u.region == "berlin"
