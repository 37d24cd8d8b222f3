"""End to end: what the REST hot path (issue 17) must not make worse.

segs-server answers a token it has verified from memory (the library's
token cache). Revocation stays immediate within one server, and reaches a
second server on the same PostgreSQL database within the documented bound
of one second (identity_options::revocation_sync_interval, SEGS_REVOCATION_SYNC_MS).
"""

import itertools
import os
import time

from segs_server_harness import ADMIN_EMAIL, ADMIN_PASSWORD, postgres_url

_seq = itertools.count()
PASSWORD = "Str0ng-Passw0rd-e2e"


def _user(server, tag, role="consumer"):
    email = f"{tag}-{os.getpid()}-{next(_seq)}@example.org"
    r = server.request("POST", "/api/v1/auth/register",
                       {"email": email, "password": PASSWORD, "name": "Hot Path", "region": "north",
                        "role": role})
    assert r.status in (200, 201), r
    code = server.mail(email, "verify_email")["code"]
    assert server.request("POST", "/api/v1/auth/verify-otp", {"email": email, "otp": code}).status == 200
    return email


def _login(server, email, password=PASSWORD):
    r = server.request("POST", "/api/v1/auth/login", {"email": email, "password": password})
    assert r.status == 200, r
    return r.json()["data"]


def _profile(server, token):
    return server.request("GET", "/api/v1/user/profile", token=token).status


def _admin_env():
    return {"SEGS_ADMIN_EMAIL": ADMIN_EMAIL, "SEGS_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "SEGS_RATE_LIMITS": "off"}


def test_a_cached_token_is_refused_on_the_very_next_request(start_server):
    s = start_server(_admin_env())
    admin = _login(s, ADMIN_EMAIL, ADMIN_PASSWORD)["access_token"]

    def cached_session(tag):
        data = _login(s, _user(s, tag))
        for _ in range(3):  # verified once, then answered from memory
            assert _profile(s, data["access_token"]) == 200
        return data

    a = cached_session("logout")
    assert s.request("POST", "/api/v1/auth/logout", token=a["access_token"]).status == 200
    assert _profile(s, a["access_token"]) == 401

    b = cached_session("suspend")
    r = s.request("PUT", f"/api/v1/admin/users/{b['user']['id']}/suspend", {"reason": "checks"},
                  token=admin)
    assert r.status == 200, r
    assert _profile(s, b["access_token"]) == 401

    c = cached_session("role")
    r = s.request("PUT", f"/api/v1/admin/users/{c['user']['id']}/role", {"role": "prosumer"},
                  token=admin)
    assert r.status == 200, r
    assert _profile(s, c["access_token"]) == 401

    d = cached_session("password")
    other = _login(s, d["user"]["email"])
    assert _profile(s, other["access_token"]) == 200
    r = s.request("POST", "/api/v1/auth/change-password",
                  {"current_password": PASSWORD, "new_password": "An0ther-Passw0rd-e2e"},
                  token=d["access_token"])
    assert r.status == 200, r
    assert _profile(s, other["access_token"]) == 401


def test_two_servers_on_one_postgres_drop_revoked_tokens_within_a_second(start_server, tmp_path):
    url = postgres_url()
    # One deployment: one database and one signing key.
    shared = {"SEGS_DB_URL": url, "SEGS_SIGNING_KEY_FILE": str(tmp_path / "signing.key"),
              "SEGS_RATE_LIMITS": "off"}
    a = start_server({**_admin_env(), **shared})
    b = start_server(shared)

    # Signed in through one server, used through the other (cached there).
    session = _login(a, _user(a, "twin"))
    token = session["access_token"]
    for _ in range(3):
        assert _profile(b, token) == 200
    assert a.request("POST", "/api/v1/auth/logout", token=token).status == 200
    assert _profile(a, token) == 401  # the server that revoked: at once
    time.sleep(1.1)
    assert _profile(b, token) == 401  # the other one: within the second

    # A suspension made through b reaches a's cached token too.
    other = _login(a, _user(a, "twin-suspended"))
    for _ in range(3):
        assert _profile(a, other["access_token"]) == 200
    admin_b = _login(b, ADMIN_EMAIL, ADMIN_PASSWORD)["access_token"]
    r = b.request("PUT", f"/api/v1/admin/users/{other['user']['id']}/suspend", {"reason": "checks"},
                  token=admin_b)
    assert r.status == 200, r
    time.sleep(1.1)
    assert _profile(a, other["access_token"]) == 401
