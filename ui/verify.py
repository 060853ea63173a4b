"""The admin's "Mark verified" control, under an answer in the chat and under an entry in History: a title, the
SQL (editable), verify. Whether it may be saved is ``nlq.teaching.verify``'s decision (admins only; the SQL
must pass vetting and run now); this only draws it, and only for admins."""

from __future__ import annotations

import streamlit as st

from nlq.errors import NlqError
from nlq.teaching import verify
from ui.messages import show_error
from ui.state import app, current_user


def verify_control(question: str, sql: str, key: str, answer_id: int | None = None) -> None:
    """A popover for admins; nothing at all for anyone else."""
    user = current_user()
    if not user.is_admin:
        return
    done = st.session_state.get(f"verified-{key}")
    with st.popover("Mark verified", icon=":material/verified:"):
        st.caption("Questions that mean the same — the same words, or the same reading by the rules — will be "
                   "answered with this SQL first, for everyone, with your name on it.")
        title = st.text_input("Title", value=question, key=f"verify-title-{key}")
        edited = st.text_area("SQL", value=sql, key=f"verify-sql-{key}", height=160)
        if st.button("Verify", key=f"verify-{key}", icon=":material/verified:", type="primary"):
            shared = app()
            try:
                answer = verify(shared.store.get(), shared.engine, user, question, edited, title, answer_id)
            except NlqError as error:
                show_error(error)
                return
            if answer.error is not None:
                show_error(answer.error, lead="Not verified: ")
                return
            done = f"Verified: “{question}” is now answered with this SQL ({answer.row_count:,} rows today)."
            st.session_state[f"verified-{key}"] = done
    if done:
        st.caption(f":material/verified: {done}")
