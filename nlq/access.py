"""Who is asking, and what they may do.

Sign-in itself is the identity provider's job (OpenID Connect, driven by the front end); this module turns
the identity it vouches for into an nlq user and decides, in one place, who may use nlq at all (the
allowlist) and who is an admin. The decisions live here, not in the pages, so that the store and the
teaching code can enforce them too and the CLI and the tests see the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from nlq.errors import AccessDenied, AdminOnly
from nlq.settings import Settings, split_list

LOCAL_USER_ID = "local"
# What marks a provider in Streamlit's [auth] section (the same test Streamlit applies).
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")


@dataclass(frozen=True)
class User:
    """``id`` is what the answer log records: the lower-cased e-mail address, or ``local`` without sign-in."""

    id: str
    name: str
    is_admin: bool
    signed_in: bool

    @property
    def label(self) -> str:
        return f"{self.name} ({self.id})" if self.name and self.name != self.id else self.id


# Without sign-in there is one person at the keyboard, the owner; they may do everything.
LOCAL_USER = User(LOCAL_USER_ID, "local user", is_admin=True, signed_in=False)


@dataclass(frozen=True)
class AccessPolicy:
    addresses: frozenset[str]
    domains: frozenset[str]
    admins: frozenset[str]

    @classmethod
    def from_settings(cls, settings: Settings) -> AccessPolicy:
        addresses, domains = set(), set()
        for entry in split_list(settings.allowed_users.lower()):
            local, _, domain = entry.rpartition("@")
            if local:
                addresses.add(entry)
            else:
                domains.add(domain)
        return cls(frozenset(addresses), frozenset(domains), frozenset(split_list(settings.admins.lower())))

    @property
    def restricted(self) -> bool:
        """False when anyone the identity provider signs in may use nlq."""
        return bool(self.addresses or self.domains)

    def allows(self, email: str) -> bool:
        """Exact addresses and exact domains only: ``@example.com`` does not admit ``evil.example.com``."""
        email = email.lower()
        if not self.restricted or email in self.addresses or email in self.admins:
            return True
        return email.rpartition("@")[2] in self.domains

    def user_from_claims(self, claims: Mapping[str, object]) -> User:
        """The nlq user for an identity token's claims, or AccessDenied saying why and what to do."""
        email = str(claims.get("email") or "").strip().lower()
        if "@" not in email:
            raise AccessDenied(
                "Your identity provider did not tell nlq your e-mail address, which nlq needs to know who you are.",
                "Ask your administrator to release the 'email' claim (the 'email' scope) to nlq in the "
                "identity provider, then sign in again.",
            )
        if str(claims.get("email_verified")).lower() == "false":  # some providers send the string "false"
            raise AccessDenied(
                f"Your e-mail address {email} is not verified with your identity provider.",
                "Verify it with your identity provider (follow the link in its e-mail), then sign in again.",
            )
        if not self.allows(email):
            raise AccessDenied(
                f"{email} is not allowed to use nlq here.",
                "Ask your nlq administrator to add your address or your domain to NLQ_ALLOWED_USERS, or sign "
                "out and sign in with another account.",
            )
        name = str(claims.get("name") or claims.get("preferred_username") or email)
        return User(email, name, is_admin=email in self.admins, signed_in=True)


def sign_in_providers(auth: Mapping[str, object]) -> dict[str | None, Mapping[str, object]]:
    """The identity providers in Streamlit's ``[auth]`` section: the section itself (None, what ``st.login()``
    uses) and named sub-sections such as ``[auth.okta]`` (``st.login("okta")``), in the order written."""
    def is_provider(section: object) -> bool:
        return isinstance(section, Mapping) and any(key in section for key in PROVIDER_KEYS)

    providers: dict[str | None, Mapping[str, object]] = {None: auth} if is_provider(auth) else {}
    providers.update({name: value for name, value in auth.items() if is_provider(value)})  # type: ignore[misc]
    return providers


def require_admin(user: User, action: str) -> None:
    """Guards the admin-only actions where they happen, not only where the buttons are drawn."""
    if not user.is_admin:
        raise AdminOnly(f"Only an admin may {action}.",
                        "Ask one of the admins listed in NLQ_ADMINS to do it, or to add you to that list.")


def visible_users(user: User) -> list[str] | None:
    """Whose answers a user may see: everyone's (None) for an admin, their own otherwise."""
    return None if user.is_admin else [user.id]
