"""``python -m nlq bench-model`` and its engine (``nlq.benchmark``): nlq's own prompts sent to a model server at
several concurrency levels, timed, against the loopback stand-in (whose rules set the delays and failures) and
the real tiny llama.cpp model; the saved last run on the Usage & cost page."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from nlq.benchmark import GOLDEN, SAVED_FILE, Sample, benchmark, last_run, percentile, save_run, summarise
from nlq.cli import main
from nlq.engine import Engine
from nlq.errors import ModelFailed, ModelTimeout
from nlq.settings import Settings
from tests.support.postgres import free_port
from tests.support.real_model import ALIAS
from tests.support.standin_model import Rule, Script, StandinModelServer

SQL_REPLY = "```sql\nSELECT COUNT(*) AS orders FROM orders\n```"


@pytest.fixture
def scripted(standin: StandinModelServer) -> Callable[..., StandinModelServer]:
    """The stand-in answering every question by ``default`` (a Rule's fields), with ``rules`` before it."""

    def script(rules: list[Rule] | None = None, **default: object) -> StandinModelServer:
        standin.script = Script(rules=rules or [], default=Rule(**{"reply": SQL_REPLY, **default}))  # type: ignore[arg-type]
        return standin

    return script


@pytest.fixture
def data_dir(tmp_path: Path, demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder of the test's own holding a copy of the demo, so the saved run goes nowhere shared."""
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(demo_dir / "demo.sqlite", folder / "demo.sqlite")
    for key, value in {"NLQ_DATA_DIR": str(folder), "NLQ_APP_DB_URL": f"sqlite:///{tmp_path / 'app.sqlite'}",
                       "NLQ_RULES": "false", "NLQ_CACHE": "false"}.items():
        monkeypatch.setenv(key, value)
    return folder


def questions_file(tmp_path: Path, *questions: str) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("".join(json.dumps({"question": q, "sql": "SELECT 1"}) + "\n" for q in questions))
    return path


def test_first_token_and_latency_are_timed_at_each_level(make_engine: Callable[..., Engine],
                                                         scripted: Callable[..., StandinModelServer]) -> None:
    server = scripted(delay_s=0.2, piece_delay_s=0.05)
    run = benchmark(make_engine(), levels=[1, 4], requests=4)
    assert [level.concurrency for level in run.levels] == [1, 4]
    assert run.questions_from == "the demo's golden questions" and run.questions == len(GOLDEN.read_text().splitlines())
    assert run.warm_up_s is not None and run.warm_up_s >= 0.2
    for level in run.levels:
        assert level.requests == level.ok == level.replies_with_sql == 4 and level.errors == {}
        assert level.ttft_p50_s is not None and level.latency_p50_s is not None and level.latency_p95_s is not None
        assert 0.2 <= level.ttft_p50_s < 1.0, "the stand-in waits 0.2 s before its first byte"
        assert level.latency_p50_s >= level.ttft_p50_s + 0.2, "and 0.05 s between its pieces"
        assert level.latency_p95_s >= level.latency_p50_s
        assert level.tokens == "reported" and level.tokens_per_s and level.tokens_per_s_per_request
        assert level.tokens_per_s_per_request < 40, "pieces 0.05 s apart: at most 20 a second"
    one, four = run.levels
    assert four.wall_s < one.wall_s / 2, "four in flight at once, not one after another"
    assert four.requests_per_s > one.requests_per_s * 2
    assert run.prompt_tokens_mean and run.prompt_tokens_mean > 100, "nlq's own prompt: schema and examples"
    sent = server.requests[-1]["messages"]
    assert sent[0]["role"] == "system" and "Schema:" in sent[0]["content"] and "orders" in sent[0]["content"]
    assert len(sent) > 2, "the similar examples go with the question, as the model route sends them"


def test_errors_are_counted_by_kind(make_engine: Callable[..., Engine], tmp_path: Path,
                                    scripted: Callable[..., StandinModelServer]) -> None:
    scripted([Rule(match="by region", status=500, error="out of memory"),
              Rule(match="slowly", delay_s=2.0)])
    questions = questions_file(tmp_path, "Total revenue", "Revenue by region", "Count orders slowly", "Top products")
    run = benchmark(make_engine(NLQ_MODEL_TIMEOUT_S="0.6"), levels=[1, 2], requests=4, questions_file=questions)
    assert run.questions_from == str(questions) and run.timeout_s == 0.6
    # warm-up: "Total revenue"; then region, slowly, top, total | region, slowly, top, total
    for level in run.levels:
        assert level.requests == 4 and level.ok == 2
        assert level.errors == {"model_error": 1, "model_timeout": 1}
        assert level.latency_p95_s is not None and level.latency_p95_s < 0.6, "failures are not in the latencies"


def test_summary_of_samples_without_counted_tokens() -> None:
    samples = [Sample(total_s=1.0, ttft_s=0.5, output_tokens=10), Sample(total_s=2.0, ttft_s=1.0, output_tokens=30),
               Sample(total_s=0.1, failure=ModelTimeout("late")), Sample(total_s=0.1, failure=ModelFailed("boom"))]
    level = summarise(2, samples, wall_s=2.0)
    assert level.tokens == "estimated" and level.ok == 2 and level.errors == {"model_error": 1, "model_timeout": 1}
    assert level.ttft_p50_s == 0.75 and level.latency_p95_s == pytest.approx(1.95)
    assert level.tokens_per_s == 20.0 and level.tokens_per_s_per_request == 25.0 and level.requests_per_s == 1.0
    assert percentile([], 50) is None and percentile([3.0], 95) == 3.0


def test_cli_prints_a_table_and_saves_the_run(data_dir: Path, scripted: Callable[..., StandinModelServer],
                                              capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NLQ_MODEL_URL", scripted(delay_s=0.05).url)
    assert main(["bench-model", "--concurrency", "1,2", "--requests", "2"]) == 0
    out = capsys.readouterr().out
    assert "Model qwen2.5-coder:7b (ollama) at http://127.0.0.1:" in out
    assert "in flight  requests  errors  TTFT p50" in out and "Saved to" in out
    assert [line.split()[0] for line in out.splitlines() if line.strip()[:2] in ("1 ", "2 ")] == ["1", "2"]
    saved = json.loads((data_dir / SAVED_FILE).read_text())
    assert saved["model"] == "qwen2.5-coder:7b" and [level["concurrency"] for level in saved["levels"]] == [1, 2]


def test_cli_json_is_one_object_and_the_saved_run(data_dir: Path, scripted: Callable[..., StandinModelServer],
                                                  capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NLQ_MODEL_URL", scripted().url)
    monkeypatch.setenv("NLQ_MODEL", "openai:qwen2.5-coder:7b")
    assert main(["bench-model", "--concurrency", "1,3", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == json.loads((data_dir / SAVED_FILE).read_text())
    assert {"time", "provider", "model", "server", "questions_from", "questions", "timeout_s", "warm_up_s",
            "prompt_tokens_mean", "levels"} <= set(report)
    assert report["provider"] == "openai" and report["server"].startswith("http://127.0.0.1:")
    first, second = report["levels"]
    assert (first["concurrency"], first["requests"]) == (1, 8), "the default: 8 requests a level"
    assert {"requests", "ok", "errors", "ttft_p50_s", "ttft_p95_s", "latency_p50_s", "latency_p95_s",
            "tokens_per_s_per_request", "tokens_per_s", "requests_per_s", "tokens"} <= set(first)
    assert second["ok"] == 8 and second["tokens"] == "reported"


def test_a_dead_server_is_a_friendly_error(data_dir: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NLQ_MODEL_URL", f"http://127.0.0.1:{free_port()}")
    assert main(["bench-model", "--requests", "1"]) == 1
    captured = capsys.readouterr()
    assert "could not be reached" in captured.err and "ollama serve" in captured.err
    assert "Traceback" not in captured.err + captured.out and not (data_dir / SAVED_FILE).exists()


def test_a_run_without_a_reply_exits_1(data_dir: Path, scripted: Callable[..., StandinModelServer],
                                       capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NLQ_MODEL_URL", scripted(status=500, error="CUDA out of memory").url)
    assert main(["bench-model", "--concurrency", "2", "--requests", "2"]) == 1
    captured = capsys.readouterr()
    assert "2 model_error" in captured.out and "no request got a reply" in captured.err


@pytest.mark.parametrize(("arguments", "wanted"), [(["--concurrency", "1,x"], "--concurrency"),
                                                   (["--concurrency", "0"], "--concurrency"),
                                                   (["--requests", "0"], "--requests"),
                                                   (["--questions", "missing.jsonl"], "Could not read")])
def test_bad_arguments_exit_2(data_dir: Path, capsys: pytest.CaptureFixture[str], arguments: list[str],
                              wanted: str) -> None:
    assert main(["bench-model", *arguments]) == 2
    assert wanted in capsys.readouterr().err


def test_a_questions_file_without_questions(tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"question": "Total revenue"}\n{"sql": "SELECT 1"}\n')
    assert main(["bench-model", "--questions", str(path)]) == 2
    assert "bad.jsonl, line 2: not a JSON object with a \"question\"" in capsys.readouterr().err


def test_the_usage_page_shows_the_last_run(data_dir: Path, make_engine: Callable[..., Engine],
                                           scripted: Callable[..., StandinModelServer],
                                           app_test: Callable[..., AppTest]) -> None:
    path = data_dir / SAVED_FILE
    before = app_test("pages/3_Usage_and_cost.py", NLQ_DATA_DIR=str(data_dir))
    assert any("python -m nlq bench-model" in c.value for c in before.caption)
    save_run(benchmark(make_engine(NLQ_DATA_DIR=str(data_dir)), levels=[1, 2], requests=2), path)
    after = app_test("pages/3_Usage_and_cost.py", NLQ_DATA_DIR=str(data_dir))
    assert [h.value for h in after.subheader if h.value == "Model server benchmark"]
    assert any(c.value.startswith("Measured ") and "qwen2.5-coder:7b (ollama)" in c.value for c in after.caption)
    table = next(frame.value for frame in after.dataframe if "first token p50 (s)" in frame.value.columns)
    assert list(table["in flight"]) == [1, 2] and list(table["errors"]) == ["none", "none"]
    saved = last_run(path)
    assert saved is not None and not saved.estimated


def test_a_broken_saved_file_is_no_run(tmp_path: Path) -> None:
    (tmp_path / SAVED_FILE).write_text("{not json")
    assert last_run(tmp_path / SAVED_FILE) is None and last_run(tmp_path / "absent.json") is None


@pytest.fixture(scope="module")
def real_model_url() -> Iterator[str]:
    from tests.test_real_model import real_model_url as start

    yield from start.__wrapped__()  # type: ignore[attr-defined]


@pytest.mark.model
def test_the_real_small_model(make_settings: Callable[..., Settings], make_engine: Callable[..., Engine],
                              real_model_url: str) -> None:
    engine = make_engine(NLQ_MODEL=f"openai:{ALIAS}", NLQ_MODEL_URL=real_model_url, NLQ_MODEL_TIMEOUT_S="120",
                         NLQ_MODEL_MAX_TOKENS="64")
    run = benchmark(engine, levels=[1, 2], requests=2)
    assert run.warm_up_s is not None and run.prompt_tokens_mean and run.prompt_tokens_mean > 100
    for level in run.levels:
        assert level.ok == 2, level.errors
        assert level.ttft_p50_s and level.latency_p50_s and level.ttft_p50_s <= level.latency_p50_s
        assert level.tokens == "reported" and level.tokens_per_s and level.tokens_per_s > 0
