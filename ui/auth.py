"""Sign-in: Streamlit's OpenID Connect support (``st.login``) when ``[auth]`` is in secrets.toml, and the one
local user when it is not. Who may use nlq and who is an admin is decided by ``nlq.access``; this file only
draws the screens around that decision."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitAuthError

from nlq.access import LOCAL_USER, AccessPolicy, User, sign_in_providers
from nlq.errors import AccessDenied, SettingsError
from nlq.settings import Settings
from ui.messages import show_error


def sign_in_configured() -> bool:
    """Fails closed: a secrets file that exists but cannot be read stops the app rather than opening it to
    everyone in single-user mode."""
    if st.secrets.load_if_toml_exists():
        return "auth" in st.secrets
    unreadable = [path for path in st.get_option("secrets.files") if Path(path).is_file()]
    if unreadable:
        show_error(SettingsError(f"{unreadable[0]} could not be read.", "Fix its TOML syntax (a sign-in section "
                                 "there may be what keeps this app private), then restart nlq."),
                   lead="nlq cannot start: ")
        st.stop()
    return False


def gate(settings: Settings) -> User | None:
    """The user this session acts for; None after drawing the sign-in or the turned-away screen."""
    if not sign_in_configured():
        return LOCAL_USER
    if not st.user.is_logged_in:
        _sign_in_screen()
        return None
    try:
        return AccessPolicy.from_settings(settings).user_from_claims(st.user.to_dict())
    except AccessDenied as error:
        _turned_away(error)
        return None


def render_account(user: User) -> None:
    """Who is signed in, in the sidebar of every page, or that nobody needs to be."""
    with st.sidebar:
        if user.signed_in:
            role = " · admin" if user.is_admin else ""
            st.caption(f"Signed in as **{user.label}**{role}")
            if st.button("Sign out", key="sign-out", icon=":material/logout:", width="stretch"):
                st.logout()
        else:
            st.caption("**Single-user local mode**: no sign-in, and whoever opens this page is the one local "
                       "user (and admin). To sign people in, add an `[auth]` section to "
                       "`.streamlit/secrets.toml` (docs/deployment.md → Sign-in and users).")


def _sign_in_screen() -> None:
    st.title("nlq")
    st.markdown("Ask questions about your company's data in plain words. **Sign in with your work account** "
                "to continue; your questions and answers stay on your company's own infrastructure.")
    for provider in sign_in_providers(st.secrets["auth"]) or [None]:
        label = "Sign in" if provider is None else f"Sign in with {provider.replace('-', ' ').title()}"
        if st.button(label, key=f"sign-in-{provider or 'default'}", type="primary", icon=":material/login:"):
            _login(provider)


def _login(provider: str | None) -> None:
    try:
        st.login(provider)
    except StreamlitAuthError as error:
        show_error(SettingsError(" ".join(str(error).split()), "Fix the `[auth]` section of "
                                 "`.streamlit/secrets.toml` (docs/deployment.md → Sign-in and users), then restart "
                                 "nlq."), lead="Sign-in is configured but cannot start: ")


def _turned_away(error: AccessDenied) -> None:
    st.title("nlq")
    show_error(error, icon=":material/block:")
    if st.button("Sign out", key="turned-away-sign-out", icon=":material/logout:"):
        st.logout()
