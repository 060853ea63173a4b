"""Bedrock as the primary model, by the owner's explicit choice (NLQ_MODEL=bedrock:MODEL_ID): the real
ChatBedrockConverse client (ConverseStream) against the loopback stand-in through the Bedrock endpoint setting,
with dummy AWS credentials; every answer and the sidebar say that questions and schema go to AWS Bedrock."""

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from nlq.doctor import diagnose
from nlq.engine import Engine
from nlq.pipeline import ask
from nlq.planner import prefill
from nlq.routes.model import PRIMARY_HOSTED_NOTICE
from nlq.settings import Settings, load_settings
from tests.support.standin_model import AWS_TEST_ENVIRONMENT, Rule, StandinModelServer

MODEL = "anthropic.claude-test-v1:0"


@pytest.fixture(autouse=True)
def aws(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in AWS_TEST_ENVIRONMENT.items():
        monkeypatch.setenv(key, value)


def _environ(standin: StandinModelServer) -> dict[str, str]:
    return {"NLQ_MODEL": f"bedrock:{MODEL}", "NLQ_FALLBACK_URL": standin.url, "NLQ_FALLBACK_REGION": "eu-west-1"}


def test_bedrock_is_never_the_default() -> None:
    assert not load_settings({}, secrets_path=None).model.startswith("bedrock:")


def test_a_question_answered_by_bedrock_says_so(make_engine: Callable[..., Engine],
                                               standin: StandinModelServer) -> None:
    pieces: list[str] = []
    answer = ask("Total revenue", make_engine(**_environ(standin)), on_token=pieces.append)
    assert answer.ok, answer.error
    assert answer.route == "model" and answer.model == MODEL
    assert answer.notice == PRIMARY_HOSTED_NOTICE and "AWS Bedrock" in answer.notice
    assert answer.sent_to.endswith("to AWS Bedrock (eu-west-1), a hosted model")
    assert answer.prompt_tokens and answer.completion_tokens, "priced per token on the Usage page"
    sent = standin.requests[-1]
    assert sent["bedrock_model"] == MODEL and sent["bedrock_stream"] is True, "through the endpoint setting, streamed"
    assert "CREATE TABLE orders" in json.dumps(sent["system"])
    assert len(pieces) > 3 and "total_revenue" in "".join(pieces)


def test_bedrock_failures_are_named_for_the_primary(make_engine: Callable[..., Engine],
                                                    standin: StandinModelServer) -> None:
    standin.script.rules.insert(0, Rule(match="total revenue", protocol="bedrock", aws_error="ThrottlingException",
                                        error="Too many tokens, please wait before trying again."))
    answer = ask("Total revenue", make_engine(**_environ(standin)))
    assert answer.error.kind == "model_error" and "AWS Bedrock (eu-west-1) is busy" in answer.error.message
    assert "quota" in answer.error.hint


def test_the_sidebar_keeps_a_notice_that_questions_go_to_bedrock(app_test: Callable[..., AppTest],
                                                                 standin: StandinModelServer) -> None:
    at = app_test("streamlit_app.py", **_environ(standin))
    warnings = [w.value for w in at.sidebar.warning]
    assert any("Questions and schema go to AWS Bedrock" in w for w in warnings), warnings
    assert not any("stay on your infrastructure" in c.value and "Questions" in c.value for c in at.sidebar.caption)
    assert [s.value for s in at.sidebar.success] == ["Model server ready"]


def test_the_sidebar_of_a_self_hosted_model_has_no_such_notice(app_test: Callable[..., AppTest]) -> None:
    at = app_test("streamlit_app.py")
    assert not any("AWS Bedrock" in w.value for w in at.sidebar.warning)


def test_doctor_checks_credentials_and_a_reply(demo_dir: Path, standin: StandinModelServer) -> None:
    checks = {c.name: c for c in diagnose({"NLQ_DATA_DIR": str(demo_dir), **_environ(standin)}, secrets_path=None)}
    assert all(c.ok for c in checks.values()), [c for c in checks.values() if not c.ok]
    assert checks["AWS credentials"].ok and "questions and schema go to AWS" in checks["hosted model"].detail
    assert checks["reply"].detail.startswith("replied")


def test_the_planner_prices_bedrock_per_token(make_settings: Callable[..., Settings],
                                              standin: StandinModelServer) -> None:
    empty = pd.DataFrame(columns=["route", "status", "asked_at", "model_seconds", "prompt_tokens",
                                  "completion_tokens"])
    assert prefill(empty, make_settings(**_environ(standin))).inputs.api_per_question is None
    assert prefill(empty, make_settings()).inputs.api_per_question is not None
