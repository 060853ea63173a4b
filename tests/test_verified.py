"""Verified answers: an admin's checked SQL answers a question that means the same (same text, or the rules'
same reading) first, on route ``verified``, with no model; it goes stale when the schema changes under it,
and a stale one never answers. On real SQLite and real PostgreSQL, as the database asked and as the store."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from streamlit.testing.v1 import AppTest

from nlq.access import LOCAL_USER, User
from nlq.answer import NOTHING_SENT
from nlq.costs import FREE_ROUTES, usage_figures
from nlq.errors import AdminOnly, ErrorKind, InputError
from nlq.pipeline import ask
from nlq.route import Route
from nlq.services import App, open_app
from nlq.settings import load_settings
from nlq.store.tables import answers
from nlq.store.verified import NewVerified
from nlq.teaching import check_verified_for_schema_change, delete_verified, verify, verify_logged
from nlq.verified import STALE, VERIFIED, question_key
from tests.support.common import ROOT
from tests.support.postgres import PostgresServer
from tests.support.standin_model import Rule, Script, StandinModelServer

ADMIN = User("ana@example.com", "Ana", is_admin=True, signed_in=True)
ANALYST = User("ben@example.com", "Ben", is_admin=False, signed_in=True)
TINY = [
    "CREATE TABLE sales (id INTEGER PRIMARY KEY, region TEXT NOT NULL, amount NUMERIC NOT NULL)",
    "INSERT INTO sales (id, region, amount) VALUES (1, 'North', 10), (2, 'North', 5), (3, 'South', 7), (4, 'East', 3)",
]
CHECKED_SQL = "SELECT region, SUM(amount) AS amount FROM sales WHERE region <> 'East' GROUP BY region ORDER BY region"
MODEL_SQL = "SELECT COUNT(*) AS n FROM sales"


@pytest.fixture
def model() -> Iterator[StandinModelServer]:
    server = StandinModelServer(Script(rules=[Rule(match="", reply=f"```sql\n{MODEL_SQL}\n```")])).start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def tiny(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """(database URL, store URL): a small sales table and a fresh store, both on the backend under test."""
    if request.param == "sqlite":
        database, store = f"sqlite:///{tmp_path / 'tiny.sqlite'}", f"sqlite:///{tmp_path / 'app.sqlite'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        name = f"v{abs(hash(tmp_path.name)) % 10**8}"
        database, store = server.create_database(f"{name}_db"), server.create_database(f"{name}_app")
    _execute(database, *TINY)
    return database, store


@pytest.fixture
def opened(tmp_path: Path, model: StandinModelServer) -> Iterator[Callable[..., App]]:
    apps: list[App] = []

    def make(database: str, store: str, **overrides: str) -> App:
        environ = {"NLQ_DATA_DIR": str(tmp_path), "NLQ_MODEL_URL": model.url, "NLQ_DATABASE_URL": database,
                   "NLQ_APP_DB_URL": store, "NLQ_RULES": "true", "NLQ_CACHE": "false", **overrides}
        apps.append(open_app(load_settings(environ, secrets_path=None)))
        return apps[-1]

    yield make
    for app in apps:
        app.close()


@pytest.fixture
def demo(demo_dir: Path, tmp_path: Path, opened: Callable[..., App]) -> Callable[[], App]:
    """The demo database (a copy this test may change) with rules on and a store of its own."""
    shutil.copy(demo_dir / "demo.sqlite", tmp_path / "demo.sqlite")
    return lambda: opened(f"sqlite:///{tmp_path / 'demo.sqlite'}", f"sqlite:///{tmp_path / 'app.sqlite'}")


def _execute(url: str, *statements: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def _rows(answer_frame: object) -> list[tuple[object, ...]]:
    return [tuple(row) for row in answer_frame.itertuples(index=False)]  # type: ignore[attr-defined]


def test_a_verified_answer_answers_a_reworded_question_and_goes_stale_after_a_schema_change(
        tiny: tuple[str, str], opened: Callable[..., App], model: StandinModelServer) -> None:
    """The issue's done-when, on each backend: same text and same rules reading both answer from the verified
    SQL (not the rules' own), with no model; after a column is renamed it goes stale and never answers."""
    database, store_url = tiny
    app = opened(database, store_url)
    made = verify(app.store.get(), app.engine, ADMIN, "Amount by region", CHECKED_SQL, title="Regional amount")
    assert made.ok, made.error
    [saved] = app.store.get().verified.all()
    assert saved.status == VERIFIED and saved.verified_by == ADMIN.id and saved.title == "Regional amount"
    assert saved.understanding_key and saved.question_key == question_key("amount by region?")

    for question in ("amount by region?", "Total amount per region", "sum of amount for each region"):
        answer = ask(question, app.engine)
        assert answer.ok, answer.error
        assert answer.route is Route.VERIFIED, (question, answer.route_reason)
        assert _rows(answer.frame) == [("North", 15), ("South", 7)]  # the checked SQL's rows, not the rules'
        assert answer.verified is not None and answer.verified.verified_by == ADMIN.id
        assert answer.verified.badge.startswith("Verified by ana@example.com on ")
        assert answer.sent_to == NOTHING_SENT and answer.model is None and not model.requests
    assert ask("amount by region", app.engine, mode="rules").route is Route.RULES  # a pinned tier is that tier

    _execute(database, "ALTER TABLE sales RENAME COLUMN amount TO value")
    changed = opened(database, store_url)  # a restart sees the new schema
    answer = ask("Amount by region", changed.engine)  # vetting passes a renamed column; the database does not
    assert answer.route is not Route.VERIFIED
    [stale] = changed.store.get().verified.all()
    assert stale.status == STALE and "no longer passes" in (stale.note or "")
    assert any(note.route is Route.VERIFIED for note in answer.declined)
    again = ask("amount by region", changed.engine)  # stale: never answers again, not even the exact text
    assert again.route is not Route.VERIFIED and all(note.route is not Route.VERIFIED for note in again.declined)


def test_a_stale_verified_answer_never_answers_and_the_question_falls_through(demo: Callable[[], App]) -> None:
    app = demo()
    store, engine = app.store.get(), app.engine
    assert verify(store, engine, ADMIN, "Revenue by country", "SELECT 1 AS one").ok
    assert ask("revenue by country", engine).route is Route.VERIFIED
    [entry] = store.verified.all()
    store.verified.mark_stale(entry.id, "checked by hand")
    answer = ask("revenue by country", engine)
    assert answer.ok and answer.route is Route.RULES and answer.verified is None


def test_a_schema_change_check_marks_stale_what_no_longer_passes(demo: Callable[[], App], tmp_path: Path) -> None:
    app = demo()
    store, engine = app.store.get(), app.engine
    assert verify(store, engine, ADMIN, "Orders by channel", "SELECT channel, COUNT(*) AS n FROM orders "
                  "GROUP BY channel").ok
    assert verify(store, engine, ADMIN, "Returns by reason", "SELECT reason, COUNT(*) AS n FROM returns "
                  "GROUP BY reason").ok
    keep, lose = (v.id for v in store.verified.all())
    assert check_verified_for_schema_change(store, engine) == []
    assert {"Orders by channel", "Returns by reason"} <= {e.question for e in engine.examples()}  # the model sees them
    with sqlite3.connect(tmp_path / "demo.sqlite") as connection:
        connection.execute("ALTER TABLE returns RENAME TO product_returns")
    changed = demo()
    assert check_verified_for_schema_change(store, changed.engine) == [lose]
    assert store.verified.get(lose).status == STALE and store.verified.get(keep).status == VERIFIED
    questions = {e.question for e in changed.engine.examples()}
    assert "Orders by channel" in questions and "Returns by reason" not in questions
    assert ask("orders by channel", changed.engine).route is Route.VERIFIED  # still passes: still answers


def test_only_an_admin_verifies_and_hostile_or_broken_sql_is_never_saved(demo: Callable[[], App]) -> None:
    app = demo()
    store, engine = app.store.get(), app.engine
    with pytest.raises(AdminOnly, match="Only an admin may verify answers"):
        verify(store, engine, ANALYST, "Revenue by country", "SELECT 1")
    refused = verify(store, engine, ADMIN, "Revenue by country", "DELETE FROM orders")
    assert not refused.ok and refused.error.kind is ErrorKind.REFUSED
    broken = verify(store, engine, ADMIN, "Revenue by country", "SELECT colour FROM orders")
    assert not broken.ok
    with pytest.raises(InputError):
        verify(store, engine, ADMIN, "  ", "SELECT 1")
    assert store.verified.all() == []
    assert ask("revenue by country", engine).route is Route.RULES
    recorded = app.record(ask("revenue by region", engine), "app").id
    with pytest.raises(AdminOnly):
        verify_logged(store, engine, ANALYST, recorded)
    with pytest.raises(AdminOnly):
        delete_verified(store, engine, 1, ANALYST)


def test_verified_sql_is_vetted_again_when_it_answers(demo: Callable[[], App],
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """SQL written into the store behind nlq's back is still vetted before it runs: refused, it goes stale and
    the rules answer. The warning it leaves names no question (NLQ_LOG_QUESTIONS is off by default)."""
    app = demo()
    store, engine = app.store.get(), app.engine
    store.verified.save(NewVerified("Revenue by country", question_key("Revenue by country"), None,
                                    "DELETE FROM orders", engine.identity, engine.fingerprint(), ADMIN.id))
    with caplog.at_level(logging.WARNING, logger="nlq"):
        answer = ask("revenue by country", engine)
    assert caplog.records and not any("revenue by country" in r.getMessage().lower() for r in caplog.records)
    assert answer.ok and answer.route is Route.RULES
    assert any(note.route is Route.VERIFIED and "refused" in note.reason for note in answer.declined)
    [entry] = store.verified.all()
    assert entry.status == STALE
    with sqlite3.connect(engine.settings.effective_database_url.removeprefix("sqlite:///")) as connection:
        assert connection.execute("SELECT COUNT(*) FROM orders").fetchone()[0] > 0


def test_verified_from_the_log_is_recorded_free_and_filterable(demo: Callable[[], App]) -> None:
    app = demo()
    store, engine = app.store.get(), app.engine
    first = app.record(ask("revenue by country", engine), "app").id
    assert first is not None and verify_logged(store, engine, ADMIN, first, title="Revenue by country").ok
    assert store.verified.all()[0].answer_id == first
    answer = ask("Sales by country", engine)  # the rules read it as "revenue · by country"
    assert answer.route is Route.VERIFIED and answer.status_line.endswith("verified answer, without a model")
    recorded = app.record(answer, "app").id
    with store.engine.connect() as connection:
        logged = connection.execute(select(answers.c.route, answers.c.verified_id)
                                    .where(answers.c.id == recorded)).one()
    assert logged.route == "verified" and logged.verified_id == store.verified.all()[0].id
    entries = store.log.entries(routes=["verified"])
    assert list(entries["id"]) == [recorded]
    assert "verified" in FREE_ROUTES and usage_figures(store.log.entries()).free_answers == 2
    assert Route.VERIFIED.free and not Route.VERIFIED.uses_model
    delete_verified(store, engine, store.verified.all()[0].id, ADMIN)
    assert ask("Sales by country", engine).route is Route.RULES


def test_a_question_later_in_a_conversation_is_matched_on_its_own_words(demo: Callable[[], App]) -> None:
    """As the rules read it: the chat sends every question after the first with the conversation."""
    from nlq.answer import Turn

    app = demo()
    assert verify(app.store.get(), app.engine, ADMIN, "Revenue by country", "SELECT 1 AS one").ok
    history = (Turn("revenue by region", "SELECT 1"),)
    assert ask("Sales by country", app.engine, history=history).route is Route.VERIFIED
    assert ask("now by month", app.engine, history=history).route is not Route.VERIFIED


def test_the_cli_verifies_and_ask_json_shows_the_verified_route_with_exit_code_0(
        demo: Callable[[], App], tmp_path: Path, model: StandinModelServer) -> None:
    demo().close()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NLQ_")}
    env = {**clean, "NLQ_DATA_DIR": str(tmp_path), "NLQ_MODEL_URL": model.url, "NLQ_CACHE": "false",
           "NLQ_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite'}",
           "NLQ_APP_DB_URL": f"sqlite:///{tmp_path / 'app.sqlite'}"}

    def nlq(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "nlq", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)

    added = nlq("verified", "add", "Revenue by country", "--sql", "SELECT 1 AS one", "--title", "One",
                "--by", ADMIN.id)
    assert added.returncode == 0, added.stderr
    refused = nlq("verified", "add", "Orders", "--sql", "DELETE FROM orders")
    assert refused.returncode == 1 and "Not verified" in refused.stdout
    done = nlq("ask", "Total revenue by country", "--json")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed["route"] == "verified" and printed["rows"] == [[1]] and printed["error"] is None
    assert printed["verified"]["verified_by"] == ADMIN.id and printed["verified"]["title"] == "One"
    assert printed["verified"]["question"] == "Revenue by country"
    [listed] = [json.loads(line) for line in nlq("verified", "list", "--json").stdout.splitlines()]
    assert listed["status"] == "verified" and listed["sql"] == "SELECT 1 AS one"
    assert nlq("verified", "check").returncode == 0
    assert nlq("verified", "delete", str(listed["id"])).returncode == 0
    assert json.loads(nlq("ask", "Total revenue by country", "--json").stdout)["route"] == "rules"


def test_a_store_that_cannot_be_reached_costs_no_answer(make_app: Callable[..., App]) -> None:
    app = make_app(NLQ_APP_DB_URL="postgresql://nobody@127.0.0.1:9/x?connect_timeout=2", NLQ_RULES="true")
    answer = ask("revenue by country", app.engine)
    assert answer.ok and answer.route is Route.RULES


def test_pages_show_and_filter_the_verified_route(app_test: Callable[..., AppTest], store_url: str,
                                                  make_app: Callable[..., App]) -> None:
    """The chat's badge names who verified it; History's route filter offers the route; the Examples page lists
    verified answers, a stale one with its reason, and verifies it again for an admin."""
    app = make_app(NLQ_APP_DB_URL=store_url, NLQ_RULES="true")
    store = app.store.get()
    assert verify(store, app.engine, LOCAL_USER, "Revenue by country", "SELECT 1 AS one", title="The one").ok
    chat = app_test("streamlit_app.py", NLQ_RULES="true")
    chat.chat_input[0].set_value("Total revenue by country").run()
    assert not chat.exception
    shown = " ".join(str(element.value) for element in (*chat.markdown, *chat.caption))
    assert "Verified by local on" in shown and "The one" in shown

    history = app_test("pages/1_History.py", NLQ_RULES="true")
    assert "verified" in history.multiselect(key="history-routes").options[0] or any(
        "verified" in option for option in history.multiselect(key="history-routes").options)
    history.multiselect(key="history-routes").set_value(["verified"]).run()
    assert "1 entry" in " ".join(c.value for c in history.caption)
    logged = app.record(ask("revenue by region", app.engine), "app").id
    history = app_test("pages/1_History.py", NLQ_RULES="true")  # the newest entry is open: verify it from here
    history.button(key=f"verify-history-{logged}").click().run()
    assert not history.exception
    from_history = [v for v in store.verified.all() if v.answer_id == logged]
    assert len(from_history) == 1 and from_history[0].question == "revenue by region"

    entry = store.verified.all()[0]
    store.verified.mark_stale(entry.id, "no longer passes on the current schema: a test")
    examples = app_test("pages/4_Examples.py")
    assert any(tab.label == "Verified (2)" for tab in examples.tabs)
    assert any("Stale, answers nothing" in w.value and "a test" in w.value for w in examples.warning)
    examples.button(key=f"verified-{entry.id}-again").click().run()
    assert not examples.exception and "Verified again" in examples.success[0].value
    assert store.verified.get(entry.id).status == VERIFIED


AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "not-a-real-secret",
        "client_id": "nlq", "client_secret": "nlq-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


def test_only_an_admin_sees_mark_verified_under_an_answer_and_it_saves(app_test: Callable[..., AppTest],
                                                                        make_app: Callable[..., App],
                                                                        store_url: str) -> None:
    signed_in = {"is_logged_in": True, "email_verified": True}
    for email, admin in (("ben@example.com", False), ("boss@example.com", True)):
        at = app_test("streamlit_app.py", user={**signed_in, "email": email}, secrets={"auth": AUTH},
                      NLQ_ADMINS="boss@example.com", NLQ_RULES="true")
        at.chat_input[0].set_value("revenue by country").run()
        assert not at.exception
        buttons = [button for button in at.button if (button.key or "").startswith("verify-")]
        assert bool(buttons) is admin
    buttons[0].click().run()
    assert not at.exception
    [saved] = make_app(NLQ_APP_DB_URL=store_url).store.get().verified.all()
    assert saved.verified_by == "boss@example.com" and saved.question == "revenue by country"
    at.chat_input[0].set_value("Sales by country").run()
    shown = " ".join(str(element.value) for element in (*at.markdown, *at.caption))
    assert "Verified by boss@example.com on" in shown


def test_the_rules_read_a_question_once_per_answer(demo: Callable[[], App], monkeypatch: pytest.MonkeyPatch) -> None:
    """The verified route matches on the rules tier's reading and the rules route answers with it: one reading
    (it was made twice, a few milliseconds on every question once any answer was verified)."""
    app = demo()
    store, engine = app.store.get(), app.engine
    store.verified.save(NewVerified("Number of orders", question_key("Number of orders"), None,
                                    "SELECT COUNT(*) FROM orders", engine.identity, engine.fingerprint(), ADMIN.id))
    import nlq.routes.rules
    import nlq.verified

    readings = []
    real = nlq.routes.rules.understand
    for module in (nlq.routes.rules, nlq.verified):
        monkeypatch.setattr(module, "understand", lambda *a, **k: readings.append(a[0]) or real(*a, **k))
    answer = ask("revenue by country", engine)
    assert answer.ok and answer.route is Route.RULES and readings == ["revenue by country"]
