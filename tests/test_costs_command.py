"""``python -m nlq costs``: the planner's report in a terminal, its flags and its JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlq.cli import main


@pytest.fixture(autouse=True)
def _own_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NLQ_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NLQ_APP_DB_URL", f"sqlite:///{tmp_path / 'app.sqlite'}")


def test_the_briefs_figures_as_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["costs", "--gpu-per-hour", "0.5", "--without-model", "0.8"]) == 0
    out = capsys.readouterr().out
    assert "from the brief's figures (no model answers measured yet)" in out
    assert "GPU $0.500/h × 24 h a day = $360 a month, plus $50 operations" in out
    assert "Self-hosted                     $410     $0.0014              300,000     1" in out
    assert "Hosted API                    $3,000       $0.01              300,000     -" in out
    assert "Hybrid: rules + hosted API      $600      $0.002               60,000     -" in out
    assert "Break-even: 41,000 questions a month (1,367 a day)" in out


def test_json_with_every_input_given(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["costs", "--brief", "--json", "--instance", "g4dn.xlarge spot", "--hours-per-day", "10",
                 "--ops", "0", "--questions-per-day", "2000", "--api-per-token", "--prompt-tokens", "1000",
                 "--completion-tokens", "100", "--model-seconds", "0"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["measured"] is False and report["gpu_monthly"] == pytest.approx(0.158 * 10 * 30)
    assert report["inputs"]["api_per_question"] is None
    hosted = report["options"][1]
    assert hosted["name"] == "Hosted API" and hosted["per_question"] == pytest.approx(0.003 + 0.1 * 0.015)
    assert report["break_even_questions_per_month"] == pytest.approx(47.4 / 0.0045)


@pytest.mark.parametrize("flags", [["--instance", "nope"], ["--without-model", "1.5"], ["--hours-per-day", "25"],
                                   ["--questions-per-day", "-1"]])
def test_bad_inputs_are_usage_errors(flags: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["costs", "--brief", *flags]) == 2
    assert capsys.readouterr().err.startswith("error: ")
