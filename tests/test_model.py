"""The real ChatOllama and ChatOpenAI clients against the loopback stand-in server, over HTTP."""

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from nlq.backends import build_chat_model, check_server
from nlq.engine import Engine
from nlq.errors import ModelFailed, ModelNotFound, ModelTimeout, ModelUnreachable, SettingsError
from nlq.model import generate
from nlq.pipeline import ask
from nlq.settings import Settings
from nlq.targets import primary_target
from nlq.writer import build_messages
from tests.support.postgres import free_port
from tests.support.standin_model import Rule, StandinModelServer

MESSAGES = build_messages("Total revenue", "CREATE TABLE t (a INT)", "sqlite")
PROVIDERS = ["ollama", "openai"]


def _settings(make_settings: Callable[..., Settings], provider: str, **overrides: str) -> Settings:
    name = overrides.pop("model_name", "qwen2.5-coder:7b")
    return make_settings(NLQ_MODEL=f"{provider}:{name}", **overrides)


def _generate(settings: Settings, **kwargs):
    target = primary_target(settings)
    chat_model = build_chat_model(target, settings.model_timeout_s, settings.model_max_tokens)
    return generate(chat_model, MESSAGES, target, settings.model_timeout_s, **kwargs)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_reply_streams_and_reports_tokens(make_settings: Callable[..., Settings], standin: StandinModelServer,
                                          provider: str) -> None:
    pieces: list[str] = []
    reply = _generate(_settings(make_settings, provider), on_token=pieces.append)
    assert "total_revenue" in reply.text
    assert len(pieces) > 3, "the reply should arrive in pieces"
    assert "".join(pieces) == reply.text
    assert reply.prompt_tokens and reply.prompt_tokens > 50
    assert reply.completion_tokens == len([p for p in pieces if p])
    assert reply.model == "qwen2.5-coder:7b"
    sent = standin.requests[-1]
    assert sent["model"] == "qwen2.5-coder:7b"
    assert "CREATE TABLE t" in sent["messages"][0]["content"]
    if provider == "ollama":
        assert sent["options"]["temperature"] == 0 and sent["options"]["num_predict"] == 1024
    else:
        assert sent["temperature"] == 0 and sent["max_tokens"] == 1024, "max_tokens: what every server honours"
        assert sent["stream"] is True


@pytest.mark.parametrize("provider", PROVIDERS)
def test_missing_model_says_how_to_get_it(make_settings: Callable[..., Settings], provider: str) -> None:
    with pytest.raises(ModelNotFound) as caught:
        _generate(_settings(make_settings, provider, model_name="llama3.1:70b"))
    assert ("ollama pull llama3.1:70b" if provider == "ollama" else "vllm serve llama3.1:70b") in caught.value.hint


@pytest.mark.parametrize("provider", PROVIDERS)
def test_server_down_says_how_to_start_it(make_settings: Callable[..., Settings], provider: str) -> None:
    with pytest.raises(ModelUnreachable) as caught:
        _generate(_settings(make_settings, provider, NLQ_MODEL_URL=f"http://127.0.0.1:{free_port()}"))
    assert ("ollama serve" if provider == "ollama" else "vllm serve") in caught.value.hint
    assert "NLQ_MODEL_URL" in caught.value.hint


@pytest.mark.parametrize("provider", PROVIDERS)
def test_slow_reply_times_out(make_settings: Callable[..., Settings], standin: StandinModelServer,
                              provider: str) -> None:
    standin.script.rules.insert(0, Rule(match="total revenue", reply="```sql\nSELECT 1\n```", delay_s=3))
    with pytest.raises(ModelTimeout) as caught:
        _generate(_settings(make_settings, provider, NLQ_MODEL_TIMEOUT_S="1"))
    assert "1 seconds" in caught.value.message


@pytest.mark.parametrize("provider", PROVIDERS)
def test_server_error_is_reported(make_settings: Callable[..., Settings], standin: StandinModelServer,
                                  provider: str) -> None:
    standin.script.rules.insert(0, Rule(match="total revenue", status=500, error="out of memory"))
    with pytest.raises(ModelFailed, match="out of memory"):
        _generate(_settings(make_settings, provider))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_status_check_reports_ready_missing_and_down(make_settings: Callable[..., Settings], provider: str) -> None:
    ready = check_server(primary_target(_settings(make_settings, provider)))
    assert ready.reachable and ready.model_present and ready.problem is None
    assert "qwen2.5-coder:7b" in ready.available
    missing = check_server(primary_target(_settings(make_settings, provider, model_name="mistral")))
    assert missing.reachable and not missing.model_present
    assert missing.problem.kind == "model_not_found"
    down = check_server(primary_target(_settings(make_settings, provider,
                                                 NLQ_MODEL_URL=f"http://127.0.0.1:{free_port()}")))
    assert not down.reachable
    assert down.problem.kind == "model_unreachable"


