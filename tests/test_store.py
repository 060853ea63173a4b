"""The app store on real SQLite and PostgreSQL: migrations, the answer log, two writers at once, a restart,
the cost arithmetic, the Excel export and ``python -m nlq history``."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import inspect

from nlq.access import User
from nlq.answer import Answer, VerifiedMark
from nlq.costs import (
    Prices,
    api_cost,
    break_even_volume,
    cost_per_question,
    monthly_costs,
    self_hosted_cost,
    usage_figures,
)
from nlq.errors import ErrorKind, ErrorReport, StoreUnavailable
from nlq.examples import DEMO_EXAMPLES
from nlq.export import ABOUT_SHEET, DATA_SHEET, excel_bytes, excel_filename, provenance
from nlq.pipeline import ask
from nlq.route import Route
from nlq.services import App, StoreHandle
from nlq.store import AppStore, open_store
from nlq.teaching import verify
from tests.support.common import ROOT
from tests.support.postgres import PostgresServer, free_port
from tests.support.standin_model import StandinModelServer


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'app.sqlite'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database(f"app_{abs(hash(tmp_path.name)) % 10**8}")


@pytest.fixture
def store(store_url: str) -> Iterator[AppStore]:
    opened = open_store(store_url)
    yield opened
    opened.close()


def _answer(question: str, route: Route = Route.MODEL, **fields: object) -> Answer:
    by_model = route is Route.MODEL
    made: dict[str, object] = {
        "question": question, "route": route, "model": "qwen2.5-coder:7b" if by_model else None,
        "database": "demo.sqlite", "sql": "SELECT 1", "frame": pd.DataFrame({"a": [1, 2]}),
        "timings_ms": {"total": 1500.0, "model": 1200.0, "database": 10.0},
        "prompt_tokens": 900 if by_model else None, "completion_tokens": 60 if by_model else None}
    return Answer(**{**made, **fields})  # type: ignore[arg-type]


def test_migrations_create_the_tables_once(store_url: str) -> None:
    first = open_store(store_url)
    tables = set(inspect(first.engine).get_table_names())
    assert {"answers", "feedback", "examples", "alembic_version"} <= tables
    first.close()
    again = open_store(store_url)  # an existing store: nothing to do, nothing lost
    assert again.log.count() == 0
    again.close()


def test_every_field_of_an_answer_is_logged(store: AppStore) -> None:
    answer = _answer("Revenue by region")
    answer_id = store.log.record(answer, "ana", "app")
    failed = _answer("Drop it", Route.MODEL, frame=None,
                     error=ErrorReport(ErrorKind.REFUSED, "Only reading is allowed."))
    store.log.record(failed, "ben", "cli")
    entries = store.log.entries()
    assert list(entries["question"]) == ["Drop it", "Revenue by region"]  # newest first
    row = entries.iloc[1]
    assert (row["id"], row["user"], row["source"], row["route"], row["model"]) == (
        answer_id, "ana", "app", "model", "qwen2.5-coder:7b")
    assert (row["prompt_tokens"], row["completion_tokens"], row["model_seconds"]) == (900, 60, 1.2)
    assert (row["status"], row["verdict"], row["row_count"], row["total_ms"]) == ("answered", "allowed", 2, 1500.0)
    refused = entries.iloc[0]
    assert (refused["status"], refused["verdict"], refused["error_kind"]) == ("failed", "refused", "refused")


def test_filters_and_feedback(store: AppStore) -> None:
    first = store.log.record(_answer("Revenue by region"), "ana", "app")
    store.log.record(_answer("Total revenue", Route.RULES), "ben", "app")
    store.log.add_feedback(first, 1, "right", "ana")
    store.log.add_feedback(first, -1, "actually wrong", "ana")  # the latest feedback counts
    assert list(store.log.entries(text="region")["id"]) == [first]
    assert list(store.log.entries(routes=["rules"])["question"]) == ["Total revenue"]
    assert list(store.log.entries(users=["ana"])["rating"]) == [-1]
    assert store.log.entries(users=["ana"])["comment"][0] == "actually wrong"
    assert store.log.users() == ["ana", "ben"]
    assert store.log.entries(statuses=["failed"]).empty


def test_two_writers_at_once_lose_nothing(store_url: str) -> None:
    stores = [open_store(store_url), open_store(store_url)]
    errors: list[BaseException] = []

    def write(store: AppStore, user: str) -> None:
        try:
            for number in range(40):
                store.log.record(_answer(f"question {number}"), user, "app")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(s, f"user{i}")) for i, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for store in stores:
        store.close()
    restarted = open_store(store_url)  # a restart: everything is still there
    assert restarted.log.count() == 80 and set(restarted.log.users()) == {"user0", "user1"}
    restarted.close()


@pytest.mark.parametrize(("seconds", "per_hour", "expected"), [(3.6, 0.526, 0.000526), (1.2, 1.006, 0.00033533)])
def test_self_hosted_cost(seconds: float, per_hour: float, expected: float) -> None:
    assert self_hosted_cost(seconds, Prices(per_hour, 0, 0)) == pytest.approx(expected, rel=1e-4)


def test_api_cost_and_break_even_by_hand() -> None:
    prices = Prices(instance_per_hour=0.526, api_input_per_1k=0.003, api_output_per_1k=0.015)
    assert api_cost(900, 60, prices) == pytest.approx(0.0027 + 0.0009)  # 0.9 × 0.003 + 0.06 × 0.015
    log = pd.DataFrame({"route": ["model", "model", "rules", "cache"], "model_seconds": [1.0, 3.0, None, None],
                        "prompt_tokens": [800, 1000, None, None], "completion_tokens": [50, 70, None, None]})
    figures = usage_figures(log)
    assert (figures.questions, figures.model_answers, figures.free_answers) == (4, 2, 2)
    assert figures.model_seconds_per_model_answer == 2.0 and figures.prompt_tokens_per_model_answer == 900
    own, api = cost_per_question(figures, prices)
    assert own == pytest.approx(2.0 / 3600 * 0.526 * 0.5)  # half the questions needed the model
    assert api == pytest.approx(0.9 * 0.003 + 0.06 * 0.015)  # an API-only product pays for every question
    assert break_even_volume(figures, prices) == pytest.approx(0.526 * 730 / 0.0036)
    monthly = monthly_costs(figures, prices, [0, 1000])
    assert list(monthly["self-hosted (instance all month)"]) == pytest.approx([383.98, 383.98])
    assert list(monthly["hosted API"]) == pytest.approx([0, 3.6])


def test_the_excel_file_has_the_data_and_its_provenance() -> None:
    answer = _answer("Revenue by region in 2024", frame=pd.DataFrame({"region": ["Europe", "Asia"],
                                                                      "revenue": [10.5, 7.25]}))
    sheets = pd.read_excel(io.BytesIO(excel_bytes(answer)), sheet_name=None)
    assert list(sheets) == [DATA_SHEET, ABOUT_SHEET]
    assert sheets[DATA_SHEET].to_dict("list") == {"Region": ["Europe", "Asia"], "Revenue": [10.5, 7.25]}
    workbook = openpyxl.load_workbook(io.BytesIO(excel_bytes(answer)))
    assert workbook[DATA_SHEET]["B2"].number_format == "#,##0.00"  # money, two decimals, separators
    assert workbook[DATA_SHEET].column_dimensions["A"].width >= len("Europe")
    about = dict(zip(sheets[ABOUT_SHEET]["field"], sheets[ABOUT_SHEET]["value"], strict=True))
    assert about["question"] == "Revenue by region in 2024" and about["sql"] == "SELECT 1"
    assert about["model"] == "qwen2.5-coder:7b" and about["route"] == "model" and about["rows"] == 2
    assert about["database"] == "demo.sqlite" and about["complete"] == "yes"
    assert excel_filename(answer) == "revenue-by-region-in-2024.xlsx"


def test_the_excel_provenance_names_the_verified_answer() -> None:
    """An answer from the verified route says whose check it rests on, so the file can be traced back."""
    mark = VerifiedMark(7, "Revenue by region", "ana@example.com", datetime(2026, 11, 12, 9, 30), "Regional revenue")
    about = provenance(_answer("Sales per region", Route.VERIFIED, model=None, verified=mark))
    fields = dict(zip(about["field"], about["value"], strict=True))
    assert fields["route"] == "verified" and fields["verified answer"] == "7: Regional revenue"
    assert fields["verified by"] == "ana@example.com" and fields["verified at (UTC)"] == "2026-11-12 09:30:00"
    plain_about = provenance(_answer("Revenue by region"))
    plain = dict(zip(plain_about["field"], plain_about["value"], strict=True))
    assert plain["verified answer"].startswith("none") and "verified by" not in plain


def test_history_command(tmp_path: Path, demo_dir: Path, standin_env: Callable[..., dict[str, str]]) -> None:
    env = standin_env(NLQ_APP_DB_URL=f"sqlite:///{tmp_path / 'app.sqlite'}")
    empty = _nlq("history", env=env)
    assert empty.returncode == 0 and "No questions asked yet" in empty.stdout
    assert _nlq("ask", "Total revenue", env=env).returncode == 0
    assert _nlq("ask", "Revenue by region in 2024", env=env).returncode == 0
    listed = _nlq("history", env=env)
    assert listed.stdout.index("Revenue by region in 2024") < listed.stdout.index("Total revenue")
    lines = [json.loads(line) for line in _nlq("history", "--json", "--limit", "1", env=env).stdout.splitlines()]
    assert len(lines) == 1 and lines[0]["question"] == "Revenue by region in 2024"
    assert lines[0]["source"] == "cli" and lines[0]["route"] == "rules" and lines[0]["user"] == "local"


def test_answers_asked_through_the_app_reach_the_log(make_app: Callable[..., App]) -> None:
    app = make_app()
    answer = ask("Revenue by region in 2024", app.engine)
    assert app.record(answer, source="app").id == 1
    assert app.store.get().log.entry(1).sql == answer.sql


def _nlq(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nlq", *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300)


@pytest.fixture
def standin_env(demo_dir: Path) -> Callable[..., dict[str, str]]:
    def make(**extra: str) -> dict[str, str]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("NLQ_")}
        return {**clean, "NLQ_DATA_DIR": str(demo_dir), **extra}
    return make


def test_an_unwritable_store_never_costs_the_answer(standin_env: Callable[..., dict[str, str]]) -> None:
    env = standin_env(NLQ_APP_DB_URL="postgresql://nobody@127.0.0.1:9/x?connect_timeout=2")
    done = _nlq("ask", "Total revenue", env=env)
    assert done.returncode == 0 and "answered without a model" in done.stdout
    assert "could not record" in done.stderr and "Traceback" not in done.stderr
    history = _nlq("history", env=env)
    assert history.returncode == 1 and "NLQ_APP_DB_URL" in history.stderr and "Traceback" not in history.stderr


def test_a_dead_store_costs_a_model_answer_only_its_record(standin_env: Callable[..., dict[str, str]],
                                                           standin: StandinModelServer) -> None:
    """The store is a log beside the answers: with nothing listening at NLQ_APP_DB_URL, a question the model
    answers is still answered (the curated examples still in its prompt) and says it was not recorded."""
    env = standin_env(NLQ_APP_DB_URL=f"postgresql://nobody@127.0.0.1:{free_port()}/x", NLQ_MODEL_URL=standin.url,
                      NLQ_RULES="false")
    done = _nlq("ask", "Revenue by region in 2024", "--json", env=env)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["route"] == "model" and answer["error"] is None and answer["row_count"] == 5
    assert answer["answer_id"] is None and "store could not be opened" in answer["not_recorded"]
    assert "was not recorded in History" in done.stderr and "Traceback" not in done.stderr
    asked = [m["content"] for m in standin.requests[-1]["messages"] if m["role"] == "user"]
    curated = {json.loads(line)["question"] for line in DEMO_EXAMPLES.read_text().splitlines() if line.strip()}
    assert curated & set(asked), "the curated examples still reach the prompt"


def test_a_store_that_failed_is_not_retried_on_every_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    import nlq.services

    attempts: list[str] = []

    def counting_open(url: str, *timeout: float) -> AppStore:
        attempts.append(url)
        return open_store(url, *timeout)

    monkeypatch.setattr(nlq.services, "open_store", counting_open)
    handle = StoreHandle(f"postgresql://nobody@127.0.0.1:{free_port()}/x")
    for _ in range(3):
        with pytest.raises(StoreUnavailable, match="could not be opened") as raised:
            handle.get()
        assert "NLQ_APP_DB_URL" in raised.value.hint
    assert len(attempts) == 1


def test_a_store_made_by_the_first_migration_is_upgraded_in_place(tmp_path: Path) -> None:
    """An installation from before migration 0002 keeps its log and gains the new column."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from nlq.store import MIGRATIONS

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.exec_driver_sql("INSERT INTO answers (asked_at, user, source, question, route, status) "
                                   "VALUES ('2026-01-01', 'ana', 'app', 'Old question', 'model', 'answered')")
    engine.dispose()
    store = open_store(url)
    assert "sent_to" in {c["name"] for c in inspect(store.engine).get_columns("answers")}
    store.log.record(_answer("New question"), "ben", "app")
    assert list(store.log.entries()["question"]) == ["New question", "Old question"]
    assert pd.isna(store.log.entries()["sent_to"][1]) and "self-hosted" not in str(store.log.entries()["sent_to"][0])
    store.close()


