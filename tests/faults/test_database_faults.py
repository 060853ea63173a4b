"""Faults of the questioned database, made for real: a socket that accepts and never answers, a backend
terminated mid-query, a server stopped mid-query, and queries whose statements together outlast the one time
budget an answer has. Nothing here mocks the failure; the assertions are what a user reads and how long they
wait, and that the next question works."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine

from nlq.answer import Answer
from nlq.database import Database
from nlq.demo import build_demo
from nlq.engine import Engine
from nlq.errors import QueryTimeout, SettingsError
from nlq.execute import run_query
from nlq.pipeline import ask
from nlq.settings import load_settings
from nlq.vet import VetPolicy, VettedQuery, vet
from tests.support.postgres import PostgresServer
from tests.support.standin_model import Rule, StandinModelServer

SLOW = "SELECT COUNT(*) AS n FROM order_lines a, order_lines b, order_lines c"  # hours, unless stopped
SLACK_S = 1.0  # the goal: a clear message within the connect timeout plus one second


class HangingServer:
    """A loopback TCP server that accepts every connection and never sends a byte: a database host whose
    process is wedged, or a firewall that lets the handshake through."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                held, _ = self._listener.accept()
            except OSError:  # closed: the test is over
                return
            self._held.append(held)

    def close(self) -> None:
        self._listener.close()
        for held in self._held:
            held.close()


class StoppablePostgres(PostgresServer):
    """A server of this module's own, so stopping it mid-query touches no other test's database."""

    def halt(self) -> None:
        """Stop at once, as a crash or an OOM kill would: every backend dies with its query."""
        self.pause("immediate")


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[tuple[StoppablePostgres, str]]:
    server = StoppablePostgres()
    server.start()
    url = server.create_database("demo")
    build_demo(url)
    yield server, url
    server.stop()


@pytest.fixture
def hanging() -> Iterator[HangingServer]:
    server = HangingServer()
    yield server
    server.close()  # also ends a connect still waiting on it, so a failing test does not hang the run


def _reply_with(standin: StandinModelServer, match: str, sql: str) -> None:
    standin.script.rules.insert(0, Rule(match=match, reply=f"```sql\n{sql}\n```"))