def test_openai_url_may_include_v1(make_settings: Callable[..., Settings], standin: StandinModelServer) -> None:
    reply = _generate(make_settings(NLQ_MODEL="openai:qwen2.5-coder:7b", NLQ_MODEL_URL=standin.url + "/v1"))
    assert "total_revenue" in reply.text


@pytest.mark.parametrize(("provider", "structured", "expected"), [
    ("ollama", "auto", True), ("ollama", "off", False), ("openai", "auto", False), ("openai", "on", True)])
def test_structured_output_is_requested_only_where_it_holds(make_settings: Callable[..., Settings],
                                                            standin: StandinModelServer, provider: str,
                                                            structured: str, expected: bool) -> None:
    settings = _settings(make_settings, provider, NLQ_STRUCTURED_OUTPUT=structured)
    target = primary_target(settings)
    chat_model = build_chat_model(target, 30, 256, settings.structured_output)
    reply = generate(chat_model, MESSAGES, target, 30)
    assert "total_revenue" in reply.text, "a server that ignores the schema still gets its reply parsed"
    sent = standin.requests[-1]
    asked = sent.get("format") if provider == "ollama" else sent.get("response_format")
    assert bool(asked) is expected
    if expected:
        schema = asked if provider == "ollama" else asked["json_schema"]["schema"]
        assert schema["required"] == ["sql"]


@pytest.mark.parametrize("provider", ["ollama", "openai"])
@pytest.mark.parametrize("garbage", ["%%%$$ ??? <<>>", "```\n\n```", '{"sql": 42}', "SELECT", "\u0000\u0001"])
def test_garbage_replies_end_in_a_clear_error(make_engine: Callable[..., Engine], standin: StandinModelServer,
                                              provider: str, garbage: str) -> None:
    standin.script.rules.insert(0, Rule(match="garbage please", reply=garbage))
    answer = ask("Garbage please", make_engine(NLQ_MODEL=f"{provider}:qwen2.5-coder:7b", NLQ_REPAIR_ROUNDS="1"))
    assert answer.error is not None and answer.error.kind in {"no_sql", "sql_syntax"}


def test_a_server_that_refuses_the_key_says_which_setting_to_fix(make_settings: Callable[..., Settings]) -> None:
    """A real loopback server answering 401, as vLLM started with --api-key does for a wrong key."""

    class Refusing(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"error": {"message": "invalid api key"}}'
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = make_settings(NLQ_MODEL="openai:qwen", NLQ_MODEL_URL=f"http://127.0.0.1:{server.server_port}",
                                 NLQ_MODEL_API_KEY="wrong")
        status = check_server(primary_target(settings))
    finally:
        server.shutdown()
    assert not status.reachable and status.problem is not None
    assert status.problem.message == "The model server refused nlq's API key."
    assert "NLQ_MODEL_API_KEY" in status.problem.hint


def test_the_reply_cap_defaults_to_eight_characters_a_token(make_settings: Callable[..., Settings]) -> None:
    assert make_settings().reply_char_cap == 8 * 1024
    assert make_settings(NLQ_MODEL_MAX_TOKENS="2048").reply_char_cap == 16_384
    assert make_settings(NLQ_MODEL_MAX_REPLY_CHARS="500").reply_char_cap == 500
    with pytest.raises(SettingsError, match="NLQ_MODEL_MAX_REPLY_CHARS"):
        make_settings(NLQ_MODEL_MAX_REPLY_CHARS="0")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_reply_past_the_cap_is_cut_off_and_shown_only_up_to_it(make_engine: Callable[..., Engine],
                                                                 provider: str) -> None:
    shown: list[str] = []
    answer = ask("Total revenue", make_engine(NLQ_MODEL=f"{provider}:qwen2.5-coder:7b",
                                              NLQ_MODEL_MAX_REPLY_CHARS="40"), on_token=shown.append)
    assert answer.error is not None and answer.error.kind == "model_error"
    assert answer.error.message == "The model's reply was too long: nlq stopped reading it after 40 characters."
    assert 0 < sum(map(len, shown)) <= 40
