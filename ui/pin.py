"""The "Pin to dashboard" control, under an answer in the chat and under an entry in History: pick one of your
dashboards (or name a new one), title the tile, pin. What may be pinned where is ``nlq.dashboards.access``'s
decision; this only draws it."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from nlq.answer import Answer
from nlq.dashboards import access
from nlq.dashboards.tiles import TileDraft, clean_title, draft_from_answer
from nlq.errors import NlqError
from ui.messages import show_error
from ui.state import app, current_user

NEW = 0  # the choice "a new dashboard" (stored ids start at 1)


def pin_answer(answer: Answer, key: str, answer_id: int | None = None) -> None:
    """An answer on screen; the tile keeps the chart type the user switched to (the answer view's control)."""
    chosen = st.session_state.get(f"chart-{key}")
    pin_control(lambda title: draft_from_answer(answer, title, chosen=chosen, answer_id=answer_id), key,
                answer.question)


def pin_control(make: Callable[[str], TileDraft], key: str, default_title: str) -> None:
    """A popover: ``make(title)`` builds the tile when the button is pressed."""
    pinned = st.session_state.get(f"pinned-{key}")
    user = current_user()
    try:
        book = app().store.get().dashboards
        boards = access.editable(book, user)
    except NlqError:  # the store is down: the answer already says so, and there is nowhere to pin to
        return
    with st.popover("Pin to dashboard", icon=":material/push_pin:"):
        labels = {NEW: "New dashboard…", **{board.id: board.title for board in boards}}
        options = [*(board.id for board in boards), NEW]
        chosen = st.selectbox("Dashboard", options, format_func=labels.__getitem__, key=f"pin-board-{key}")
        new_title = (st.text_input("New dashboard's title", key=f"pin-new-{key}", placeholder="My dashboard")
                     if chosen == NEW else "")
        title = st.text_input("Tile title", value=default_title, key=f"pin-title-{key}")
        if st.button("Pin", key=f"pin-{key}", icon=":material/push_pin:", type="primary"):
            try:
                board, _ = access.pin(book, user, make(title), None if chosen == NEW else chosen, new_title)
            except NlqError as error:
                show_error(error)
                return
            pinned = clean_title(new_title or "My dashboard") if chosen == NEW else labels[board]
            st.session_state[f"pinned-{key}"] = pinned
    if pinned:
        st.caption(f":material/push_pin: Pinned to **{pinned}** (see Dashboards).")
