"""``python -m nlq`` as a user runs it: a real subprocess, real databases, the stand-in model over HTTP."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.common import MODEL_ONLY
from tests.support.postgres import PostgresServer, free_port
from tests.support.standin_model import StandinModelServer

ROOT = Path(__file__).parent.parent
JSON_FIELDS = {"question", "route", "model", "sql", "columns", "rows", "row_count", "truncated", "chart",
               "timings_ms", "tokens", "error"}


def _nlq(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NLQ_")}
    return subprocess.run([sys.executable, "-m", "nlq", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def env(demo_dir: Path, standin: StandinModelServer) -> dict[str, str]:
    return {"NLQ_DATA_DIR": str(demo_dir), "NLQ_MODEL_URL": standin.url, **MODEL_ONLY}


def test_ask_json_prints_the_documented_object(env: dict[str, str]) -> None:
    done = _nlq("ask", "Revenue by region in 2024", "--json", env=env)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert set(answer) >= JSON_FIELDS
    assert answer["route"] == "model"
    assert answer["model"] == "qwen2.5-coder:7b"
    assert answer["columns"] == ["region", "revenue"]
    assert len(answer["rows"]) == answer["row_count"] == 5
    assert answer["rows"][0][0] == "North America"
    assert answer["truncated"] is False
    assert answer["chart"] == {"type": "bar", "x": "region", "y": "revenue", "color": None}
    assert {"total", "generate", "execute"} <= set(answer["timings_ms"])
    assert answer["tokens"]["prompt"] > 0 and answer["tokens"]["completion"] > 0
    assert answer["error"] is None


def test_limit_caps_rows_in_json_only(env: dict[str, str]) -> None:
    answer = json.loads(_nlq("ask", "Monthly revenue in 2025", "--json", "--limit", "3", env=env).stdout)
    assert len(answer["rows"]) == 3
    assert answer["row_count"] == 12
    assert answer["rows"][0][0] == "2025-01"


def test_plain_output_is_readable(env: dict[str, str]) -> None:
    done = _nlq("ask", "How many orders per sales channel?", env=env)
    assert done.returncode == 0
    assert done.stdout.splitlines()[0].startswith("3 rows · ")
    assert "Online" in done.stdout and "SELECT" in done.stdout


def test_unanswerable_exits_1_with_the_error(env: dict[str, str]) -> None:
    done = _nlq("ask", "What is the meaning of life?", "--json", env=env)
    assert done.returncode == 1
    assert json.loads(done.stdout)["error"]["kind"] == "no_sql"
    down = _nlq("ask", "Total revenue", env={**env, "NLQ_MODEL_URL": f"http://127.0.0.1:{free_port()}"})
    assert down.returncode == 1
    assert "ollama serve" in down.stderr


def test_bad_usage_and_bad_settings_exit_2(env: dict[str, str]) -> None:
    assert _nlq("ask", env=env).returncode == 2
    done = _nlq("ask", "Total revenue", env={**env, "NLQ_MAX_ROWS": "many"})
    assert done.returncode == 2
    assert "NLQ_MAX_ROWS" in done.stderr
    assert "Traceback" not in done.stderr


def test_db_flag_points_at_another_database(env: dict[str, str], pg_demo_url: str) -> None:
    done = _nlq("ask", "How many orders per sales channel?", "--db", pg_demo_url, "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["row_count"] == 3


def test_demo_builds_sqlite_by_default_and_postgres_with_url(tmp_path: Path, postgres: PostgresServer) -> None:
    done = _nlq("demo", env={"NLQ_DATA_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "demo.sqlite").exists()
    assert "order_lines" in done.stdout
    url = postgres.create_database("cli_demo")
    done = _nlq("demo", "--url", url, env={})
    assert done.returncode == 0, done.stderr
    assert "postgresql" in done.stdout


def test_settings_lists_every_variable() -> None:
    done = _nlq("settings", env={})
    assert done.returncode == 0
    assert "NLQ_DATABASE_URL" in done.stdout and "NLQ_QUERY_TIMEOUT_S" in done.stdout


def test_follow_up_of_a_previous_json_answer(env: dict[str, str], standin: StandinModelServer,
                                             tmp_path: Path) -> None:
    first = _nlq("ask", "Revenue by region in 2024", "--json", env=env)
    previous = tmp_path / "previous.json"
    previous.write_text(first.stdout)
    assert json.loads(first.stdout)["history"][0]["question"] == "Revenue by region in 2024"
    second = _nlq("ask", "Total revenue", "--json", "--follow-up-of", str(previous), env=env)
    assert second.returncode == 0, second.stderr
    history = json.loads(second.stdout)["history"]
    assert [turn["question"] for turn in history] == ["Revenue by region in 2024", "Total revenue"]
    sent = [m["content"] for m in standin.requests[-1]["messages"]]
    assert "Revenue by region in 2024" in sent
    broken = tmp_path / "broken.json"
    broken.write_text("{}")
    bad = _nlq("ask", "x", "--follow-up-of", str(broken), env=env)
    assert bad.returncode == 2 and "is not an answer written by" in bad.stderr


def test_a_closed_pipe_is_not_a_traceback(env: dict[str, str]) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NLQ_")}
    done = subprocess.run(f'"{sys.executable}" -m nlq ask "Show all order lines" | head -1', shell=True, cwd=ROOT,
                          env={**clean, **env}, capture_output=True, text=True, timeout=120)
    assert done.stdout.startswith("10,000 rows")
    assert "Traceback" not in done.stderr


def test_a_question_with_two_readings_asks_back_with_its_own_exit_code(env: dict[str, str],
                                                                      standin: StandinModelServer) -> None:
    """Auto route: the rules ask which reading rather than guess or pass a half-understood question on."""
    done = _nlq("ask", "total quantity by product", "--json", env={**env, "NLQ_RULES": "true"})
    assert done.returncode == 3, done.stderr
    answer = json.loads(done.stdout)
    assert answer["error"]["kind"] == "clarify" and answer["route"] == "rules"
    options = answer["clarify"]["options"]
    assert [o["choose"] for o in options] == ["order_lines.quantity", "returns.quantity"]
    assert standin.requests == []  # no model was asked to guess
    chosen = _nlq("ask", "total quantity by product", "--json", "--choose", options[1]["choose"],
                  env={**env, "NLQ_RULES": "true"})
    assert chosen.returncode == 0, chosen.stderr
    assert json.loads(chosen.stdout)["understood"] == options[1]["understood"]
    plain = _nlq("ask", "total quantity by product", env={**env, "NLQ_RULES": "true"})
    assert plain.returncode == 3 and "--choose returns.quantity" in plain.stderr
