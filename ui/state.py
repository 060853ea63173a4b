"""What every page shares: the engine's resources, built once per process, and who is asking."""

from __future__ import annotations

import streamlit as st

from alembic.util.exc import CommandError as AlembicError
from sqlalchemy.exc import SQLAlchemyError

from nlq.access import User
from nlq.database import first_line
from nlq.logs import configure_json_logging
from nlq.store import AppStore
from nlq.errors import NlqError
from nlq.pipeline import Resources, open_resources
from nlq.settings import Settings, load_settings
from ui.auth import gate


@st.cache_resource(show_spinner="Preparing the database (the demo database is built on first start)…")
def _resources(settings_json: str) -> Resources:
    configure_json_logging()  # the container's log: one JSON object per line on stdout
    return open_resources(Settings.model_validate_json(settings_json))


def settings() -> Settings:
    """The settings, or a friendly stop naming the setting that is wrong."""
    try:
        return load_settings()
    except NlqError as error:
        _cannot_start(error)
        raise  # unreachable: st.stop() ends the run


def resources() -> Resources:
    """The resources, or a friendly stop when the settings or the database are not usable."""
    try:
        return _resources(settings().model_dump_json())
    except NlqError as error:
        _cannot_start(error)
        raise  # unreachable: st.stop() ends the run


def _cannot_start(error: NlqError) -> None:
    st.error(f"**nlq cannot start: {error.message}**\n\n{error.hint}", icon=":material/error:")
    st.stop()


def app_store(engine: Resources) -> AppStore:
    """nlq's own store, or a friendly stop when it cannot be opened (NLQ_APP_DB_URL wrong or unreachable)."""
    try:
        return engine.app_store()
    except (SQLAlchemyError, OSError, AlembicError) as error:
        st.error(f"**nlq's store could not be opened: {first_line(error)}**\n\nCheck `NLQ_APP_DB_URL` (empty: "
                 "a SQLite file in `NLQ_DATA_DIR`, which must be writable).", icon=":material/error:")
        st.stop()
        raise  # unreachable: st.stop() ends the run


def current_user() -> User:
    """Who this session acts for; a page opened without a signed-in (and allowed) user stops at sign-in."""
    user = gate(settings())
    if user is None:
        st.stop()
    return user