@pytest.mark.parametrize("with_questions", [False, True])
def test_answers_are_logged_as_json_without_questions_unless_asked(
        make_app: Callable[..., App], with_questions: bool, request: pytest.FixtureRequest) -> None:
    from nlq.logs import configure_json_logging

    stream = io.StringIO()
    configure_json_logging(stream)
    request.addfinalizer(_reset_nlq_logger)
    environ = {"NLQ_LOG_QUESTIONS": "true"} if with_questions else {}
    app = make_app(NLQ_RULES="true", **environ)
    answer = ask("Revenue by region in 2024", app.engine)
    answer_id = app.record(answer, source="app").id
    [line] = [json.loads(text) for text in stream.getvalue().splitlines() if '"event": "answer"' in text]
    assert (line["answer_id"], line["route"], line["status"], line["rows"]) == (answer_id, "rules", "answered", 5)
    assert line["timings_ms"]["total"] > 0 and line["sent_to"].startswith("nothing")
    assert ("question" in line) is with_questions and ("Revenue by region" in json.dumps(line)) is with_questions
    assert "Europe" not in stream.getvalue()  # result rows never reach the log


def _reset_nlq_logger() -> None:
    logger = logging.getLogger("nlq")
    logger.handlers.clear()
    logger.propagate = True
    logger.setLevel(logging.NOTSET)


