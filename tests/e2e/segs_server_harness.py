"""The harness of the end-to-end tests: starts the real segs-server binary.

(A module with its own name rather than conftest.py, so that the tests can
import it even when pytest also collects another suite's conftest.py.)

Only the Python standard library is used: the tests talk HTTP to a process,
as any client would. The binary comes from SEGS_SERVER_BIN, or else the
newest build/*/examples/server/segs-server. Without one the tests fail under
CI=true and are skipped otherwise.
"""

import glob
import json
import os
import pathlib
import re
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Settings a developer's shell might carry; each server gets only ours.
_CONFIG_VARS = re.compile(r"^(SEGS_|JWT_|OTP_EXPIRY|SESSION_EXPIRY|MAX_LOGIN)")


def server_binary():
    explicit = os.environ.get("SEGS_SERVER_BIN")
    if explicit:
        return os.path.abspath(explicit)
    found = glob.glob(str(ROOT / "build" / "*" / "examples" / "server" / "segs-server"))
    return max(found, key=os.path.getmtime) if found else None


def require_binary():
    path = server_binary()
    if path and os.access(path, os.X_OK):
        return path
    message = (
        f"segs-server binary not found ({path or 'no build/*/examples/server/segs-server'}); "
        "build the segs-server target or set SEGS_SERVER_BIN"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def postgres_url():
    """A fresh schema of the test server SEGS_TEST_PG_URL names, as a URL
    segs-server takes (skips, or fails under CI=true, without a server)."""
    base = os.environ.get("SEGS_TEST_PG_URL", "")
    psql = shutil.which("psql")
    if not base or not psql:
        why = "SEGS_TEST_PG_URL is not set" if not base else "psql is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL tests cannot run under CI: {why}")
        pytest.skip(why)
    schema = "segs_e2e_" + secrets.token_hex(6)
    subprocess.run([psql, base, "-q", "-v", "ON_ERROR_STOP=1", "-c", f"CREATE SCHEMA {schema}"],
                   check=True, capture_output=True, timeout=60)
    return base + ("&" if "?" in base else "?") + "options=-csearch_path%3D" + schema


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # email.message.Message: case-insensitive get()
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class Server:
    """One segs-server process on 127.0.0.1 with a port of its own."""

    def __init__(self, workdir, env=None, args=()):
        self.dir = pathlib.Path(workdir)
        self.mail_file = self.dir / "mail.jsonl"
        self.stdout_path = self.dir / "stdout.log"
        self.stderr_path = self.dir / "stderr.log"
        full_env = {k: v for k, v in os.environ.items() if not _CONFIG_VARS.match(k)}
        full_env.update(
            {
                "SEGS_DB_URL": f"sqlite:{self.dir / 'db' / 'segs.db'}",
                "SEGS_LISTEN": "127.0.0.1:0",
                "SEGS_MAIL_SINK": f"file:{self.mail_file}",
                "SEGS_THREADS": "2",
                # The regions the suites register users and markets in.
                "SEGS_REGIONS": "north:time_zone=Europe/Berlin,currency=EUR;"
                "south:time_zone=UTC,currency=EUR;east:time_zone=UTC,currency=EUR",
            }
        )
        full_env.update(env or {})
        self._out = open(self.stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        # stdout goes to a file, not a pipe: nobody has to drain it while the
        # server writes its access log.
        self.proc = subprocess.Popen(
            [require_binary(), *args], env=full_env, cwd=self.dir, stdout=self._out, stderr=self._err
        )
        self.url = self._wait_for_url()

    def _wait_for_url(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            m = re.search(r"^segs-server listening on (http://\S+)$", self.stdout(), re.M)
            if m:
                return m.group(1)
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"segs-server exited with {self.proc.returncode}: {self.stderr()}"
                )
            time.sleep(0.02)
        self.proc.kill()
        raise AssertionError(f"segs-server did not print its URL: {self.stderr()}")

    @property
    def port(self):
        return int(self.url.rsplit(":", 1)[1])

    def stdout(self):
        return self.stdout_path.read_text(errors="replace")

    def stderr(self):
        return self.stderr_path.read_text(errors="replace")

    def request(self, method, path, body=None, token=None, headers=None, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        h = {"Content-Type": "application/json"} if data is not None else {}
        if token:
            h["Authorization"] = f"Bearer {token}"
        h.update(headers or {})
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read())

    def mail(self, to, purpose):
        """The newest message of `purpose` sent to `to` by the file sink."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if self.mail_file.exists():
                lines = self.mail_file.read_text().splitlines()
                found = [m for m in map(json.loads, lines) if m["to"] == to and m["purpose"] == purpose]
                if found:
                    return found[-1]
            time.sleep(0.02)
        raise AssertionError(f"no {purpose} mail for {to} in {self.mail_file}")

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._out.close()
        self._err.close()


ADMIN_EMAIL = "root-admin@example.org"
ADMIN_PASSWORD = "Admin-Passw0rd-for-e2e"
CORS_ORIGINS = "https://app.example.org, https://ops.example.org"
