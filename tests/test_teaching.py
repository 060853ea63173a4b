"""Feedback that teaches only through approval: 👍 → candidate → approval (SQL re-run and vetted) → used in
the next prompt; stale when the schema changes; JSONL import and export."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nlq.access import User
from nlq.errors import AdminOnly, InputError, NotFound
from nlq.pipeline import ask
from nlq.services import App, open_app
from nlq.settings import load_settings
from nlq.store.examples import APPROVED, CANDIDATE, STALE
from nlq.teaching import (
    approve,
    check_for_schema_change,
    delete_example,
    edit_example,
    export_jsonl,
    give_feedback,
    import_jsonl,
)
from tests.support.standin_model import Rule, Script, StandinModelServer

ADMIN = User("admin@example.com", "Admin", is_admin=True, signed_in=True)
ANALYST = User("ana@example.com", "Ana", is_admin=False, signed_in=True)
TAUGHT_SQL = "SELECT channel, COUNT(*) AS orders FROM orders GROUP BY channel"


@pytest.fixture
def model() -> Iterator[StandinModelServer]:
    server = StandinModelServer(Script(rules=[Rule(match="", reply=f"```sql\n{TAUGHT_SQL}\n```")])).start()
    yield server
    server.stop()


@pytest.fixture
def opened(demo_dir: Path, tmp_path: Path, model: StandinModelServer) -> Iterator[Callable[..., App]]:
    shutil.copy(demo_dir / "demo.sqlite", tmp_path / "demo.sqlite")
    apps: list[App] = []

    def make(**overrides: str) -> App:
        environ = {"NLQ_DATA_DIR": str(tmp_path), "NLQ_MODEL_URL": model.url, "NLQ_RULES": "false",
                   "NLQ_CACHE": "false", **overrides}
        apps.append(open_app(load_settings(environ, secrets_path=None)))
        return apps[-1]

    yield make
    for app in apps:
        app.close()


def _prompt_text(model: StandinModelServer) -> str:
    return " ".join(str(m.get("content", "")) for m in model.requests[-1]["messages"])


def test_a_thumbs_up_teaches_only_after_approval(opened: Callable[..., App],
                                                 model: StandinModelServer) -> None:
    app = opened()
    engine, store = app.engine, app.store.get()
    answer = ask("Orders split by sales channel please", engine)
    answer_id = store.log.record(answer, "ana", "app")
    give_feedback(store, answer_id, answer, 1, "exactly right", "ana")
    [candidate] = store.examples.all(CANDIDATE)
    assert candidate.question == "Orders split by sales channel please" and candidate.answer_id == answer_id
    ask("Orders split by channel", engine)
    assert "Orders split by sales channel please" not in _prompt_text(model)  # a candidate teaches nothing

    result = approve(store, engine, candidate.id, ADMIN)
    assert result.ok and store.examples.get(candidate.id).status == APPROVED
    ask("Orders split by channel", engine)
    prompt = _prompt_text(model)
    assert "Orders split by sales channel please" in prompt and TAUGHT_SQL.split(" FROM")[0] in prompt
    # a restarted app still uses it
    ask("Orders split by channel", opened().engine)
    assert "Orders split by sales channel please" in _prompt_text(model)


def test_a_thumbs_down_or_a_failed_answer_proposes_nothing(opened: Callable[..., App]) -> None:
    app = opened()
    engine, store = app.engine, app.store.get()
    answer = ask("Orders by channel", engine)
    give_feedback(store, store.log.record(answer, "ana", "app"), answer, -1, "wrong", "ana")
    assert store.examples.all() == []
    assert store.log.entries()["rating"][0] == -1


def test_approval_reruns_the_sql_and_refuses_what_fails(opened: Callable[..., App]) -> None:
    app = opened()
    engine, store = app.engine, app.store.get()
    broken = store.examples.add("Orders by colour", "SELECT colour FROM orders", "ana")
    hostile = store.examples.add("Drop orders", "DELETE FROM orders", "ana")
    assert not approve(store, engine, broken, ADMIN).ok
    refused = approve(store, engine, hostile, ADMIN)
    assert not refused.ok and refused.error.kind == "refused"
    assert {e.status for e in store.examples.all()} == {CANDIDATE}
    assert len(engine.examples()) == 10  # only the demo file's ten
    with pytest.raises(NotFound):
        approve(store, engine, 999, ADMIN)


def test_a_schema_change_makes_examples_stale(opened: Callable[..., App], tmp_path: Path) -> None:
    app = opened()
    engine, store = app.engine, app.store.get()
    keep = store.examples.add("Orders by channel", TAUGHT_SQL, "ana")
    lose = store.examples.add("Returns by reason", "SELECT reason, COUNT(*) FROM returns GROUP BY reason", "ana")
    assert approve(store, engine, keep, ADMIN).ok and approve(store, engine, lose, ADMIN).ok
    assert check_for_schema_change(store, engine) == []
    with sqlite3.connect(tmp_path / "demo.sqlite") as connection:
        connection.execute("ALTER TABLE returns RENAME TO product_returns")
    changed = opened().engine
    assert check_for_schema_change(store, changed) == [lose]
    assert store.examples.get(lose).status == STALE and "no longer passes" in store.examples.get(lose).note
    assert store.examples.get(keep).status == APPROVED
    questions = [e.question for e in changed.examples()]
    assert "Orders by channel" in questions and "Returns by reason" not in questions


def test_edit_asks_for_approval_again_and_jsonl_round_trips(opened: Callable[..., App]) -> None:
    app = opened()
    engine, store = app.engine, app.store.get()
    example = store.examples.add("Orders by channel", TAUGHT_SQL, "ana")
    approve(store, engine, example, ADMIN)
    assert export_jsonl(store) == '{"question": "Orders by channel", "sql": "' + TAUGHT_SQL + '"}\n'
    edit_example(store, engine, example, "Orders per channel", TAUGHT_SQL, ADMIN)
    assert store.examples.get(example).status == CANDIDATE
    added = import_jsonl(store, '{"question": "Customers", "sql": "SELECT COUNT(*) FROM customers"}\n\n', "ben")
    assert added == 1 and [e.status for e in store.examples.all()] == [CANDIDATE, CANDIDATE]
    with pytest.raises(InputError, match="Line 1"):
        import_jsonl(store, "not json", "ben")


def test_a_thumbs_up_on_corrected_sql_proposes_the_correction(opened: Callable[..., App]) -> None:
    from nlq.pipeline import run_sql

    app = opened()
    engine, store = app.engine, app.store.get()
    corrected = run_sql("SELECT channel, COUNT(*) AS orders FROM orders WHERE status <> 'cancelled' GROUP BY channel",
                        engine, question="Orders by channel")
    give_feedback(store, store.log.record(corrected, "ana", "app"), corrected, 1, "", "ana")
    [candidate] = store.examples.all(CANDIDATE)
    assert candidate.question == "Orders by channel" and "cancelled" in candidate.sql


def test_only_admins_approve_edit_or_delete_examples(opened: Callable[..., App]) -> None:
    """The guard sits in the engine, not only in the page that hides the buttons."""
    app = opened()
    engine, store = app.engine, app.store.get()
    example = store.examples.add("Orders by channel", TAUGHT_SQL, ANALYST.id)
    for action in (lambda: approve(store, engine, example, ANALYST),
                   lambda: edit_example(store, engine, example, "Changed", "SELECT 1", ANALYST),
                   lambda: delete_example(store, engine, example, ANALYST)):
        with pytest.raises(AdminOnly, match="Only an admin") as raised:
            action()
        assert "NLQ_ADMINS" in raised.value.hint
    unchanged = store.examples.get(example)
    assert unchanged.status == CANDIDATE and unchanged.question == "Orders by channel"
    assert approve(store, engine, example, ADMIN).ok
    assert store.examples.get(example).approved_by == ADMIN.id
    delete_example(store, engine, example, ADMIN)
    assert store.examples.get(example) is None
