"""History: every question asked here or from the CLI — search it, open an answer again, export the log."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import streamlit as st

from nlq.access import visible_users
from nlq.dashboards.tiles import draft_from_sql
from nlq.pipeline import run_sql
from nlq.route import Route
from ui.answer_view import render_answer
from ui.pin import pin_control
from ui.state import app, app_store, current_user
from ui.verify import verify_control

STATUSES = ["answered", "empty", "failed"]
ANSWERED = ("answered", "empty")
SHOWN = ["id", "asked_at", "user", "question", "route", "status", "row_count", "total_ms", "rating", "sent_to"]

shared = app()
log = app_store(shared).log
dashboards = app_store(shared).dashboards
user = current_user()
mine = visible_users(user)  # None for an admin: everyone's answers
st.title("History")
if mine is not None:
    st.caption("Your own questions; admins see everyone's.")
if log.count(users=mine) == 0:
    st.info("No questions yet. Ask one on the **Ask** page (or with `python -m nlq ask`); every answer is "
            "kept here.", icon=":material/history:")
    st.stop()

text_column, route_column, status_column = st.columns([3, 2, 2])
text = text_column.text_input("Search questions and SQL", key="history-text")
routes = route_column.multiselect("Route", [route.value for route in Route], key="history-routes",
                                  format_func=lambda value: f"{value} ({Route(value).label})")
statuses = status_column.multiselect("Status", STATUSES, key="history-statuses")
date_column, user_column = st.columns([3, 4])
days = date_column.date_input("Asked between", value=(), key="history-dates")
users = mine if mine is not None else user_column.multiselect("User", log.users(), key="history-users") or None
since = datetime.combine(days[0], time.min) if len(days) >= 1 else None
until = datetime.combine(days[-1], time.min) + timedelta(days=1) if len(days) == 2 else None
entries = log.entries(limit=5000, text=text, routes=routes, statuses=statuses, since=since, until=until, users=users)

st.caption(f"{len(entries):,} entr{'y' if len(entries) == 1 else 'ies'}, newest first.")
shown = entries[SHOWN].astype({"row_count": "Int64", "rating": "Int64"})  # a missing count is blank, not "None"
st.dataframe(shown, hide_index=True, column_config={
    "asked_at": st.column_config.DatetimeColumn("asked (UTC)", format="YYYY-MM-DD HH:mm"),
    "total_ms": st.column_config.NumberColumn("ms", format="%.0f"),
    "rating": st.column_config.NumberColumn("👍/👎", help="+1 👍, -1 👎"),
    "sent_to": st.column_config.TextColumn("left this machine", help="What was sent where for this answer"),
})
st.download_button("Export the log as CSV", data=entries.to_csv(index=False).encode("utf-8"),
                   file_name="nlq-history.csv", mime="text/csv", on_click="ignore", icon=":material/download:")

if entries.empty:
    st.stop()
st.subheader("Open an answer")
labels = {int(row.id): f"#{row.id} · {row.question}" for row in entries.itertuples()}
chosen = st.selectbox("Entry", list(labels), format_func=labels.get, key="history-open")
entry = log.entry(chosen, users=mine)
if entry is not None:
    st.markdown(f"**{entry.question}** — asked {entry.asked_at:%Y-%m-%d %H:%M} UTC by {entry.user}, "
                f"route {entry.route}, {entry.status}" + (f", {entry.row_count:,} rows" if entry.row_count else ""))
    if (origin := dashboards.origin(entry.id)) is not None:
        st.caption(f":material/dashboard: From dashboard **{origin.dashboard_title}**, tile “{origin.tile_title}” "
                   "(a refresh)" if origin.dashboard_title else ":material/dashboard: From a dashboard tile "
                   "deleted since (a refresh)")
    if entry.summary:
        st.markdown(entry.summary)
    for message in entry.checks:
        st.warning(message, icon=":material/warning:")
    if entry.explanation:
        st.caption("**What the SQL does:** " + " ".join(entry.explanation))
    if entry.error_message:
        st.warning(entry.error_message)
    if entry.sql:
        rerun = st.button("Re-run this SQL", key=f"history-rerun-{entry.id}", icon=":material/replay:",
                          help="Runs the same SQL again, vetted as always, on today's data")
        if rerun:  # the answer shows the SQL it ran: the entry's own copy is not drawn a second time
            answer = run_sql(entry.sql, shared.engine, question=entry.question, rerun=True)
            shared.record(answer, source="app", user=user.id)
            render_answer(answer, key=f"history-{entry.id}", pinnable=False, verifiable=False)
        else:
            st.code(entry.sql, language="sql")
        sql = entry.sql
        pin_control(lambda title: draft_from_sql(entry.question, sql, title, answer_id=entry.id),
                    f"history-{entry.id}", entry.question)
        if entry.status in ANSWERED:  # admins only: questions that mean the same are answered with it first
            verify_control(entry.question, sql, f"history-{entry.id}", answer_id=entry.id)
