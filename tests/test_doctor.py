"""The doctor catches each misconfiguration it names, with the fix, and passes a healthy set-up."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from oidc_provider_mock import run_server_in_thread

from nlq.doctor import diagnose
from tests.support.postgres import free_port
from tests.support.standin_model import Rule, StandinModelServer

ROOT = Path(__file__).parent.parent


@pytest.fixture
def healthy(demo_dir: Path, standin: StandinModelServer) -> dict[str, str]:
    return {"NLQ_DATA_DIR": str(demo_dir), "NLQ_MODEL_URL": standin.url}


def _failure(environ: dict[str, str]):
    checks = diagnose(environ, secrets_path=None)
    failed = [c for c in checks if not c.ok]
    assert len(failed) == 1 and failed[0] is checks[-1], "the first failure ends the run"
    return failed[0]


@pytest.mark.parametrize("provider", ["ollama", "openai"])
def test_healthy_setup_passes_every_check(healthy: dict[str, str], provider: str) -> None:
    checks = diagnose({**healthy, "NLQ_MODEL": f"{provider}:qwen2.5-coder:7b"}, secrets_path=None)
    assert [c.name for c in checks] == ["settings", "sign-in", "database", "hidden columns", "model server", "model",
                                        "reply", "app store"]
    assert all(c.ok for c in checks), checks
    assert checks[3].detail.startswith("none: no column looks like a secret")
    assert "replied" in checks[-2].detail and " s" in checks[-2].detail and "answers in History" in checks[-1].detail
    assert "single-user local mode" in checks[1].detail


def test_doctor_says_which_columns_are_hidden(healthy: dict[str, str]) -> None:
    checks = diagnose({**healthy, "NLQ_EXCLUDE_COLUMNS": "customers.city,*.iso_code"}, secrets_path=None)
    hidden = next(c for c in checks if c.name == "hidden columns")
    assert hidden.ok and hidden.detail.startswith("2 hidden from every question")
    assert "countries.iso_code (named in NLQ_EXCLUDE_COLUMNS)" in hidden.detail
    assert "NLQ_EXPOSE_COLUMNS" in hidden.detail


@pytest.fixture
def identity_provider() -> Iterator[str]:
    with run_server_in_thread(port=free_port()) as server:
        yield f"http://127.0.0.1:{server.server_port}/.well-known/openid-configuration"


def _auth(metadata_url: str, **changes: str | None) -> str:
    values = {"redirect_uri": "https://nlq.example.com/oauth2callback", "cookie_secret": "0123456789abcdef",
              "client_id": "nlq", "client_secret": "s3cret", "server_metadata_url": metadata_url, **changes}
    return "[auth]\n" + "".join(f'{key} = "{value}"\n' for key, value in values.items() if value is not None)


def test_sign_in_is_checked_against_its_identity_provider(healthy: dict[str, str], identity_provider: str,
                                                          tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(_auth(identity_provider))
    checks = diagnose({**healthy, "NLQ_ALLOWED_USERS": "@example.com"}, secrets_path=secrets)
    assert all(c.ok for c in checks), checks
    assert checks[1].detail == ("OpenID Connect via [auth]; may use nlq: only @example.com; admins: none, so nobody "
                                "can approve examples (set NLQ_ADMINS)")


@pytest.mark.parametrize(("changes", "problem"), [
    ({"cookie_secret": None}, "[auth] lacks cookie_secret"),
    ({"redirect_uri": "https://nlq.example.com/"}, "ending in /oauth2callback"),
    ({"client_secret": None}, "[auth] lacks client_secret"),
    ({"client_id": None, "client_secret": None, "server_metadata_url": None}, "names no identity provider"),
    ({"server_metadata_url": "UNREACHABLE"}, "did not answer at http://127.0.0.1:"),
])
def test_each_sign_in_misconfiguration_is_named(healthy: dict[str, str], identity_provider: str, tmp_path: Path,
                                                changes: dict[str, str | None], problem: str) -> None:
    if changes.get("server_metadata_url") == "UNREACHABLE":
        changes = {"server_metadata_url": f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"}
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(_auth(identity_provider, **changes))
    checks = diagnose(healthy, secrets_path=secrets)
    assert [c.name for c in checks] == ["settings", "sign-in"] and not checks[-1].ok
    assert problem in checks[-1].detail and checks[-1].fix


def test_named_providers_are_each_checked(healthy: dict[str, str], identity_provider: str, tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    provider = f'client_id = "nlq"\nclient_secret = "s"\nserver_metadata_url = "{identity_provider}"\n'
    secrets.write_text('[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\ncookie_secret = "x"\n'
                       f"[auth.okta]\n{provider}[auth.entra]\n{provider.replace('client_secret', 'tenant')}")
    check = diagnose(healthy, secrets_path=secrets)[1]
    assert not check.ok and check.detail == "[auth.entra] lacks client_secret"


@pytest.mark.parametrize(("override", "name", "fix"), [
    ({"NLQ_MAX_ROWS": "lots"}, "settings", "environment"),
    ({"NLQ_MODLE": "ollama:x"}, "settings", "Known settings"),
    ({"NLQ_DATABASE_URL": "sqlite:////nonexistent/x.sqlite"}, "database", "NLQ_DATABASE_URL"),
    ({"NLQ_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/x?connect_timeout=2"}, "database", "NLQ_DATABASE_URL"),
    ({"NLQ_MODEL_URL": "UNREACHABLE"}, "model server", "ollama serve"),
    ({"NLQ_MODEL": "ollama:llama3.1:8b"}, "model", "ollama pull llama3.1:8b"),
    ({"NLQ_MODEL": "openai:llama3.1:8b"}, "model", "vllm serve llama3.1:8b"),
])
def test_each_misconfiguration_is_named_with_its_fix(healthy: dict[str, str], override: dict[str, str], name: str,
                                                     fix: str) -> None:
    if override.get("NLQ_MODEL_URL") == "UNREACHABLE":
        override = {"NLQ_MODEL_URL": f"http://127.0.0.1:{free_port()}"}
    failure = _failure({**healthy, **override})
    assert failure.name == name
    assert fix in failure.fix


def test_a_model_that_replies_nothing_fails_the_last_check(healthy: dict[str, str],
                                                          standin: StandinModelServer) -> None:
    standin.script.rules.insert(0, Rule(match="single word ok", reply=""))
    assert _failure(healthy).name == "reply"


def test_cli_exit_status(healthy: dict[str, str]) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NLQ_")}
    ok = subprocess.run([sys.executable, "-m", "nlq", "doctor"], cwd=ROOT, env={**clean, **healthy},
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "All checks passed." in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "nlq", "doctor"], cwd=ROOT,
                         env={**clean, **healthy, "NLQ_MODEL": "ollama:missing"}, capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 1
    assert "FAIL model: " in bad.stdout and "fix: Pull it with `ollama pull missing`" in bad.stdout
