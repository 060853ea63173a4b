"""nlq's chat page. It renders; every decision is made by the nlq engine (nlq.pipeline.ask)."""

from __future__ import annotations

import streamlit as st

from nlq.answer import Answer
from nlq.demo import EXAMPLE_QUESTIONS
from nlq.errors import NlqError
from nlq.pipeline import Resources, Turn, ask, open_resources, run_sql
from nlq.settings import Settings, load_settings
from ui.answer_view import render_answer
from ui.sidebar import render_sidebar

STREAM_PREVIEW_CHARS = 600

st.set_page_config(page_title="nlq — ask your data", page_icon=":material/query_stats:", layout="wide")


@st.cache_resource(show_spinner="Preparing the database (the demo database is built on first start)…")
def _resources(settings_json: str) -> Resources:
    return open_resources(Settings.model_validate_json(settings_json))


def _start() -> Resources:
    try:
        settings = load_settings()
        return _resources(settings.model_dump_json())
    except NlqError as error:
        st.error(f"**nlq cannot start: {error.message}**\n\n{error.hint}", icon=":material/error:")
        st.stop()
        raise  # unreachable: st.stop() ends the run


def _queue(question: str) -> None:
    st.session_state.pending_question = question


def _queue_edit(answer: Answer, sql: str) -> None:
    st.session_state.pending_sql = (answer.question, sql)


def _queue_typed() -> None:
    _queue(st.session_state.get("typed_question") or "")


def _welcome(resources: Resources) -> None:
    st.markdown("Ask a question about your data in plain words. Simple questions are answered at once by "
                "rules, without any model; the rest by your self-hosted model. nlq checks the SQL, runs it "
                "read-only and shows the table, a chart and the SQL it ran.")
    if resources.settings.uses_demo_database:
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


def _answer_live(question: str, resources: Resources, edited_sql: str | None = None,
                 history: tuple[Turn, ...] = ()) -> Answer:
    with st.status("Working on it…", expanded=True) as status:  # open, so the reply is seen arriving
        preview = st.empty()
        streamed: list[str] = []

        def on_step(_step: str, label: str) -> None:
            status.update(label=f"{label}…")
            status.write(label)

        def on_token(text: str) -> None:
            streamed.append(text)
            preview.code("".join(streamed)[-STREAM_PREVIEW_CHARS:], language="markdown")

        if edited_sql is None:
            answer = ask(question, resources, on_step=on_step, on_token=on_token, history=history)
        else:
            answer = run_sql(edited_sql, resources, question=question, on_step=on_step)
        preview.empty()
        status.update(label="Answered" if answer.ok else "Could not answer",
                      state="complete" if answer.ok else "error", expanded=False)
    return answer


def main() -> None:
    resources = _start()
    messages: list[dict] = st.session_state.setdefault("messages", [])
    if render_sidebar(resources):
        messages.clear()
        st.session_state.pop("pending_question", None)
    question = st.session_state.pop("pending_question", None)
    edit = st.session_state.pop("pending_sql", None)
    st.title("nlq")
    if not messages and question is None and edit is None:
        _welcome(resources)
    for index, message in enumerate(messages):
        with st.chat_message(message["role"]):
            if message["role"] == "user":
                st.markdown(message["content"])
            else:
                render_answer(message["content"], key=str(index), on_edit=_queue_edit)
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
        answer = _answer_live(question, resources, edited_sql, _conversation(messages))
        render_answer(answer, key=str(len(messages) + 1), on_edit=_queue_edit)
    messages.append({"role": "user", "content": said})
    messages.append({"role": "assistant", "content": answer})


main()
