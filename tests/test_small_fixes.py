"""Small fixes of issue 16: ``nlq settings`` shows the values in effect, ``nlq eval``'s summary line says what its
accuracy is over, the Examples page shows the curated examples, and ``scripts/start.sh`` honours a port and
says what it is doing."""

from __future__ import annotations

import os
import re
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
