"""Small fixes of issue 16: ``nlq settings`` shows the values in effect, ``nlq eval``'s summary line says what its
accuracy is over, the Examples page shows the curated examples, and ``scripts/start.sh`` honours a port and
says what it is doing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from nlq.cli import evaluation
from nlq.cli.evaluation import summary_line
from nlq.evaluate import CaseResult, summarize
from nlq.examples import DEMO_EXAMPLES
from tests.support import chinook
from tests.support.common import ROOT


def _nlq(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NLQ_")}
    return subprocess.run([sys.executable, "-m", "nlq", *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**clean, "PYTHONPATH": str(ROOT), **env})


def _line(text: str, variable: str) -> str:
    [line] = [line for line in text.splitlines() if line.split()[:1] == [variable]]
    return line


def test_settings_prints_the_values_in_effect_and_where_they_came_from(tmp_path: Path) -> None:
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        'NLQ_MAX_ROWS = 500\nNLQ_MODEL_API_KEY = "sk-do-not-print"\n[auth]\nclient_id = "x"\n')
    done = _nlq("settings", cwd=tmp_path, env={
        "NLQ_DATABASE_URL": "postgresql://ana:hunter2@db.internal/sales", "NLQ_RULES": "false",
        "NLQ_MODEL_URL": "http://bob:pw123@gpu:8000", "NLQ_MAX_ROWS": "250"})
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "hunter2" not in out and "sk-do-not-print" not in out and "pw123" not in out
    assert re.search(r"environment\s+postgresql://ana:\*\*\*@db.internal/sales\s+\(default: demo database\)",
                     _line(out, "NLQ_DATABASE_URL"))
    assert re.search(r"environment\s+250\s+\(default: 10000\)", _line(out, "NLQ_MAX_ROWS"))  # the environment wins
    assert re.search(r"secrets file\s+\*\*\* \(set\)", _line(out, "NLQ_MODEL_API_KEY"))
    assert re.search(r"environment\s+http://bob:\*\*\*@gpu:8000", _line(out, "NLQ_MODEL_URL"))
    assert re.search(r"environment\s+false\s+\(default: true\)", _line(out, "NLQ_RULES"))
    assert re.search(r"default\s+120$", _line(out, "NLQ_MODEL_TIMEOUT_S"))
    assert "5 differ from the default" in out.splitlines()[0]


def test_settings_reports_a_malformed_value_as_at_start(tmp_path: Path) -> None:
    done = _nlq("settings", cwd=tmp_path, env={"NLQ_MAX_ROWS": "lots"})
    assert done.returncode == 2 and "NLQ_MAX_ROWS" in done.stderr


def _result(number: int, route: str, answered: bool, correct: bool) -> CaseResult:
    return CaseResult(id=str(number), question=f"question {number}", db=None, kind=None, route=route,
                      answered=answered, correct=correct, sql="SELECT 1" if answered else None, gold_sql="SELECT 1")


def test_eval_summary_says_what_its_accuracy_is_of(capsys: pytest.CaptureFixture[str]) -> None:
    """54 of 76 right is 71.1% (71.05…), not 71.0% (the ratio rounded to 0.7105 and then again); a route's row
    does not pass off a share of all questions as its own accuracy."""
    results = ([_result(n, "rules", True, True) for n in range(54)]
               + [_result(n, "model", False, False) for n in range(54, 76)])
    summary = summarize(results)
    assert summary_line(summary) == ("76 questions · 54 answered · 54 correct · accuracy 71.1% of 76 · "
                                     "precision 100.0% of 54 answered")
    evaluation._print_summary(summary)
    printed = capsys.readouterr().out
    assert "71.0%" not in printed and printed.strip().endswith("precision 100.0% of 54 answered")
    rules_row = next(line for line in printed.splitlines() if line.startswith("rules"))
    assert rules_row.split()[1:5] == ["54", "54", "54", "100.0%"]
    assert summary_line(summarize([])) == "0 questions · 0 answered · 0 correct"


def test_eval_command_ends_with_the_summary_line(tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "How many tracks are there?", "sql": "SELECT COUNT(*) FROM track"}\n'
                         '{"question": "How many tracks are there?", "sql": "SELECT 1"}\n'
                         '{"question": "Tracks never sold", "sql": "SELECT 1"}\n')
    done = _nlq("eval", str(questions), "--db", chinook.sqlite_url(), "--route", "rules", cwd=ROOT,
                env={"NLQ_DATA_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == ("3 questions · 2 answered · 1 correct · accuracy 33.3% of 3 · "
                                           "precision 50.0% of 2 answered")


def test_examples_page_shows_the_curated_examples_of_the_demo(app_test: Callable[..., AppTest]) -> None:
    """The demo's curated examples join model prompts; the page used to show only "Approved (0)"."""
    curated = [line for line in DEMO_EXAMPLES.read_text().splitlines() if line.strip()]
    at = app_test("pages/4_Examples.py")
    labels = [tab.label for tab in at.tabs]
    assert labels[:2] == ["Candidates (0)", "Approved (0)"] and labels[-1] == f"Curated ({len(curated)})"
    tab = at.tabs[-1]
    assert any("nlq/demo/examples.jsonl" in caption.value and "join its prompt" in caption.value
               for caption in tab.caption)
    assert len(tab.expander) == len(curated) and len(tab.code) == len(curated)
    assert tab.expander[0].label.startswith("1 · ")