def test_an_answer_from_a_verified_answer_is_logged_with_it(make_app: Callable[..., App],
                                                            request: pytest.FixtureRequest) -> None:
    from nlq.logs import configure_json_logging

    stream = io.StringIO()
    configure_json_logging(stream)
    request.addfinalizer(_reset_nlq_logger)
    app = make_app(NLQ_RULES="true")
    admin = User("ana@example.com", "Ana", is_admin=True, signed_in=True)
    assert verify(app.store.get(), app.engine, admin, "Revenue by country", "SELECT 1 AS one").ok
    [stored] = app.store.get().verified.all()
    verified_id = app.record(ask("revenue by country?", app.engine), source="app").id
    plain_id = app.record(ask("Revenue by region in 2024", app.engine), source="app").id
    lines = {line["answer_id"]: line for line in (json.loads(text) for text in stream.getvalue().splitlines())
             if line.get("event") == "answer"}
    assert lines[verified_id]["route"] == "verified"
    assert lines[verified_id]["verified"] == {"id": stored.id, "verified_by": "ana@example.com",
                                              "verified_at": stored.verified_at.isoformat()}
    assert lines[plain_id]["verified"] is None
    assert "Revenue by country" not in stream.getvalue()  # the verified question is a question: not logged


def test_the_api_rate_counter_is_atomic_under_concurrent_calls(store_url: str) -> None:
    """Every replica of ``serve`` counts in the store: threads on two connections racing for one token's
    minute get exactly the limit between them (PostgreSQL's row lock, SQLite's write lock), never more."""
    stores = [open_store(store_url), open_store(store_url)]
    token_id = stores[0].tokens.create("ana@example.com")[0]
    now = 1_800_000_020.0  # 20 s into one fixed minute, so the test never straddles two
    allowed: list[bool] = []
    errors: list[BaseException] = []

    def call(store: AppStore) -> None:
        try:
            for _ in range(15):
                allowed.append(store.rates.take(token_id, 40, now) is None)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=call, args=(stores[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(allowed) == 120 and allowed.count(True) == 40
    assert stores[0].rates.take(token_id, 40, now) == 40  # 40 s left of the minute that began at now - 20
    other = stores[1].tokens.create("bo@example.com")[0]
    assert stores[1].rates.take(other, 40, now) is None  # another token counts on its own
    assert stores[0].rates.take(token_id, 40, now + 60) is None  # the next minute starts again from zero
    minute = int(now) // 60
    assert stores[0].rates.windows() == [(other, minute), (token_id, minute + 1)]  # its own past minute is gone
    stores[0].rates.take(token_id, 40, now + 7200)
    assert stores[0].rates.windows() == [(token_id, minute + 120)]  # a token gone quiet is gone after an hour
    for store in stores:
        store.close()
