"""The real ChatOllama client against the loopback stand-in server: every failure a user can meet."""

from collections.abc import Callable

import pytest

from nlq.errors import ModelFailed, ModelNotFound, ModelTimeout, ModelUnreachable
from nlq.model import build_chat_model, check_model_server, generate
from nlq.prompt import build_messages
from nlq.settings import Settings
from tests.support.postgres import free_port
from tests.support.standin_model import Rule, StandinModelServer

MESSAGES = build_messages("Total revenue", "CREATE TABLE t (a INT)", "sqlite")


def _generate(settings: Settings, **kwargs):  # noqa: ANN003, ANN202
    return generate(build_chat_model(settings), MESSAGES, settings, **kwargs)


def test_reply_streams_and_reports_tokens(make_settings: Callable[..., Settings],
                                          standin: StandinModelServer) -> None:
    pieces: list[str] = []
    reply = _generate(make_settings(), on_token=pieces.append)
    assert "total_revenue" in reply.text
    assert len(pieces) > 3, "the reply should arrive in pieces"
    assert "".join(pieces) == reply.text
    assert reply.prompt_tokens and reply.prompt_tokens > 50
    assert reply.completion_tokens == len(pieces)
    assert reply.model == "qwen2.5-coder:7b"
    sent = standin.requests[-1]
    assert sent["model"] == "qwen2.5-coder:7b"
    assert sent["options"]["temperature"] == 0
    assert sent["options"]["num_predict"] == 1024
    assert "CREATE TABLE t" in sent["messages"][0]["content"]


def test_missing_model_says_how_to_pull_it(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(ModelNotFound) as caught:
        _generate(make_settings(NLQ_MODEL="ollama:llama3.1:70b"))
    assert "ollama pull llama3.1:70b" in caught.value.hint


def test_server_down_says_how_to_start_it(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(ModelUnreachable) as caught:
        _generate(make_settings(NLQ_MODEL_URL=f"http://127.0.0.1:{free_port()}"))
    assert "ollama serve" in caught.value.hint
    assert "NLQ_MODEL_URL" in caught.value.hint


def test_slow_reply_times_out(make_settings: Callable[..., Settings], standin: StandinModelServer) -> None:
    standin.script.rules.insert(0, Rule(match="total revenue", reply="```sql\nSELECT 1\n```", delay_s=3))
    with pytest.raises(ModelTimeout) as caught:
        _generate(make_settings(NLQ_MODEL_TIMEOUT_S="1"))
    assert "1 seconds" in caught.value.message


def test_server_error_is_reported(make_settings: Callable[..., Settings], standin: StandinModelServer) -> None:
    standin.script.rules.insert(0, Rule(match="total revenue", status=500, error="out of memory"))
    with pytest.raises(ModelFailed, match="out of memory"):
        _generate(make_settings())


def test_status_check_reports_ready_missing_and_down(make_settings: Callable[..., Settings]) -> None:
    ready = check_model_server(make_settings())
    assert ready.reachable and ready.model_present and ready.problem is None
    assert "qwen2.5-coder:7b" in ready.available
    missing = check_model_server(make_settings(NLQ_MODEL="ollama:mistral"))
    assert missing.reachable and not missing.model_present
    assert missing.problem.kind == "model_not_found"
    down = check_model_server(make_settings(NLQ_MODEL_URL=f"http://127.0.0.1:{free_port()}"))
    assert not down.reachable
    assert down.problem.kind == "model_unreachable"
