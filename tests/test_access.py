"""Who may use nlq and who is an admin: the allowlist, the identity token's claims, and the log's visibility."""

from __future__ import annotations

import pytest

from nlq.access import LOCAL_USER, AccessPolicy, User, require_admin, visible_users
from nlq.errors import AccessDenied, AdminOnly, SettingsError
from nlq.settings import load_settings


def _policy(allowed: str = "", admins: str = "") -> AccessPolicy:
    environ = {"NLQ_ALLOWED_USERS": allowed, "NLQ_ADMINS": admins}
    return AccessPolicy.from_settings(load_settings(environ, secrets_path=None))


ALLOWLIST = "ana@example.com, @example.org, partner.net, Boss@Example.COM"


@pytest.mark.parametrize(("email", "allowed"), [
    ("ana@example.com", True),
    ("ANA@Example.com", True),             # addresses compare without case
    ("ben@example.com", False),            # the address is listed, not its domain
    ("boss@example.com", True),
    ("cy@example.org", True),              # @domain admits the whole domain
    ("cy@sales.example.org", False),       # ... but not its subdomains
    ("cy@example.org.evil.com", False),
    ("dee@partner.net", True),             # a domain may be written without the @
    ("dee@notpartner.net", False),
    ("root@localhost", False),
])
def test_allowlist(email: str, allowed: bool) -> None:
    assert _policy(ALLOWLIST).allows(email) is allowed


def test_without_allowlist_anyone_signed_in_is_served() -> None:
    policy = _policy()
    assert not policy.restricted and policy.allows("anyone@anywhere.io")


def test_admins_are_always_allowed_and_marked() -> None:
    policy = _policy("@example.org", admins="Chief@Elsewhere.com")
    chief = policy.user_from_claims({"email": "chief@elsewhere.com", "name": "The Chief"})
    assert chief == User("chief@elsewhere.com", "The Chief", is_admin=True, signed_in=True)
    ana = policy.user_from_claims({"email": "ana@example.org", "email_verified": True})
    assert not ana.is_admin and ana.name == "ana@example.org" and ana.label == "ana@example.org"
    assert chief.label == "The Chief (chief@elsewhere.com)"


@pytest.mark.parametrize(("claims", "message", "hint"), [
    ({"email": "eve@evil.com", "name": "Eve"}, "eve@evil.com is not allowed", "NLQ_ALLOWED_USERS"),
    ({"sub": "12345", "name": "No Mail"}, "did not tell nlq your e-mail address", "'email' claim"),
    ({"email": "", "sub": "12345"}, "did not tell nlq your e-mail address", "sign in again"),
    ({"email": "ana@example.org", "email_verified": False}, "is not verified", "Verify it"),
    ({"email": "ana@example.org", "email_verified": "false"}, "is not verified", "Verify it"),
])
def test_turned_away_with_a_reason_and_a_next_step(claims: dict, message: str, hint: str) -> None:
    with pytest.raises(AccessDenied, match=message) as raised:
        _policy("@example.org").user_from_claims(claims)
    assert hint in raised.value.hint and raised.value.kind == "access_denied"


def test_only_admins_pass_the_admin_guard_and_see_everyone() -> None:
    ana = User("ana@example.org", "Ana", is_admin=False, signed_in=True)
    with pytest.raises(AdminOnly, match="Only an admin may approve examples"):
        require_admin(ana, "approve examples")
    require_admin(LOCAL_USER, "approve examples")  # no sign-in: the one local user may do everything
    assert visible_users(ana) == ["ana@example.org"]
    assert visible_users(LOCAL_USER) is None


@pytest.mark.parametrize(("variable", "value"), [
    ("NLQ_ALLOWED_USERS", "ana"),
    ("NLQ_ALLOWED_USERS", "ana@example.com; ben@example.com"),
    ("NLQ_ALLOWED_USERS", "@localhost"),
    ("NLQ_ADMINS", "@example.com"),
    ("NLQ_ADMINS", "example.com"),
])
def test_malformed_lists_stop_start_up_naming_the_setting(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        load_settings({variable: value}, secrets_path=None)
