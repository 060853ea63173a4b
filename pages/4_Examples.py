"""Examples: the question → SQL pairs the model learns from. The curated ones come from the operator's file
(NLQ_EXAMPLES_FILE, or the demo's own on the demo database). 👍 proposes more; only a person's approval, after
the SQL passes vetting and runs on today's schema, lets one into the prompt beside the curated ones.

Verified answers are listed here too: an admin's SQL for a question, which answers questions that mean the
same first. A stale one (its SQL no longer fits the schema) says why; an admin fixes and verifies it again,
or deletes it."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from nlq.errors import NlqError
from nlq.examples import DEFAULT_COUNT, curated_examples_path
from nlq.store.examples import APPROVED, CANDIDATE, STALE
from nlq.store.verified import StoredVerified
from nlq.teaching import (
    approve,
    check_for_schema_change,
    check_verified_for_schema_change,
    delete_example,
    delete_verified,
    edit_example,
    export_jsonl,
    import_jsonl,
    verify,
)
from nlq.verified import STALE as STALE_VERIFIED
from ui.messages import show_error
from ui.state import app, app_store, current_user

shared = app()
engine = shared.engine
store = app_store(shared)
book = store.examples
user = current_user()
st.title("Examples")
if not user.is_admin:
    st.info("Only admins approve, edit and delete examples (`NLQ_ADMINS`). You can read them here, and a 👍 "
            "on a good answer proposes it.", icon=":material/lock:")
stale = check_for_schema_change(store, engine)
if stale:
    st.warning(f"The schema changed: {len(stale)} approved example(s) no longer pass and are now stale.",
               icon=":material/warning:")

stale_verified = check_verified_for_schema_change(store, engine)
if stale_verified:
    st.warning(f"The schema changed: {len(stale_verified)} verified answer(s) no longer pass and are now stale; "
               "they answer nothing until fixed (the Verified tab).", icon=":material/warning:")
if "verified-result" in st.session_state:
    question, answer = st.session_state.pop("verified-result")
    if answer.ok:
        st.success(f"Verified again: “{question}” ({answer.row_count:,} rows today).")
    else:
        show_error(answer.error, lead=f"“{question}” was not verified: ")

if "examples-result" in st.session_state:
    example_id, answer = st.session_state.pop("examples-result")
    if answer.ok:
        st.success(f"Example #{example_id} approved: its SQL passed and ran ({answer.row_count:,} rows).")
    else:
        show_error(answer.error, lead=f"Example #{example_id} was not approved: ")


def _approve(example_id: int) -> None:
    st.session_state["examples-result"] = (example_id, approve(store, engine, example_id, user))


def _save(example_id: int) -> None:
    edit_example(store, engine, example_id, st.session_state[f"question-{example_id}"],
                 st.session_state[f"sql-{example_id}"], user)


def _delete(example_id: int) -> None:
    delete_example(store, engine, example_id, user)


def _verify_again(verified: StoredVerified) -> None:
    key = f"verified-{verified.id}"
    answer = verify(store, engine, user, verified.question, st.session_state[f"{key}-sql"],
                    st.session_state[f"{key}-title"], verified.answer_id)
    st.session_state["verified-result"] = (verified.question, answer)


def _delete_verified(verified_id: int) -> None:
    delete_verified(store, engine, verified_id, user)


def _verified_tab(found: list[StoredVerified]) -> None:
    """Each verified answer with who vouched and when; a stale one first says why it no longer answers."""
    if not found:
        st.caption("No verified answers. An admin marks an answer verified under it in the chat or in History.")
    for verified in found:
        stale_mark = " · stale" if verified.status == STALE_VERIFIED else ""
        with st.expander(f"#{verified.id} · {verified.title or verified.question}{stale_mark}"):
            if verified.status == STALE_VERIFIED:
                st.warning(f"Stale, answers nothing: {verified.note or 'its SQL no longer fits the schema'}",
                           icon=":material/warning:")
            st.caption(f"For “{verified.question}” · verified by {verified.verified_by} on "
                       f"{verified.verified_at:%Y-%m-%d}")
            key = f"verified-{verified.id}"
            st.text_input("Title", value=verified.title or "", key=f"{key}-title", disabled=not user.is_admin)
            st.text_area("SQL", value=verified.sql, key=f"{key}-sql", height=140, disabled=not user.is_admin)
            if not user.is_admin:
                continue
            again_column, delete_column = st.columns(2)
            again_column.button("Verify again", key=f"{key}-again", on_click=_verify_again, args=(verified,),
                                icon=":material/verified:", help="Runs the SQL now; saved only if it passes and runs")
            delete_column.button("Delete", key=f"{key}-delete", on_click=_delete_verified, args=(verified.id,))


def _shown_path(path: Path) -> str:
    """The file as the operator would name it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