def _running(admin_url: str, fragment: str, pending: Future[Answer], timeout_s: float = 30) -> int:
    """The backend running a query with this text, once it runs (the answer must not come before). nlq reads
    rows through a server-side cursor, so the statement at work may be the FETCH from it."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            assert not pending.done(), f"answered before its query ran: {pending.result()}"
            with engine.connect() as connection:
                pid = connection.exec_driver_sql(
                    "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() "
                    "AND datname = current_database() AND (query LIKE %(fragment)s OR query LIKE 'FETCH FORWARD%%')",
                    {"fragment": f"%{fragment}%"}).scalar()
            if pid is not None:
                return int(pid)
            time.sleep(0.05)
    finally:
        engine.dispose()
    raise AssertionError(f"no query with {fragment!r} started")


def _asked(engine: Engine, question: str) -> Future[Answer]:
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(ask, question, engine)
    pool.shutdown(wait=False)
    return future


def test_a_database_that_never_answers_is_reported_within_the_connect_timeout(
        make_engine: Callable[..., Engine], hanging: HangingServer, standin: StandinModelServer,
        pg_demo_url: str) -> None:
    engine = make_engine(NLQ_DATABASE_URL=f"postgresql://nobody@127.0.0.1:{hanging.port}/sales",
                         NLQ_CONNECT_TIMEOUT_S="2")
    started = time.monotonic()
    answer = _asked(engine, "How many orders are there?").result(timeout=2 + SLACK_S + 5)
    waited = time.monotonic() - started
    assert waited <= 2 + SLACK_S, f"{waited:.1f} s to a message"
    assert answer.error is not None and answer.error.kind == "database_unreachable"
    assert "did not answer within 2 seconds" in answer.error.message
    assert "NLQ_CONNECT_TIMEOUT_S" in answer.error.hint
    assert standin.requests == [], "nothing goes to the model while the database cannot be reached"
    # the process carries on: the next question, on a database that answers, works
    _reply_with(standin, "how many orders", "SELECT COUNT(*) AS orders FROM orders")
    fine = ask("How many orders are there?", make_engine(NLQ_DATABASE_URL=pg_demo_url, NLQ_CONNECT_TIMEOUT_S="2"))
    assert fine.ok, fine.error


def test_a_backend_terminated_mid_query_is_the_database_going_away_never_a_repair(
        make_engine: Callable[..., Engine], standin: StandinModelServer, pg_demo_url: str) -> None:
    _reply_with(standin, "triple cross join", SLOW)
    engine = make_engine(NLQ_DATABASE_URL=pg_demo_url, NLQ_MAX_COST="0", NLQ_QUERY_TIMEOUT_S="120")
    pending = _asked(engine, "How big is the triple cross join of order lines?")
    pid = _running(pg_demo_url, "order_lines AS c", pending)
    killer = create_engine(pg_demo_url, isolation_level="AUTOCOMMIT")
    with killer.connect() as connection:
        connection.exec_driver_sql("SELECT pg_terminate_backend(%(pid)s)", {"pid": pid})
    killer.dispose()
    answer = pending.result(timeout=30)
    _assert_database_went_away(answer, standin)
    _reply_with(standin, "how many orders", "SELECT COUNT(*) AS orders FROM orders")
    again = ask("How many orders are there?", engine)
    assert again.ok, again.error


def test_a_server_stopped_mid_query_is_the_database_going_away(
        make_engine: Callable[..., Engine], standin: StandinModelServer,
        own_postgres: tuple[StoppablePostgres, str]) -> None:
    server, url = own_postgres
    _reply_with(standin, "triple cross join", SLOW)
    engine = make_engine(NLQ_DATABASE_URL=url, NLQ_MAX_COST="0", NLQ_QUERY_TIMEOUT_S="120",
                         NLQ_CONNECT_TIMEOUT_S="2")
    pending = _asked(engine, "How big is the triple cross join of order lines?")
    _running(url, "order_lines AS c", pending)
    server.halt()
    try:
        answer = pending.result(timeout=30)
        _assert_database_went_away(answer, standin)
        _reply_with(standin, "how many orders", "SELECT COUNT(*) AS orders FROM orders")
        started = time.monotonic()
        down = ask("How many orders are there?", engine)  # while it is down: said at once, not repaired
        assert down.error is not None and down.error.kind == "database_unreachable", down.error
        assert "Could not connect" in down.error.message and down.repair_rounds == 0
        assert len(standin.requests) == 2 and time.monotonic() - started <= 2 + SLACK_S
    finally:
        server.resume()
    again = ask("How many orders are there?", engine)  # the pool's dead connections are replaced
    assert again.ok, again.error


def _assert_database_went_away(answer: Answer, standin: StandinModelServer) -> None:
    assert answer.error is not None
    assert answer.error.kind == "database_lost", answer.error
    assert "connection to the database" in answer.error.message and "lost" in answer.error.message
    assert "running" in answer.error.hint and "ask again" in answer.error.hint
    assert answer.repair_rounds == 0 and "fixed its SQL" not in answer.status_line
    assert len(standin.requests) == 1, "the model is never asked to repair SQL the database did not refuse"


def _sleepy(rows: int, limit: int, seconds_per_row: float) -> VettedQuery:
    """A query whose every row costs real time on the server, so each FETCH and the count are slow. Made
    as an already-vetted query, since vetting (rightly) refuses pg_sleep."""
    body = f"SELECT g, pg_sleep({seconds_per_row}) AS slept FROM generate_series(1, {rows}) AS g"
    return VettedQuery(sql=f"{body} LIMIT {limit}", dialect="postgres", limited=True,
                       _count_sql=lambda: f"SELECT count(*) FROM ({body}) AS nlq_rows")


def test_the_fetches_of_one_query_share_its_time_budget(pg_demo_url: str) -> None:
    """The first FETCH takes 0.6 s and the next 1.2 s: each alone fits a 1.5 s statement timeout, together
    they do not."""
    database = Database(pg_demo_url)
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        run_query(database, _sleepy(rows=3, limit=3, seconds_per_row=0.6), max_rows=10, limits=1.5)
    assert time.monotonic() - started <= 1.5 + 0.5
    database.dispose()


def test_the_count_gets_what_the_query_left_of_the_budget(pg_demo_url: str) -> None:
    """The rows take 0.8 s, the count would take 2 s: it gets the 0.7 s left, so the answer keeps its rows
    and the database time stays within the budget."""
    database = Database(pg_demo_url)
    result = run_query(database, _sleepy(rows=5, limit=2, seconds_per_row=0.4), max_rows=2, limits=1.5)
    assert len(result.frame) == 2 and result.truncated and result.total_rows is None
    assert result.seconds + result.count_seconds <= 1.5 + 0.4
    database.dispose()


def test_the_count_query_plan_cost_is_checked_too(pg_demo_url: str) -> None:
    """Ten rows of a cross join cost nothing; counting all 2.7 billion would: the count is not run."""
    database = Database(pg_demo_url)
    policy = VetPolicy.for_tables("postgres", ("order_lines",), max_rows=10)
    query = vet("SELECT a.line_id FROM order_lines a, order_lines b", policy)
    result = run_query(database, query, 10, 5, max_cost=1_000_000)
    assert len(result.frame) == 10 and result.truncated and result.total_rows is None
    assert result.count_seconds < 0.5
    database.dispose()


@pytest.mark.parametrize("value", ["inf", "nan", "0", "-1", "1e12", "ten"])
def test_a_connect_timeout_that_is_not_a_finite_positive_number_is_refused_by_name(value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"NLQ_CONNECT_TIMEOUT_S": value}, secrets_path=None)
    assert caught.value.message.startswith("Invalid setting") and "NLQ_CONNECT_TIMEOUT_S" in caught.value.message


def test_the_connect_timeout_is_a_setting_with_a_short_default() -> None:
    settings = load_settings({}, secrets_path=None)
    assert 0 < settings.connect_timeout_s <= 10
    assert load_settings({"NLQ_CONNECT_TIMEOUT_S": "3.5"}, secrets_path=None).connect_timeout_s == 3.5
