"""Identity & access through the Python API: the full flow and every error."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from segs_testlib import PASSWORD, START, code_for, register_verified, sign_in

import segs


def test_register_verify_login_authenticate_profile(grid: segs.Grid) -> None:
    ident = grid.identity
    user = ident.register_user(email="ada@example.org", password=PASSWORD, name="Ada",
                               username="ada", region="north", department="engineering",
                               department_metadata={"student_id": "ENG2025001"})
    assert isinstance(user, segs.User)
    assert isinstance(user.id, uuid.UUID) and user.id.version == 7
    assert user.status == "pending_verification"
    assert user.email_verified is False and user.has_password is True
    assert user.department_metadata == {"student_id": "ENG2025001"}
    assert user.created_at == START
    assert user.created_at.tzinfo is not None and user.created_at.utcoffset() == dt.timedelta(0)
    assert user.last_login_at is None

    with pytest.raises(segs.EmailNotVerified) as info:
        ident.login("ada@example.org", PASSWORD)
    assert info.value.http_status == 403

    [msg] = grid.outbox.drain()
    assert msg.to == "ada@example.org" and msg.purpose == "verify_email"
    assert len(msg.code) == 6 and msg.code.isdigit()
    assert msg.code not in repr(msg)
    verified = ident.verify_email("ada@example.org", msg.code)
    assert verified.user.status == "active" and verified.user.email_verified
    assert verified.tokens is None  # P2P flow: the account has a password

    tokens = ident.login("ada", PASSWORD, ip="203.0.113.7", user_agent="pytest")
    assert tokens.token_type == "Bearer" and tokens.expires_in == 15 * 60
    assert tokens.access_token not in repr(tokens)
    assert tokens.user.id == user.id and tokens.user.last_login_at == START

    who = ident.authenticate(tokens.access_token)
    assert who.type == "user" and who.id == user.id and who.role == "consumer"
    assert who.scope == "self" and who.can("profile:read") and not who.can("users:read")
    assert who.session_id == tokens.session_id
    assert who.expires_at == START + dt.timedelta(minutes=15)

    profile = ident.profile(who)
    assert profile.email == "ada@example.org" and profile.username == "ada"
    [session] = ident.sessions(who)
    assert session.current and session.ip == "203.0.113.7" and session.user_agent == "pytest"


def test_validation_error_names_the_field(grid: segs.Grid) -> None:
    with pytest.raises(segs.ValidationError) as info:
        grid.identity.register_user(email="not-an-email", password=PASSWORD, name="X",
                                    region="north")
    err = info.value
    assert err.field == "email" and err.code == "VALIDATION_ERROR"
    assert err.message == str(err) and "email" in err.message
    assert err.retry_after is None and err.http_status == 400
    with pytest.raises(segs.ValidationError) as info:
        grid.identity.register_user(email="a@example.org", password="short", name="A",
                                    region="north")
    assert info.value.field == "password"
    with pytest.raises(segs.ValidationError) as info:
        grid.identity.register_user(email="a@example.org", password=PASSWORD, name="A",
                                    region="atlantis")
    assert info.value.field == "region"
    with pytest.raises(segs.ValidationError) as info:
        grid.identity.register_user(email="a@example.org", password=PASSWORD, name="A",
                                    region="north", role="admin")
    assert info.value.field == "role"


def test_conflict_on_taken_email(grid: segs.Grid) -> None:
    register_verified(grid, "ada@example.org")
    with pytest.raises(segs.Conflict) as info:
        grid.identity.register_user(email="ADA@example.org", password=PASSWORD, name="Ada",
                                    region="north")
    assert info.value.code == "CONFLICT" and info.value.http_status == 409


def test_wrong_password_then_lockout_with_retry_after(grid: segs.Grid,
                                                      clock: segs.ManualClock) -> None:
    register_verified(grid, "ada@example.org")
    for _ in range(4):
        with pytest.raises(segs.Unauthorized):
            grid.identity.login("ada@example.org", "wrong password!")
    with pytest.raises(segs.AccountLocked):  # the fifth failure locks
        grid.identity.login("ada@example.org", "wrong password!")
    with pytest.raises(segs.AccountLocked) as info:  # even the right password now
        grid.identity.login("ada@example.org", PASSWORD)
    err = info.value
    assert err.code == "ACCOUNT_LOCKED" and err.http_status == 429
    assert isinstance(err.retry_after, dt.timedelta)
    assert dt.timedelta(0) < err.retry_after <= dt.timedelta(minutes=5)
    clock.advance(err.retry_after + dt.timedelta(seconds=1))
    assert grid.identity.login("ada@example.org", PASSWORD).user.email == "ada@example.org"


def test_verification_code_expires_with_the_manual_clock(grid: segs.Grid,
                                                         clock: segs.ManualClock) -> None:
    grid.identity.register_user(email="ada@example.org", password=PASSWORD, name="Ada",
                                region="north")
    code = code_for(grid, "ada@example.org")
    clock.advance(dt.timedelta(minutes=10, seconds=1))
    with pytest.raises(segs.ValidationError) as info:
        grid.identity.verify_email("ada@example.org", code)
    assert info.value.field == "otp"
    grid.identity.resend_code("ada@example.org")
    fresh = code_for(grid, "ada@example.org")
    assert grid.identity.verify_email("ada@example.org", fresh).user.status == "active"


def test_resend_inside_cooldown_is_rate_limited(grid: segs.Grid) -> None:
    grid.identity.register_user(email="ada@example.org", password=PASSWORD, name="Ada",
                                region="north")
    with pytest.raises(segs.RateLimited) as info:
        grid.identity.resend_code("ada@example.org", "verify_email")
    assert info.value.retry_after is not None
    assert dt.timedelta(0) < info.value.retry_after <= dt.timedelta(seconds=60)
    with pytest.raises(segs.ValidationError) as bad:
        grid.identity.resend_code("ada@example.org", "bogus")
    assert bad.value.field == "purpose"


def test_segs_flow_without_password(grid: segs.Grid) -> None:
    ident = grid.identity
    user = ident.register_user(email="bo@example.org", name="Bo", region="south")
    assert user.has_password is False
    verified = ident.verify_email("bo@example.org", code_for(grid, "bo@example.org"))
    assert verified.tokens is not None
    who = ident.authenticate(verified.tokens.access_token)
    ident.set_password(who, PASSWORD)
    with pytest.raises(segs.Conflict):
        ident.set_password(who, PASSWORD + "!")
    assert ident.login("bo@example.org", PASSWORD).user.has_password


def test_refresh_logout_and_password_changes(grid: segs.Grid, clock: segs.ManualClock) -> None:
    ident = grid.identity
    register_verified(grid, "ada@example.org")
    first = ident.login("ada@example.org", PASSWORD)
    clock.advance(5)
    second = ident.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    with pytest.raises(segs.Unauthorized):
        ident.refresh(first.refresh_token)  # rotated: reuse ends the session

    tokens = ident.login("ada@example.org", PASSWORD)
    who = ident.authenticate(tokens.access_token)
    ident.change_password(who, PASSWORD, "a brand new passphrase")
    with pytest.raises(segs.Unauthorized):
        ident.login("ada@example.org", PASSWORD)
    ident.logout(who)
    with pytest.raises(segs.Unauthorized):
        ident.authenticate(tokens.access_token)

    ident.forgot_password("ada@example.org")
    ident.forgot_password("nobody@example.org")  # answers the same
    code = code_for(grid, "ada@example.org", "reset_password")
    ident.reset_password("ada@example.org", code, "yet another passphrase")
    who = sign_in(grid, "ada@example.org", "yet another passphrase")
    sign_in(grid, "ada@example.org", "yet another passphrase")
    assert len(ident.sessions(who)) == 2
    ident.logout_all(who)
    assert ident.sessions(who) == []


def test_profile_wallet_and_preferences(grid: segs.Grid) -> None:
    ident = grid.identity
    register_verified(grid, "ada@example.org")
    who = sign_in(grid, "ada@example.org")
    user = ident.update_profile(who, name="Ada L.", department="physics",
                                department_metadata={"lab": 3})
    assert user.name == "Ada L." and user.department == "physics"
    assert user.department_metadata == {"lab": 3}
    user = ident.update_profile(who, department_metadata='{"lab": 4}')
    assert user.department_metadata == {"lab": 4} and user.name == "Ada L."

    wallet = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
    assert ident.set_wallet(who, wallet).wallet_address == wallet
    assert ident.set_wallet(who, None).wallet_address is None
    with pytest.raises(segs.ValidationError) as info:
        ident.set_wallet(who, "0OIl")
    assert info.value.field is not None

    prefs = ident.preferences(who)
    assert isinstance(prefs, segs.NotificationPreferences)
    assert prefs.email and not prefs.sms
    prefs.sms = True
    prefs.trading = False
    stored = ident.set_preferences(who, prefs)
    assert stored.sms and not stored.trading
    again = ident.preferences(who)
    assert again.sms and not again.trading and again.security
    assert isinstance(again.updated_at, dt.datetime)
    assert segs.NotificationPreferences(sms=True).sms


def test_administration(grid: segs.Grid, admin: segs.Principal) -> None:
    ident = grid.identity
    ada = register_verified(grid, "ada@example.org", region="north", department="physics")
    register_verified(grid, "bo@example.org", region="south")
    consumer = sign_in(grid, "bo@example.org")

    page = ident.list_users(admin, per_page=2)
    assert isinstance(page, segs.Page)
    assert page.total == 3 and page.page == 1 and page.per_page == 2 and page.total_pages == 2
    assert len(page) == 2 and all(isinstance(u, segs.User) for u in page)
    assert [u.email for u in ident.list_users(admin, search="ada").items] == ["ada@example.org"]
    assert ident.list_users(admin, region="south").total == 1
    assert ident.list_users(admin, role="admin").total == 1
    with pytest.raises(segs.ValidationError) as info:
        ident.list_users(admin, per_page=1000)
    assert info.value.field == "per_page"
    with pytest.raises(segs.Forbidden) as forbidden:
        ident.list_users(consumer)
    assert forbidden.value.code == "FORBIDDEN"

    assert ident.get_user(admin, ada.id).email == "ada@example.org"
    assert ident.get_user(admin, str(ada.id)).id == ada.id
    with pytest.raises(segs.NotFound):
        ident.get_user(admin, uuid.uuid4())
    with pytest.raises(segs.ValidationError) as info:
        ident.get_user(admin, "not-a-uuid")
    assert info.value.field == "user_id"

    assert ident.update_user(admin, ada.id, name="Ada Lovelace").name == "Ada Lovelace"
    suspended = ident.suspend_user(admin, ada.id, "too many trades")
    assert suspended.status == "suspended" and suspended.status_reason == "too many trades"
    with pytest.raises(segs.AccountSuspended):
        ident.login("ada@example.org", PASSWORD)
    assert ident.activate_user(admin, ada.id, "appeal granted").status == "active"
    assert ident.change_role(admin, ada.id, "operator").role == "operator"
    ident.delete_user(admin, ada.id)
    with pytest.raises(segs.Unauthorized):
        ident.login("ada@example.org", PASSWORD)
    assert ident.list_users(admin, include_deleted=True, status="deleted").total == 1
    with pytest.raises(segs.ValidationError):
        ident.list_users(admin, status="sleeping")


def test_departments_and_roles(grid: segs.Grid, admin: segs.Principal) -> None:
    ident = grid.identity
    register_verified(grid, "ada@example.org", department="physics")
    info = ident.department(segs.Principal.anonymous(), "physics")
    assert info.name == "physics" and info.user_count == 1 and info.active_users == 1
    assert info.users_by_role == {"consumer": 1} and info.regions == ["north"]

    names = {r.name for r in ident.roles()}
    assert {"consumer", "prosumer", "operator", "admin"} <= names
    role = ident.define_role(admin, "student", ["profile:read", "trade:buy"],
                             scope="self", self_service=True)
    assert role.name == "student" and role.self_service and not role.builtin
    assert "student" in {r.name for r in ident.roles()}
    user = ident.register_user(email="kim@example.org", password=PASSWORD, name="Kim",
                               region="north", role="student")
    assert user.role == "student"
    with pytest.raises(segs.ValidationError) as bad:
        ident.define_role(admin, "bad", ["nope:nope"])
    assert bad.value.field == "permissions"


def test_principals() -> None:
    system = segs.Principal.system()
    assert system.type == "system" and system.id is None and system.scope == "all"
    assert system.can("users:manage")
    anon = segs.Principal.anonymous()
    assert anon.type == "anonymous" and anon.permissions == [] and not anon.can("profile:read")
    assert "anonymous" in repr(anon)
    with pytest.raises(TypeError):
        segs.Principal()


def test_first_and_last_name(grid: segs.Grid, admin: segs.Principal) -> None:
    ident = grid.identity
    user = ident.register_user(email="ada@example.org", password=PASSWORD, first_name=" Ada ",
                               last_name="Lovelace", region="north")
    assert (user.name, user.first_name, user.last_name) == ("Ada Lovelace", "Ada", "Lovelace")
    ident.verify_email("ada@example.org", code_for(grid, "ada@example.org"))
    who = sign_in(grid, "ada@example.org")
    assert ident.profile(who).first_name == "Ada"

    updated = ident.update_profile(who, first_name="Augusta")
    assert updated.first_name == "Augusta" and updated.last_name == "Lovelace"
    with pytest.raises(segs.ValidationError) as info:
        ident.update_profile(who, name="Changed", last_name="x" * 101)
    assert info.value.field == "last_name"
    assert ident.profile(who).name == "Ada Lovelace"

    by_admin = ident.update_user(admin, user.id, first_name="", last_name="King")
    assert by_admin.first_name is None and by_admin.last_name == "King"
    with pytest.raises(segs.ValidationError) as info:
        ident.update_user(admin, user.id, first_name="a\x01")
    assert info.value.field == "first_name"

    made = ident.create_user(segs.Principal.system(), email="g@example.org", password=PASSWORD,
                             first_name="Grace", last_name="Hopper", region="north")
    assert made.name == "Grace Hopper" and made.first_name == "Grace"
    plain = ident.register_user(email="p@example.org", password=PASSWORD, name="P",
                                region="north")
    assert plain.first_name is None and plain.last_name is None