def test_examples_page_shows_the_operators_own_file(app_test: Callable[..., AppTest], tmp_path: Path) -> None:
    examples = tmp_path / "ours.jsonl"
    examples.write_text('{"question": "How many customers?", "sql": "SELECT COUNT(*) FROM customers"}\n')
    at = app_test("pages/4_Examples.py", NLQ_EXAMPLES_FILE=str(examples))
    tab = at.tabs[-1]
    assert tab.label == "Curated (1)" and any(str(examples) in caption.value for caption in tab.caption)
    assert tab.expander[0].label == "1 · How many customers?"
    assert tab.code[0].value == "SELECT COUNT(*) FROM customers"


FAKE_PYTHON = """#!/usr/bin/env bash
# Stands in for python3: says it is 3.11 and makes a .venv whose python fakes pip and Streamlit.
case "$1" in
  -c) exit 0 ;;
  --version) echo "Python 3.11.99"; exit 0 ;;
  -m) [ "$2" = venv ] || exit 1; mkdir -p "$3/bin"; cp "$FAKE_VENV_PYTHON" "$3/bin/python"; exit 0 ;;
esac
exit 1
"""
FAKE_VENV_PYTHON = """#!/usr/bin/env bash
if [ "$2" = pip ]; then
  echo "pip $*" >> "$FAKE_LOG"
  echo "Collecting streamlit==1.50.0 (from -r requirements.txt (line 1))"
  echo "  Downloading streamlit-1.50.0-py3-none-any.whl (10.1 MB)"
  echo "Collecting pandas==2.3.3 (from -r requirements.txt (line 2))"
  echo "Installing collected packages: pandas, streamlit"
  [ -z "${FAKE_PIP_FAILS:-}" ] || { echo "ERROR: No matching distribution found for pandas"; exit 1; }
  echo "Successfully installed pandas-2.3.3 streamlit-1.50.0"
elif [ "$2" = streamlit ]; then
  echo "streamlit ${*:3}" >> "$FAKE_LOG"
fi
"""
TOOLS = ("bash", "cat", "sha256sum", "cut", "basename", "dirname", "rm", "touch", "id", "sed", "head", "mkdir",
         "awk", "tee", "tail", "cp", "env")  # and no apt-get: nothing is installed on this machine


@pytest.fixture
def start(tmp_path: Path) -> Callable[..., tuple[subprocess.CompletedProcess[str], str]]:
    """scripts/start.sh in a copy of the project whose python, pip and Streamlit are fakes that log their
    arguments: what it says and what it runs, without installing or starting anything."""
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    (project / ".streamlit").mkdir()
    for name in ("start.sh", "venv.sh", "secrets-from-env.sh"):
        (project / "scripts" / name).write_text((ROOT / "scripts" / name).read_text())
    (project / ".streamlit" / "config.toml").write_text((ROOT / ".streamlit" / "config.toml").read_text())
    (project / "requirements.txt").write_text((ROOT / "requirements.txt").read_text())
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, tool
        (tools / tool).symlink_to(found)
    for name, text in (("python3", FAKE_PYTHON), ("venv-python", FAKE_VENV_PYTHON)):
        (tools / name).write_text(text)
        (tools / name).chmod(0o755)
    log = tmp_path / "calls.log"

    def run(*args: str, **environ: str) -> tuple[subprocess.CompletedProcess[str], str]:
        log.write_text("")
        env = {"PATH": str(tools), "HOME": str(tmp_path), "PYTHON": str(tools / "python3"),
               "FAKE_VENV_PYTHON": str(tools / "venv-python"), "FAKE_LOG": str(log), **environ}
        done = subprocess.run([str(tools / "bash"), "scripts/start.sh", *args], cwd=project, env=env,
                              capture_output=True, text=True, timeout=60)
        return done, log.read_text()

    return run


def test_start_says_what_it_does_the_first_time_and_honours_the_port(start: Callable[..., tuple]) -> None:
    done, calls = start("--server.port", "8600")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Creating the virtual environment .venv with Python 3.11.99 …"
    assert lines[1].startswith("Installing Python packages from requirements.txt into .venv: this takes a few "
                               "minutes the first time (full log: .venv/pip-install.log)")
    assert lines[2:6] == ["  1. streamlit==1.50.0", "  2. pandas==2.3.3", "  installing the packages …",
                          "Installed the Python packages."]
    assert lines[-1] == "Starting nlq on http://localhost:8600 (Ctrl+C stops it)"
    assert "--progress-bar off -r requirements.txt" in calls
    assert calls.splitlines()[-1] == "streamlit run streamlit_app.py --server.port 8600"

    again, calls = start("--server.port=8601")  # installed: straight to the start
    assert again.stdout.splitlines() == ["Starting nlq on http://localhost:8601 (Ctrl+C stops it)"]
    assert "pip" not in calls
    assert start()[0].stdout.strip() == "Starting nlq on http://localhost:8501 (Ctrl+C stops it)"  # config.toml
    by_environment = start(STREAMLIT_SERVER_PORT="8700", STREAMLIT_SERVER_ADDRESS="0.0.0.0")[0]
    assert by_environment.stdout.strip() == "Starting nlq on http://localhost:8700 (Ctrl+C stops it)"
    flag_wins = start("--server.address", "nlq.internal", "--server.port", "9000", STREAMLIT_SERVER_PORT="8700")[0]
    assert flag_wins.stdout.strip() == "Starting nlq on http://nlq.internal:9000 (Ctrl+C stops it)"


def test_start_stops_when_pip_fails_and_shows_the_end_of_its_log(start: Callable[..., tuple]) -> None:
    done, calls = start(FAKE_PIP_FAILS="1")
    assert done.returncode == 1 and "streamlit run" not in calls
    assert "ERROR: No matching distribution found for pandas" in done.stderr
    assert "Installing the packages failed (above: the end of .venv/pip-install.log)" in done.stderr
