"""The chat page: ask, see the answer with its evidence, give feedback. Decisions are the engine's."""

from __future__ import annotations

import streamlit as st

from nlq.answer import Answer, Turn
from nlq.demo import EXAMPLE_QUESTIONS
from nlq.errors import StoreUnavailable
from nlq.pipeline import ask, run_sql
from nlq.route import Mode
from nlq.rules.semantic_model import save_preference
from nlq.services import App, Recorded
from nlq.teaching import give_feedback
from ui.answer_view import MODEL_DECIDES, render_answer
from ui.messages import show_error
from ui.sidebar import render_sidebar
from ui.state import app as shared_app
from ui.state import current_user

STREAM_PREVIEW_CHARS = 600


def _queue(question: str) -> None:
    st.session_state.pending_question = question


def _queue_edit(answer: Answer, sql: str) -> None:
    st.session_state.pending_sql = (answer.question, sql)


def _queue_choice(answer: Answer, reading: str, key: str) -> None:
    """A reading picked: ask again with it (remembered for the rest of the chat), or let the model decide."""
    if reading == MODEL_DECIDES:
        st.session_state.pending_mode = Mode.MODEL.value
    else:
        choices: list[str] = st.session_state.setdefault("choices", [])
        choices[:] = [*[c for c in choices if c != reading], reading]
        if st.session_state.get(f"default-reading-{key}"):
            st.session_state.pending_default = reading
    _queue(answer.question)


def _queue_typed() -> None:
    _queue(st.session_state.get("typed_question") or "")


def _welcome(app: App) -> None:
    st.markdown("Ask a question about your data in plain words. Simple questions are answered at once by "
                "rules, without any model; the rest by your self-hosted model. nlq checks the SQL, runs it "
                "read-only and shows the table, a chart and the SQL it ran.")
    if app.settings.uses_demo_database:
        st.markdown("You are on the **demo retail database** (orders, products, customers, regions, "
                    "2023–2025). Try one of these:")
        columns = st.columns(2)  # two wide columns: the questions stay readable in full
        for index, question in enumerate(EXAMPLE_QUESTIONS):
            columns[index % 2].button(question, key=f"example-{index}", width="stretch", on_click=_queue,
                                      args=(question,))


def _conversation(messages: list[dict]) -> tuple[Turn, ...]:
    """The turns a follow-up question builds on: those of the latest answer that had SQL."""
    for message in reversed(messages):
        if message["role"] == "assistant" and message["content"].turns():
            return message["content"].turns()
    return ()


def _answer_live(question: str, app: App, edited_sql: str | None = None,
                 history: tuple[Turn, ...] = (), mode: str = Mode.AUTO.value) -> Answer:
    with st.status("Working on it…", expanded=True) as status:  # open, so the reply is seen arriving
        preview = st.empty()
        streamed: list[str] = []

        def on_step(_step: str, label: str) -> None:
            # expanded each time: an update without it clears the state, and the box closes (Streamlit 1.5x)
            status.update(label=f"{label}…", expanded=True)
            status.write(label)

        def on_token(text: str) -> None:
            streamed.append(text)
            preview.code("".join(streamed)[-STREAM_PREVIEW_CHARS:], language="markdown")

        if edited_sql is None:
            answer = ask(question, app.engine, on_step=on_step, on_token=on_token, history=history, mode=mode,
                         choices=tuple(st.session_state.get("choices", ())))
        else:
            answer = run_sql(edited_sql, app.engine, question=question, on_step=on_step)
        preview.empty()
        status.update(label="Answered" if answer.ok else "Could not answer",
                      state="complete" if answer.ok else "error", expanded=False)
    return answer