curated = engine.curated_examples
verified_answers = store.verified.all()
*tabs, verified_tab, curated_tab = st.tabs([
    f"Candidates ({len(book.all(CANDIDATE))})", f"Approved ({len(book.all(APPROVED))})",
    f"Stale ({len(book.all(STALE))})", f"Verified ({len(verified_answers)})", f"Curated ({len(curated)})"])
with verified_tab:
    st.caption("Verified answers answer questions that mean the same (the same words, or the same reading by the "
               "rules) first, before the rules and the model, and join the examples the model sees.")
    _verified_tab(verified_answers)
with curated_tab:
    curated_path = curated_examples_path(engine.settings)
    if curated_path is None:
        st.caption("No curated examples: set NLQ_EXAMPLES_FILE to a JSONL file of question and sql pairs.")
    else:
        st.caption(f"From `{_shown_path(curated_path)}` (NLQ_EXAMPLES_FILE), read at start; edit the file to change "
                   f"them. For every question the model gets, the {DEFAULT_COUNT} examples most like it, curated or "
                   "approved, join its prompt.")
    for number, pair in enumerate(curated, start=1):
        with st.expander(f"{number} · {pair.question}"):
            st.code(pair.sql, language="sql")
for tab, status in zip(tabs, (CANDIDATE, APPROVED, STALE), strict=True):
    with tab:
        found = book.all(status)
        if not found:
            st.caption({CANDIDATE: "No candidates. A 👍 on an answer proposes it here.",
                        APPROVED: "No approved examples yet: approve candidates to teach the model.",
                        STALE: "Nothing stale."}[status])
        for example in found:
            with st.expander(f"#{example.id} · {example.question}"):
                if example.note:
                    st.caption(example.note)
                st.text_input("Question", value=example.question, key=f"question-{example.id}",
                              disabled=not user.is_admin)
                st.text_area("SQL", value=example.sql, key=f"sql-{example.id}", height=140,
                             disabled=not user.is_admin)
                if not user.is_admin:
                    continue
                approve_column, save_column, delete_column = st.columns(3)
                if status != APPROVED:
                    approve_column.button("Approve", key=f"approve-{example.id}", on_click=_approve,
                                          args=(example.id,), icon=":material/check:")
                save_column.button("Save edits", key=f"save-{example.id}", on_click=_save, args=(example.id,))
                delete_column.button("Delete", key=f"delete-{example.id}", on_click=_delete, args=(example.id,))

st.subheader("Import and export")
upload = st.file_uploader("Import JSONL (question, sql per line) as candidates", type=["jsonl", "json", "txt"])
if upload is not None and st.button("Import", key="examples-import"):
    try:
        added = import_jsonl(store, upload.getvalue().decode("utf-8"), user.id)
        st.success(f"Imported {added} example(s) as candidates.")
    except NlqError as error:
        show_error(error)
st.download_button("Export approved examples (JSONL)", data=export_jsonl(store),
                   file_name="nlq-examples.jsonl", mime="application/jsonl", on_click="ignore",
                   icon=":material/download:", help="The same format as NLQ_EXAMPLES_FILE; also fit for fine-tuning")
