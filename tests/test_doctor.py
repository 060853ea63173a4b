"""The doctor catches each misconfiguration it names, with the fix, and passes a healthy set-up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nlq.doctor import diagnose
from tests.support.postgres import free_port
from tests.support.standin_model import Rule, StandinModelServer

ROOT = Path(__file__).parent.parent


@pytest.fixture
def healthy(demo_dir: Path, standin: StandinModelServer) -> dict[str, str]:
    return {"NLQ_DATA_DIR": str(demo_dir), "NLQ_MODEL_URL": standin.url}


def _failure(environ: dict[str, str]):  # noqa: ANN202
    checks = diagnose(environ, secrets_path=None)
    failed = [c for c in checks if not c.ok]
    assert len(failed) == 1 and failed[0] is checks[-1], "the first failure ends the run"
    return failed[0]


@pytest.mark.parametrize("provider", ["ollama", "openai"])
def test_healthy_setup_passes_every_check(healthy: dict[str, str], provider: str) -> None:
    checks = diagnose({**healthy, "NLQ_MODEL": f"{provider}:qwen2.5-coder:7b"}, secrets_path=None)
    assert [c.name for c in checks] == ["settings", "database", "model server", "model", "reply"]
    assert all(c.ok for c in checks), checks
    assert "replied" in checks[-1].detail and " s" in checks[-1].detail


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
