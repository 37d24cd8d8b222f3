"""Fixtures of the end-to-end tests (the harness is segs_server_harness.py)."""

import tempfile

import pytest

from segs_server_harness import ADMIN_EMAIL, ADMIN_PASSWORD, CORS_ORIGINS, Server


@pytest.fixture
def start_server():
    """start_server(env={...}, args=[...]) -> Server; every one is killed at the end."""
    started = []
    dirs = []

    def start(env=None, args=()):
        d = tempfile.TemporaryDirectory(prefix="segs-e2e-")
        dirs.append(d)
        s = Server(d.name, env, args)
        started.append(s)
        return s

    yield start
    for s in started:
        s.close()
    for d in dirs:
        d.cleanup()


@pytest.fixture(scope="module")
def server():
    """The shared server: rate limits on but generous, CORS allow-list, an admin."""
    with tempfile.TemporaryDirectory(prefix="segs-e2e-") as d:
        s = Server(
            d,
            {
                "SEGS_ADMIN_EMAIL": ADMIN_EMAIL,
                "SEGS_ADMIN_PASSWORD": ADMIN_PASSWORD,
                "SEGS_CORS_ORIGINS": CORS_ORIGINS,
                "SEGS_RATE_LIMIT_AUTH": "1000/1h",
                "SEGS_RATE_LIMIT_ANONYMOUS": "1000/1h",
            },
        )
        try:
            yield s
        finally:
            s.close()
