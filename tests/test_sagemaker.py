"""A SageMaker endpoint as the model (NLQ_MODEL=sagemaker:NAME): the real boto3 sagemaker-runtime client
against the loopback stand-in speaking the runtime's protocol (event-stream framing included), with dummy
AWS credentials; its failures as the other providers' typed errors, and the doctor's checks."""

from collections.abc import Callable

import pytest

from nlq.backends import build_chat_model, check_server
from nlq.doctor import diagnose
from nlq.engine import Engine
from nlq.errors import ModelFailed, ModelNotFound, ModelTimeout, ModelUnreachable, NlqError, SettingsError
from nlq.model import generate
from nlq.pipeline import ask
from nlq.settings import Settings, load_settings
from nlq.targets import primary_target
from nlq.writer import build_messages
from tests.support.postgres import free_port
from tests.support.standin_model import AWS_TEST_ENVIRONMENT, Rule, StandinModelServer

MESSAGES = build_messages("Total revenue", "CREATE TABLE t (a INT)", "sqlite")


@pytest.fixture(autouse=True)
def aws(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in AWS_TEST_ENVIRONMENT.items():
        monkeypatch.setenv(key, value)


def _environ(standin: StandinModelServer, endpoint: str = "sql-writer") -> dict[str, str]:
    return {"NLQ_MODEL": f"sagemaker:{endpoint}", "NLQ_SAGEMAKER_ENDPOINT_URL": standin.url,
            "NLQ_SAGEMAKER_API_URL": standin.url, "NLQ_SAGEMAKER_REGION": "eu-west-1"}


def _generate(settings: Settings, timeout_s: float | None = None, **kwargs):
    target = primary_target(settings)
    timeout = timeout_s or settings.model_timeout_s
    chat_model = build_chat_model(target, timeout, settings.model_max_tokens)
    return generate(chat_model, MESSAGES, target, timeout, max_chars=settings.reply_char_cap, **kwargs)


def test_reply_streams_in_the_messages_format_with_token_counts(make_settings: Callable[..., Settings],
                                                                standin: StandinModelServer) -> None:
    pieces: list[str] = []
    reply = _generate(make_settings(**_environ(standin)), on_token=pieces.append)
    assert "total_revenue" in reply.text and len(pieces) > 3, "streamed piece by piece, parts joined"
    assert "".join(pieces) == reply.text
    assert reply.prompt_tokens and reply.completion_tokens == len(pieces)
    sent = standin.requests[-1]
    assert sent["sagemaker_endpoint"] == "sql-writer" and sent["sagemaker_action"] == "invocations-response-stream"
    assert sent["stream"] is True and sent["max_tokens"] == 1024 and sent["temperature"] == 0
    assert sent["messages"][0]["role"] == "system" and sent["messages"][-1]["role"] == "user"


def test_an_endpoint_that_cannot_stream_is_asked_for_the_whole_reply(make_settings: Callable[..., Settings],
                                                                     standin: StandinModelServer) -> None:
    standin.script.endpoint_streams = False
    settings = make_settings(**_environ(standin))
    target = primary_target(settings)
    chat_model = build_chat_model(target, 30, 256)
    for _ in range(2):
        reply = generate(chat_model, MESSAGES, target, 30)
        assert "total_revenue" in reply.text and reply.completion_tokens and reply.prompt_tokens
    actions = [r["sagemaker_action"] for r in standin.requests]
    assert actions == ["invocations-response-stream", "invocations", "invocations"], "asked to stream only once"


def test_a_question_is_answered_by_the_endpoint(make_engine: Callable[..., Engine],
                                               standin: StandinModelServer) -> None:
    answer = ask("Total revenue", make_engine(**_environ(standin)))
    assert answer.ok, answer.error
    assert answer.route == "model" and answer.model == "sql-writer" and answer.notice is None
    assert answer.sent_to.endswith("to the SageMaker endpoint sql-writer (eu-west-1), in your AWS account")
    assert answer.prompt_tokens and answer.completion_tokens


@pytest.mark.parametrize(("rule", "error", "words"), [
    (Rule(match="total revenue", aws_error="ThrottlingException", error="Rate exceeded"), ModelFailed, "busy"),
    (Rule(match="total revenue", aws_error="UnrecognizedClientException", status=403,
          error="The security token included in the request is invalid."), ModelFailed, "refused nlq's credentials"),
    (Rule(match="total revenue", aws_error="ModelError", status=424, error="Received server error (500)"),
     ModelFailed, "error from its model"),
    (Rule(match="total revenue", reply="SELECT 1 ", stall_s=30), ModelTimeout, "did not finish"),
    (Rule(match="total revenue", reply="SELECT 1 ", size=1_000_000), ModelFailed, "too long"),
    (Rule(match="total revenue", reply="SELECT 1 ", hang_up=True), ModelFailed, "closed the connection"),
])
def test_each_failure_is_named_like_the_other_providers(make_settings: Callable[..., Settings],
                                                       standin: StandinModelServer, rule: Rule,
                                                       error: type[NlqError], words: str) -> None:
    standin.script.rules.insert(0, rule)
    with pytest.raises(error) as raised:
        _generate(make_settings(**_environ(standin)), timeout_s=3)
    assert words in raised.value.message and raised.value.hint


def test_a_missing_endpoint_and_an_unreachable_one(make_settings: Callable[..., Settings],
                                                   standin: StandinModelServer) -> None:
    with pytest.raises(ModelNotFound, match="no SageMaker endpoint named gone in eu-west-1") as raised:
        _generate(make_settings(**_environ(standin, "gone")))
    assert "NLQ_SAGEMAKER_REGION" in raised.value.hint
    closed = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ModelUnreachable, match="could not be reached") as unreachable:
        _generate(make_settings(**{**_environ(standin), "NLQ_SAGEMAKER_ENDPOINT_URL": closed}))
    assert "NLQ_SAGEMAKER_ENDPOINT_URL" in unreachable.value.hint


