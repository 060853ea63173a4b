"""What every page shares: the engine and its store, built once per process, and who is asking."""

from __future__ import annotations

from typing import NoReturn

import streamlit as st

from nlq.access import User
from nlq.errors import NlqError, StoreUnavailable
from nlq.logs import configure_json_logging
from nlq.services import App, open_app
from nlq.settings import Settings, load_settings
from nlq.store import AppStore
from ui.auth import gate
from ui.messages import show_error


@st.cache_resource(show_spinner="Preparing the database (the demo database is built on first start)…")
def _app(settings_json: str) -> App:
    configure_json_logging()  # the container's log: one JSON object per line on stdout
    return open_app(Settings.model_validate_json(settings_json))


def settings() -> Settings:
    """The settings, or a friendly stop naming the setting that is wrong."""
    try:
        return load_settings()
    except NlqError as error:
        _cannot_start(error)


def app() -> App:
    """The engine and the store, or a friendly stop when the settings or the database are not usable."""
    try:
        return _app(settings().model_dump_json())
    except NlqError as error:
        _cannot_start(error)


def _cannot_start(error: NlqError) -> NoReturn:
    show_error(error, lead="nlq cannot start: ")
    st.stop()


def app_store(shared: App) -> AppStore:
    """nlq's own store, or a friendly stop when it cannot be opened (NLQ_APP_DB_URL wrong or unreachable)."""
    try:
        return shared.store.get()
    except StoreUnavailable as error:
        show_error(error)
        st.stop()


def current_user() -> User:
    """Who this session acts for; a page opened without a signed-in (and allowed) user stops at sign-in."""
    user = gate(settings())
    if user is None:
        st.stop()
    return user
