"""A model server failing for real, on the real LangChain clients over HTTP to the loopback stand-in.

No mock of the failure itself: the stand-in really trickles and stalls, really sends a 10 MB reply, really
answers 404 for a model it lists, and a free port really refuses the connection. Each test then asks the
next question on the same engine, because a fault must not leave nlq stuck.
"""

from __future__ import annotations

import threading
import time
import tracemalloc
from collections.abc import Callable

import pytest

from nlq.answer import Answer
from nlq.engine import Engine
from nlq.pipeline import ask, run_sql
from tests.support.postgres import free_port
from tests.support.standin_model import Rule, StandinModelServer

PROVIDERS = ["ollama", "openai"]
TIMEOUT_S = 3.0
BAD_SQL = "```sql\nSELECT total FROM no_such_table\n```"  # an unknown table: sent back for repair
MB = 1024 * 1024


def _engine(make_engine: Callable[..., Engine], provider: str, **overrides: str) -> Engine:
    """An engine that has answered one question already, so a measurement times the model, not start-up."""
    engine = make_engine(NLQ_MODEL=f"{provider}:qwen2.5-coder:7b", **overrides)
    _works(engine)
    return engine


def _works(engine: Engine) -> None:
    answer = ask("Total revenue", engine)
    assert answer.ok, answer.error
    assert "self-hosted model server" in answer.sent_to


def _timed(question: str, engine: Engine, **kwargs: object) -> tuple[Answer, float]:
    started = time.perf_counter()
    answer = ask(question, engine, **kwargs)  # type: ignore[arg-type]
    return answer, time.perf_counter() - started


@pytest.mark.parametrize("provider", PROVIDERS)
def test_trickling_replies_share_one_deadline_across_repair_rounds(
        make_engine: Callable[..., Engine], standin: StandinModelServer, provider: str) -> None:
    """Each reply trickles in for about 1.8 s (under the timeout) but names a missing table, so it goes back
    for repair twice: three calls of 1.8 s each. The timeout bounds them together."""
    engine = _engine(make_engine, provider, NLQ_MODEL_TIMEOUT_S=f"{TIMEOUT_S:g}", NLQ_REPAIR_ROUNDS="2")
    standin.script.rules[:0] = [Rule(match="did not work", reply=BAD_SQL, piece_delay_s=0.3),
                                Rule(match="trickle", reply=BAD_SQL, piece_delay_s=0.3)]
    sent_before = len(standin.requests)
    answer, elapsed = _timed("Trickle the revenue please", engine)
    assert answer.error is not None and answer.error.kind == "model_timeout", answer.error
    assert elapsed <= TIMEOUT_S + 1, f"{elapsed:.2f} s for a {TIMEOUT_S:g} s model timeout"
    assert len(standin.requests) - sent_before >= 2, "the deadline was reached in a repair round"
    assert f"{TIMEOUT_S:g} seconds" in answer.error.message and "NLQ_MODEL_TIMEOUT_S" in answer.error.hint
    _works(engine)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_stream_that_stalls_mid_reply_ends_at_the_deadline(
        make_engine: Callable[..., Engine], standin: StandinModelServer, provider: str) -> None:
    """The first reply arrives, fails and goes back for repair; the repair round trickles, then the server
    stops sending without closing the stream, as a wedged model server does."""
    engine = _engine(make_engine, provider, NLQ_MODEL_TIMEOUT_S=f"{TIMEOUT_S:g}", NLQ_REPAIR_ROUNDS="2")
    standin.script.rules[:0] = [Rule(match="did not work", reply=BAD_SQL, piece_delay_s=0.2, stall_s=60),
                                Rule(match="stall", reply=BAD_SQL, piece_delay_s=0.3)]
    threads_before = set(threading.enumerate())
    answer, elapsed = _timed("Stall the revenue please", engine)
    assert answer.error is not None and answer.error.kind == "model_timeout", answer.error
    assert elapsed <= TIMEOUT_S + 1, f"{elapsed:.2f} s for a {TIMEOUT_S:g} s model timeout"
    assert answer.repair_rounds == 1, "the deadline was reached in the repair round"
    left_running = [t for t in set(threading.enumerate()) - threads_before if t.is_alive() and not t.daemon]
    assert not left_running, "a thread left waiting on the stalled stream must not keep the process alive"
    _works(engine)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_10_mb_reply_is_cut_off_quickly_and_never_sent_back(
        make_engine: Callable[..., Engine], standin: StandinModelServer, provider: str) -> None:
    engine = _engine(make_engine, provider, NLQ_REPAIR_ROUNDS="2")
    standin.script.rules.insert(0, Rule(match="runaway", reply="SELECT 1 AS n UNION ALL ", size=10 * MB))
    sent_before = len(standin.requests)
    shown: list[str] = []
    answer, elapsed = _timed("Runaway revenue please", engine, on_token=shown.append)
    assert answer.error is not None and answer.error.kind == "model_error", answer.error
    assert "too long" in answer.error.message and "NLQ_MODEL_MAX_REPLY_CHARS" in answer.error.hint
    assert elapsed <= 5, f"{elapsed:.2f} s"
    assert sum(map(len, shown)) <= 200_000, "the UI must not be streamed megabytes"
    assert len(standin.requests) - sent_before == 1, "an oversize reply is never sent back for repair"
    tracemalloc.start()  # measured apart: tracing slows Python down several times
    try:
        again = ask("Runaway revenue please", engine)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert again.error is not None and again.error.kind == "model_error"
    assert peak <= 200 * MB, f"{peak / MB:.0f} MB"
    _works(engine)