def test_no_credentials_is_said_before_anything_is_sent(make_settings: Callable[..., Settings],
                                                        standin: StandinModelServer,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(key)
    settings = make_settings(**_environ(standin))
    status = check_server(primary_target(settings))
    assert not status.reachable and status.problem and "no AWS credentials" in status.problem.message
    with pytest.raises(ModelFailed, match="no usable AWS credentials"):
        _generate(settings)
    assert standin.requests == []


def test_doctor_checks_credentials_the_endpoint_status_and_a_reply(demo_dir, standin: StandinModelServer) -> None:
    environ = {"NLQ_DATA_DIR": str(demo_dir), **_environ(standin)}
    checks = {c.name: c for c in diagnose(environ, secrets_path=None)}
    assert all(c.ok for c in checks.values()), [c for c in checks.values() if not c.ok]
    assert checks["AWS credentials"].detail == "found (env)"
    assert checks["endpoint"].detail == "sql-writer is InService in eu-west-1"
    assert checks["reply"].detail.startswith("replied")
    assert "the SageMaker endpoint sql-writer (eu-west-1)" in checks["settings"].detail
    standin.script.endpoint_status = "Creating"
    last = diagnose(environ, secrets_path=None)[-1]
    assert last.name == "endpoint" and not last.ok and "is Creating, not InService" in last.detail


def test_settings_declare_the_endpoint_urls_once(demo_dir) -> None:
    settings = load_settings({"NLQ_MODEL": "sagemaker:sql-writer"}, secrets_path=None)
    assert (settings.sagemaker_region, settings.sagemaker_endpoint_url) == ("us-east-1", "")
    with pytest.raises(SettingsError, match="NLQ_SAGEMAKER_ENDPOINT_URL"):
        load_settings({"NLQ_MODEL": "sagemaker:x", "NLQ_SAGEMAKER_ENDPOINT_URL": "vpce-123"}, secrets_path=None)
