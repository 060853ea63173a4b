"""Every page in Streamlit's AppTest, empty and with data: History, Schema, Usage & cost, Examples — and
the chat's feedback, which feeds them."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from nlq.pipeline import ask
from nlq.services import App
from nlq.teaching import give_feedback


@pytest.fixture
def page(app_test: Callable[..., AppTest]) -> Callable[..., AppTest]:
    def open_page(name: str, **environ: str) -> AppTest:
        return app_test("streamlit_app.py" if name == "app" else f"pages/{name}", **environ)
    return open_page


@pytest.fixture
def with_data(make_app: Callable[..., App], store_url: str) -> App:
    """Three answers in the log: two by rules (one with a 👍), one by the stand-in model."""
    app = make_app(NLQ_APP_DB_URL=store_url, NLQ_RULES="true")
    first = ask("Revenue by region in 2024", app.engine)
    give_feedback(app.store.get(), app.record(first, "app").id, first, 1, "good", "local")
    app.record(ask("Total revenue", app.engine), "cli")
    app.record(ask("Monthly revenue in 2025", app.engine, mode="model"), "app")
    return app


@pytest.mark.parametrize(("name", "expected"), [
    ("1_History.py", "No questions yet"), ("3_Usage_and_cost.py", "No questions yet"),
])
def test_pages_when_nothing_was_asked(page: Callable[..., AppTest], name: str, expected: str) -> None:
    at = page(name)
    assert expected in at.info[0].value


def test_history_searches_opens_and_reruns(page: Callable[..., AppTest], with_data: App) -> None:
    at = page("1_History.py")
    assert at.dataframe[0].value.shape[0] == 3
    assert list(at.dataframe[0].value["question"]) == ["Monthly revenue in 2025", "Total revenue",
                                                       "Revenue by region in 2024"]
    at.multiselect(key="history-routes").set_value(["rules"]).run()
    assert at.dataframe[0].value.shape[0] == 2
    at.text_input(key="history-text").set_value("region").run()
    assert list(at.dataframe[0].value["question"]) == ["Revenue by region in 2024"]
    assert at.dataframe[0].value["rating"][0] == 1
    assert at.download_button[0].label == "Export the log as CSV"
    entry_id = at.selectbox(key="history-open").value
    at.button(key=f"history-rerun-{entry_id}").click().run()
    assert not at.exception
    assert at.dataframe[1].value.shape == (5, 2)  # the re-run answer's table
    assert "FROM order_lines" in at.code[0].value


def test_rerunning_a_rules_answer_from_history_says_so_once(page: Callable[..., AppTest], with_data: App) -> None:
    """Issue 16: a re-run read "Edited SQL · Your SQL", was logged as edited, and showed its SQL twice."""
    at = page("1_History.py")
    at.text_input(key="history-text").set_value("region").run()
    entry_id = at.selectbox(key="history-open").value
    assert len(at.code) == 1
    at.button(key=f"history-rerun-{entry_id}").click().run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Re-run · 5 rows") for c in captions), captions
    assert not any("Edited SQL" in c for c in captions)
    assert len(at.code) == 1, "the SQL is shown once, with the answer"
    assert any("Re-run from History" in c for c in captions)
    assert any("Re-run]" in m.value for m in at.markdown), "the route's badge"
    latest = with_data.store.get().log.entries(limit=1)
    assert list(latest["route"]) == ["rerun"]


def test_history_table_shows_blanks_not_none(page: Callable[..., AppTest], make_app: Callable[..., App],
                                            store_url: str) -> None:
    app = make_app(NLQ_APP_DB_URL=store_url)
    app.record(ask("   ", app.engine), "app")  # failed: no rows; and nobody rated anything
    table = page("1_History.py").dataframe[0].value
    for column in ("row_count", "rating"):
        assert "None" not in {str(v) for v in table[column]}, table[column]
        assert str(table[column].dtype) in ("Int64", "float64")


def test_schema_shows_tables_columns_and_exclusions(page: Callable[..., AppTest]) -> None:
    at = page("2_Schema.py", NLQ_EXCLUDE_TABLES="returns")
    assert len(at.expander) == 9
    assert "returns" in at.warning[0].value
    at.text_input(key="schema-search").set_value("segment").run()
    assert len(at.expander) == 1 and "customers" in at.expander[0].label
    columns = at.dataframe[0].value
    assert "Consumer" in columns.loc[columns["column"] == "segment", "sample values"].iloc[0]


def test_schema_says_which_columns_are_hidden_and_why(page: Callable[..., AppTest]) -> None:
    at = page("2_Schema.py", NLQ_EXCLUDE_COLUMNS="customers.city")
    assert "`customers.city` (named in NLQ_EXCLUDE_COLUMNS)" in at.warning[0].value
    assert "NLQ_EXPOSE_COLUMNS" in at.warning[0].value
    at.text_input(key="schema-search").set_value("segment").run()
    assert "city" not in set(at.dataframe[0].value["column"])


def test_schema_page_of_a_database_without_tables(page: Callable[..., AppTest], tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).close()
    at = page("2_Schema.py", NLQ_DATABASE_URL=f"sqlite:///{empty}")
    assert "no tables" in at.info[0].value and not at.expander


def test_usage_and_cost(page: Callable[..., AppTest], with_data: App) -> None:
    at = page("3_Usage_and_cost.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Questions"] == "3" and metrics["Without a model"] == "67%"
    assert metrics["Answered at zero model cost"] == "2"
    assert metrics["Self-hosted, per question"].startswith("$") and metrics["Hosted API, per question"] != "$0.00000"
    assert len(at.get("plotly_chart")) == 4  # per day, route mix, tokens per answer, break-even
    assert "questions a month" in at.markdown[-1].value
    at.selectbox[0].set_value("g5.xlarge on demand").run()
    assert not at.exception


def test_examples_page_approves_a_candidate(page: Callable[..., AppTest], with_data: App) -> None:
    at = page("4_Examples.py")
    assert at.tabs[0].label == "Candidates (1)" and at.tabs[1].label == "Approved (0)"
    [candidate] = with_data.store.get().examples.all()
    at.button(key=f"approve-{candidate.id}").click().run()
    assert not at.exception
    assert "approved" in at.success[0].value
    assert at.tabs[1].label == "Approved (1)"
    assert at.download_button[0].label == "Export approved examples (JSONL)"


def test_examples_page_when_empty(page: Callable[..., AppTest]) -> None:
    at = page("4_Examples.py")
    assert at.tabs[0].label == "Candidates (0)"
    assert any("A 👍 on an answer proposes it here" in c.value for c in at.caption)


def test_feedback_from_the_chat_reaches_history_and_examples(page: Callable[..., AppTest],
                                                            with_data: App) -> None:
    at = page("app", NLQ_RULES="true")
    at.button(key="example-3").click().run()  # "How many orders per sales channel?"
    at.get("feedback")[0].set_value(1).run()
    at.text_input(key="comment-1").set_value("right").run()
    at.button(key="send-1").click().run()
    assert not at.exception
    assert any("candidate example" in c.value for c in at.caption)
    log = with_data.store.get().log.entries()
    assert log["question"][0] == "How many orders per sales channel?" and log["comment"][0] == "right"
    assert "How many orders per sales channel?" in [e.question for e in with_data.store.get().examples.all()]
    assert [b.label for b in at.download_button] == ["Download CSV", "Download Excel"]


def test_an_unreachable_store_is_a_message_not_a_traceback(page: Callable[..., AppTest]) -> None:
    at = page("1_History.py", NLQ_APP_DB_URL="postgresql://nobody@127.0.0.1:9/x?connect_timeout=2")
    assert "store could not be opened" in at.error[0].value and "NLQ_APP_DB_URL" in at.error[0].value


def test_with_the_store_down_the_chat_still_answers_and_says_it_was_not_recorded(
        page: Callable[..., AppTest]) -> None:
    at = page("app", NLQ_RULES="true", NLQ_APP_DB_URL="postgresql://nobody@127.0.0.1:9/x?connect_timeout=2")
    at.button(key="example-0").click().run()  # "Revenue by region in 2024"
    assert not at.exception and not at.error
    assert at.dataframe[0].value.shape == (5, 2)
    notes = " ".join(c.value for c in at.caption)
    assert "This answer was not recorded in History" in notes and "NLQ_APP_DB_URL" in notes
    assert not at.get("feedback"), "nothing to attach feedback to"