def chat_page() -> None:
    app = shared_app()
    messages: list[dict] = st.session_state.setdefault("messages", [])
    if render_sidebar(app.engine):
        messages.clear()
        st.session_state.pop("pending_question", None)
        st.session_state.pop("choices", None)
    question = st.session_state.pop("pending_question", None)
    mode = st.session_state.pop("pending_mode", Mode.AUTO.value)
    default = st.session_state.pop("pending_default", None)
    if default is not None:
        _save_default(app, default)
    edit = st.session_state.pop("pending_sql", None)
    st.title("nlq")
    feedback_problem = st.session_state.pop("feedback_problem", None)
    if feedback_problem is not None:
        show_error(feedback_problem, lead="Your feedback was not saved: ")
    if not messages and question is None and edit is None:
        _welcome(app)
    for index, message in enumerate(messages):
        with st.chat_message(message["role"]):
            if message["role"] == "user":
                st.markdown(message["content"])
            else:
                _render(app, message["content"], str(index))
                _feedback(app, message, key=str(index))
    st.chat_input("Ask a question about your data", key="typed_question", on_submit=_queue_typed)
    if edit is not None:
        question, edited_sql = edit
        said = f"Run my edited SQL for “{question}”"
    elif question is not None:
        edited_sql, said = None, question
    else:
        return
    with st.chat_message("user"):
        st.markdown(said)
    with st.chat_message("assistant"):
        answer = _answer_live(question, app, edited_sql, _conversation(messages), mode)
        recorded = app.record(answer, source="app", user=current_user().id)
        message = {"role": "assistant", "content": answer, "id": recorded.id, "not_recorded": _why_not(recorded)}
        _render(app, answer, str(len(messages) + 1))
        _feedback(app, message, key=str(len(messages) + 1))
    messages.append({"role": "user", "content": said})
    messages.append(message)


def _render(app: App, answer: Answer, key: str) -> None:
    may_set_default = current_user().is_admin and app.settings.semantic_model is not None
    render_answer(answer, key=key, on_edit=_queue_edit, may_set_default=may_set_default,
                  on_choose=lambda asked, reading: _queue_choice(asked, reading, key))


def _save_default(app: App, reading: str) -> None:
    """An admin made a reading the default: into the semantic model file, read again at once."""
    path = app.settings.semantic_model
    if path is None or not current_user().is_admin:
        return
    try:
        save_preference(path, reading)
    except OSError as error:
        st.warning(f"Could not save the default reading to {path}: {error.strerror}. Check that nlq may write "
                   "the file.", icon=":material/warning:")
        return
    app.engine.forget_semantic_model()
    st.toast(f"Saved: questions that fork are now read as {reading}.", icon=":material/check:")


def _why_not(recorded: Recorded) -> str | None:
    return recorded.notice or None


def _feedback(app: App, message: dict, key: str) -> None:
    """👍 / 👎 with an optional comment; a 👍 proposes the answer as an example (approved on Examples).
    An answer the store could not record says so instead: there is nothing to attach feedback to."""
    answer_id = message.get("id")
    if answer_id is None:
        if message.get("not_recorded"):
            st.caption(f":material/warning: {message['not_recorded']}")
        return
    given = st.session_state.setdefault("feedback_given", {})
    if answer_id in given:
        st.caption(f"Thanks for your feedback ({'👍' if given[answer_id] > 0 else '👎'})."
                   + (" It is now a candidate example, used once approved on the Examples page."
                      if given[answer_id] > 0 and message["content"].sql else ""))
        return
    rating_column, comment_column, send_column = st.columns([1, 5, 1], vertical_alignment="center")
    rating = rating_column.feedback("thumbs", key=f"rating-{key}")
    comment_column.text_input("Comment", key=f"comment-{key}", placeholder="Comment (optional)",
                              label_visibility="collapsed")
    send_column.button("Send", key=f"send-{key}", disabled=rating is None, on_click=_send_feedback,
                       args=(app, message, key))


def _send_feedback(app: App, message: dict, key: str) -> None:
    rating = st.session_state.get(f"rating-{key}")
    comment = st.session_state.get(f"comment-{key}") or ""
    if rating is None:
        return
    score = 1 if rating == 1 else -1
    try:
        give_feedback(app.store.get(), message["id"], message["content"], score, comment, current_user().id)
    except StoreUnavailable as error:
        st.session_state["feedback_problem"] = error
        return
    st.session_state.setdefault("feedback_given", {})[message["id"]] = score