def test_sql_too_long_to_parse_is_refused_before_parsing(make_engine: Callable[..., Engine]) -> None:
    engine = make_engine()
    sql = "SELECT 1 AS n" + " UNION ALL SELECT 1" * 20_000  # 380,000 characters
    started = time.perf_counter()
    answer = run_sql(sql, engine)
    elapsed = time.perf_counter() - started
    assert answer.error is not None and answer.error.kind == "refused"
    assert "characters long" in answer.error.message and answer.error.detail == "too_long"
    assert elapsed < 1, f"{elapsed:.2f} s: the SQL was parsed"
    assert run_sql("SELECT COUNT(*) AS n FROM orders", engine).ok


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_404_for_a_listed_model_is_not_called_a_missing_model(
        make_engine: Callable[..., Engine], standin: StandinModelServer, provider: str) -> None:
    """A proxy in front of the server, or a URL with a path, answers 404 for the chat endpoint although the
    server's list of models has the model."""
    engine = _engine(make_engine, provider)
    standin.script.rules.insert(0, Rule(match="proxy", status=404, error="404 page not found"))
    answer = ask("Revenue behind the proxy", engine)
    assert answer.error is not None and answer.error.kind != "model_not_found", answer.error
    assert "404" in answer.error.message and "lists the model" in answer.error.message
    assert "NLQ_MODEL_URL" in answer.error.hint and "proxy" in answer.error.hint
    assert "pull" not in answer.error.hint
    _works(engine)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_server_that_hangs_up_mid_reply_is_not_called_unreachable(
        make_engine: Callable[..., Engine], standin: StandinModelServer, provider: str) -> None:
    """The request reached the server, which died mid-reply: a failure of the server, and the question left."""
    engine = _engine(make_engine, provider)
    standin.script.rules.insert(0, Rule(match="crash", reply=BAD_SQL, hang_up=True))
    answer = ask("Crash the revenue please", engine)
    assert answer.error is not None and answer.error.kind == "model_error", answer.error
    assert "closed the connection before its reply was complete" in answer.error.message
    assert "self-hosted model server" in answer.sent_to
    _works(engine)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_refused_connection_sends_nothing(make_engine: Callable[..., Engine], provider: str) -> None:
    port = free_port()
    engine = make_engine(NLQ_MODEL=f"{provider}:qwen2.5-coder:7b", NLQ_MODEL_URL=f"http://127.0.0.1:{port}")
    answer = ask("Total revenue", engine)
    assert answer.error is not None and answer.error.kind == "model_unreachable", answer.error
    assert answer.sent_to.startswith("nothing"), answer.sent_to
    assert "schema" not in answer.sent_to
    server = StandinModelServer(port=port).start()  # the server comes up: the next question reaches it
    try:
        standin_reply = ask("Total revenue", engine)
        assert standin_reply.error is None or standin_reply.error.kind == "no_sql"
        assert "self-hosted model server" in standin_reply.sent_to
    finally:
        server.stop()
