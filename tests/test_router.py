"""The router on real parts: rules answer without any model request, hand-overs reach the stand-in model
with their reason, and the question → SQL cache skips the model for repeats until the schema changes."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nlq.cache import normalize_question
from nlq.engine import Engine
from nlq.pipeline import Turn, ask
from nlq.services import App, open_app
from nlq.settings import load_settings
from tests.support.postgres import PostgresServer
from tests.support.standin_model import Rule, Script, StandinModelServer

GROWTH_SQL = ("SELECT strftime('%Y', order_date) AS year, COUNT(*) AS orders FROM orders GROUP BY year ORDER BY year")
HARD = "How has the number of orders grown each year?"  # "grown": not a word the rules know


@pytest.fixture
def model() -> Iterator[StandinModelServer]:
    server = StandinModelServer(Script(rules=[Rule(match="grown", reply=f"```sql\n{GROWTH_SQL}\n```")])).start()
    yield server
    server.stop()


@pytest.fixture
def data_dir(demo_dir: Path, tmp_path: Path) -> Path:
    """A copy of the demo with a cache of its own, so tests can change the schema and fill the cache."""
    shutil.copy(demo_dir / "demo.sqlite", tmp_path / "demo.sqlite")
    return tmp_path


@pytest.fixture
def opened(data_dir: Path, model: StandinModelServer) -> Iterator[Callable[..., Engine]]:
    """The engine as the app opens it: the cache and examples in the store of ``data_dir``."""
    apps: list[App] = []

    def make(**overrides: str) -> Engine:
        environ = {"NLQ_DATA_DIR": str(data_dir), "NLQ_MODEL_URL": model.url, **overrides}
        apps.append(open_app(load_settings(environ, secrets_path=None)))
        return apps[-1].engine

    yield make
    for app in apps:
        app.close()


def test_rules_answer_without_any_model_request(opened: Callable[..., Engine], model: StandinModelServer) -> None:
    answer = ask("Revenue by region in 2024", opened())
    assert answer.ok and answer.route == "rules" and answer.model is None
    assert model.requests == []
    assert "without a model" in answer.route_reason and "revenue · by region · in 2024" in answer.route_reason
    assert "without a model" in answer.status_line
    assert answer.to_dict()["route"] == "rules" and answer.to_dict()["understood"] == "revenue · by region · in 2024"
    assert answer.sent_to.startswith("nothing") and answer.to_dict()["sent_to"] == answer.sent_to


def test_a_hand_over_goes_to_the_model_with_its_reason(opened: Callable[..., Engine],
                                                       model: StandinModelServer) -> None:
    answer = ask(HARD, opened())
    assert answer.ok, answer.error
    assert answer.route == "model" and answer.model == "qwen2.5-coder:7b"
    assert "grown" in answer.route_reason
    assert len(model.requests) == 1
    host = model.url.split("//")[1]
    assert answer.sent_to == (f"the question and the schema of {len(answer.tables_in_prompt)} tables to the "
                              f"self-hosted model server at {host}")


def test_route_model_skips_the_rules_and_route_rules_never_calls_a_model(
        opened: Callable[..., Engine], model: StandinModelServer) -> None:
    engine = opened()
    by_model = ask("Total revenue", engine, mode="model")
    assert by_model.route == "model" and len(model.requests) == 1
    refused = ask(HARD, engine, mode="rules")
    assert not refused.ok and refused.error.kind == "handed_over" and refused.route == "rules"
    assert len(model.requests) == 1


def test_rules_can_be_switched_off(opened: Callable[..., Engine], model: StandinModelServer) -> None:
    answer = ask("Total revenue", opened(NLQ_RULES="false"))
    assert answer.route == "model" and len(model.requests) == 1


def test_a_repeat_is_answered_from_the_cache(opened: Callable[..., Engine], model: StandinModelServer) -> None:
    engine = opened()
    first = ask(HARD, engine)
    again = ask("  how has the NUMBER of orders grown each year ", engine)
    assert first.route == "model" and again.route == "cache"
    assert again.model is None and "Asked before" in again.route_reason
    assert len(model.requests) == 1
    assert again.frame.equals(first.frame)
    # the cache is in the store: a restarted app still has it
    assert ask(HARD, opened()).route == "cache" and len(model.requests) == 1


def test_a_schema_change_invalidates_the_cache(opened: Callable[..., Engine], model: StandinModelServer,
                                               data_dir: Path) -> None:
    ask(HARD, opened())
    with sqlite3.connect(data_dir / "demo.sqlite") as connection:
        connection.execute("ALTER TABLE orders ADD COLUMN coupon TEXT")
    answer = ask(HARD, opened())
    assert answer.route == "model" and len(model.requests) == 2
    with sqlite3.connect(data_dir / "app.sqlite") as connection:  # the stale entry was pruned
        assert connection.execute("SELECT COUNT(*) FROM cached_sql").fetchone()[0] == 1


def test_cached_sql_that_fails_is_forgotten_and_the_model_answers(
        opened: Callable[..., Engine], model: StandinModelServer) -> None:
    engine = opened()
    engine.cache.put(engine.cache_key(HARD), "SELECT no_such_column FROM orders", "old-model")
    answer = ask(HARD, engine)
    assert answer.ok and answer.route == "model" and len(model.requests) == 1
    assert engine.cache.get(engine.cache_key(HARD)).sql == answer.sql


def test_follow_ups_and_the_rules_never_fill_the_cache(opened: Callable[..., Engine],
                                                        model: StandinModelServer) -> None:
    engine = opened()
    ask("Total revenue", engine)
    assert engine.cache.get(engine.cache_key("Total revenue")) is None
    earlier = (Turn("Orders by year", "SELECT 1"),)
    ask(HARD, engine, history=earlier)
    assert engine.cache.get(engine.cache_key(HARD)) is None
    assert ask(HARD, engine, history=earlier).route == "model" and len(model.requests) == 2


def test_the_cache_can_be_switched_off(opened: Callable[..., Engine], model: StandinModelServer) -> None:
    engine = opened(NLQ_CACHE="false")
    ask(HARD, engine)
    assert ask(HARD, engine).route == "model" and len(model.requests) == 2


@pytest.mark.parametrize(("question", "key"), [
    ("Revenue by region?", "revenue by region"),
    ("  REVENUE   by region!! ", "revenue by region"),
    ("“Revenue” by region.", "revenue by region"),
])
def test_normalized_questions(question: str, key: str) -> None:
    assert normalize_question(question) == key


def test_an_answer_keeps_why_the_cheaper_routes_did_not_answer(opened: Callable[..., Engine]) -> None:
    answer = ask(HARD, opened())
    assert [note.route for note in answer.declined] == ["rules", "cache"]
    rules_note, cache_note = answer.declined
    assert "grown" in rules_note.reason and rules_note.reason == answer.route_reason
    assert "Not asked before" in cache_note.reason
    assert answer.to_dict()["declined"][0] == {"route": "rules", "reason": rules_note.reason}
    assert ask("Total revenue", opened()).declined == ()  # the cheapest route answered


def test_rules_sql_that_fails_hands_over_to_the_model(opened: Callable[..., Engine], model: StandinModelServer,
                                                      data_dir: Path) -> None:
    """Data the catalog saw changed under it: the rules' SQL fails, the model answers and says why."""
    engine = opened()
    engine.catalog()  # built while order_lines still has its discount column
    with sqlite3.connect(data_dir / "demo.sqlite") as connection:
        connection.execute("ALTER TABLE order_lines DROP COLUMN discount")
    answer = ask("Total revenue", engine)
    assert answer.route == "model" and answer.route_reason.startswith("The rules' SQL failed (database_error)")
    assert answer.declined[0].route == "rules" and "database_error" in answer.declined[0].reason
    assert len(model.requests) == 1


def test_app_instances_sharing_a_postgres_store_share_the_cache(data_dir: Path, model: StandinModelServer,
                                                                postgres: PostgresServer) -> None:
    store = postgres.create_database("shared_store")
    environ = {"NLQ_DATA_DIR": str(data_dir), "NLQ_MODEL_URL": model.url, "NLQ_APP_DB_URL": store}
    first, second = (open_app(load_settings(environ, secrets_path=None)) for _ in range(2))
    try:
        assert ask(HARD, first.engine).route == "model"
        again = ask(HARD, second.engine)
        assert again.route == "cache" and again.ok and len(model.requests) == 1
    finally:
        first.close()
        second.close()
