"""Question to answer on real databases, with the real model client over HTTP to the stand-in."""

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from nlq.engine import Engine
from nlq.pipeline import MAX_QUESTION_CHARS, ask, run_sql
from tests.support.postgres import free_port
from tests.support.standin_model import Rule, StandinModelServer


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, make_engine: Callable[..., Engine]) -> Engine:
    if request.param == "sqlite":
        return make_engine()
    return make_engine(NLQ_DATABASE_URL=request.getfixturevalue("pg_demo_url"))


def _reply_with(standin: StandinModelServer, match: str, reply: str) -> None:
    standin.script.rules.insert(0, Rule(match=match, reply=reply))


def test_question_becomes_sql_table_and_chart(make_engine: Callable[..., Engine]) -> None:
    steps: list[str] = []
    answer = ask("Revenue by region in 2024", make_engine(), on_step=lambda step, _label: steps.append(step))
    assert answer.ok, answer.error
    assert steps == ["schema", "generate", "vet", "execute", "chart", "evidence"]
    assert answer.row_count == 5
    assert set(answer.frame["region"]) == {"North America", "Europe", "Asia Pacific", "Latin America",
                                           "Middle East & Africa"}
    assert answer.frame["revenue"].is_monotonic_decreasing
    assert answer.chart.type == "bar"
    assert answer.sql.startswith("SELECT")
    assert answer.prompt_tokens and answer.completion_tokens
    assert {"total", "generate", "execute", "database"} <= set(answer.timings_ms)
    assert answer.status_line.startswith("5 rows · ") and answer.status_line.endswith(" · qwen2.5-coder:7b")
    assert answer.csv_filename == "revenue-by-region-in-2024.csv"
    assert answer.csv_bytes().decode().splitlines()[0] == "region,revenue"


def test_same_question_on_postgres(make_engine: Callable[..., Engine], standin: StandinModelServer,
                                   pg_demo_url: str) -> None:
    on_sqlite = ask("Revenue by region in 2024", make_engine())
    _reply_with(standin, "revenue by region", """```sql
SELECT r.name AS region, ROUND(SUM(ol.quantity * ol.unit_price * (1 - ol.discount)), 2) AS revenue
FROM orders o JOIN order_lines ol ON ol.order_id = o.order_id
JOIN customers c ON c.customer_id = o.customer_id JOIN countries co ON co.country_id = c.country_id
JOIN regions r ON r.region_id = co.region_id
WHERE o.status <> 'cancelled' AND EXTRACT(YEAR FROM o.order_date) = 2024
GROUP BY r.name ORDER BY revenue DESC
```""")
    on_postgres = ask("Revenue by region in 2024", make_engine(NLQ_DATABASE_URL=pg_demo_url))
    assert on_postgres.ok, on_postgres.error
    assert "postgresql" in standin.requests[-1]["messages"][0]["content"].lower()
    assert list(on_postgres.frame["region"]) == list(on_sqlite.frame["region"])
    assert list(on_postgres.frame["revenue"]) == pytest.approx(list(on_sqlite.frame["revenue"]), abs=0.05)


def test_kpi_and_time_series(make_engine: Callable[..., Engine]) -> None:
    engine = make_engine()
    assert ask("Total revenue", engine).chart.type == "kpi"
    monthly = ask("Monthly revenue in 2025", engine)
    assert monthly.chart.type == "line" and monthly.row_count == 12


def test_capped_result_says_how_many_rows_exist(make_engine: Callable[..., Engine]) -> None:
    answer = ask("Show all order lines", make_engine(NLQ_MAX_ROWS="250"))
    assert answer.truncated and answer.row_count == 250
    assert answer.row_note == f"Showing the first 250 of {answer.total_rows:,} rows."
    assert answer.total_rows >= 50_000


def test_empty_result_is_an_answer_not_an_error(engine: Engine, standin: StandinModelServer) -> None:
    _reply_with(standin, "atlantis", "```sql\nSELECT name FROM regions WHERE name = 'Atlantis'\n```")
    answer = ask("Revenue in Atlantis", engine)
    assert answer.ok and answer.empty
    assert list(answer.frame.columns) == ["name"]


def test_reply_without_sql(engine: Engine) -> None:
    answer = ask("What is the meaning of life?", engine)
    assert answer.error.kind == "no_sql"
    assert "cannot answer" in answer.error.message
    assert answer.model_reply


def test_write_from_the_model_is_refused_not_run(engine: Engine, standin: StandinModelServer) -> None:
    _reply_with(standin, "clean up", "```sql\nDELETE FROM returns\n```")
    answer = ask("Please clean up the returns table", engine)
    assert answer.error.kind == "refused"
    assert answer.sql == "DELETE FROM returns"
    assert ask("Which categories have the most returns?", engine).row_count == 8, "nothing was deleted"


def test_database_error_shows_message_and_sql(engine: Engine, standin: StandinModelServer) -> None:
    _reply_with(standin, "profit", "```sql\nSELECT SUM(profit) FROM orders\n```")
    answer = ask("Total profit", engine)
    assert answer.error.kind == "database_error"
    assert "profit" in answer.error.message
    assert "sum(profit)" in answer.sql.lower()


@pytest.mark.parametrize(("question", "fragment"), [("", "empty"), ("   \n", "empty"),
                                                    ("x" * (MAX_QUESTION_CHARS + 1), "limit is 2,000")])
def test_bad_questions_never_reach_the_model(make_engine: Callable[..., Engine],
                                             standin: StandinModelServer, question: str, fragment: str) -> None:
    answer = ask(question, make_engine())
    assert answer.error.kind == "bad_question"
    assert fragment in answer.error.message
    assert standin.requests == []
    assert answer.route is None and answer.model is None and answer.sent_to.startswith("nothing")


def test_an_unknown_route_is_bad_input_not_a_crash(make_engine: Callable[..., Engine]) -> None:
    answer = ask("Total revenue", make_engine(), mode="sideways")
    assert answer.error.kind == "bad_input" and "auto, rules, model" in answer.error.hint


def test_sessions_share_one_engine(make_engine: Callable[..., Engine]) -> None:
    """The app shares one engine between sessions: first use from many threads at once builds it once."""
    engine = make_engine(NLQ_RULES="true")
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: ask("Revenue by region in 2024", engine), range(8)))
    assert all(a.ok and a.route == "rules" for a in answers), [a.error for a in answers]
    assert all(a.frame.equals(answers[0].frame) for a in answers)
    assert engine.catalog() is engine.catalog()


def test_model_failures_become_answers_with_errors(make_engine: Callable[..., Engine]) -> None:
    down = ask("Total revenue", make_engine(NLQ_MODEL_URL=f"http://127.0.0.1:{free_port()}"))
    assert down.error.kind == "model_unreachable"
    assert "ollama serve" in down.error.hint
    missing = ask("Total revenue", make_engine(NLQ_MODEL="ollama:not-pulled"))
    assert missing.error.kind == "model_not_found"


def test_edited_sql_takes_the_same_gate(engine: Engine, standin: StandinModelServer) -> None:
    answer = run_sql("SELECT name FROM regions ORDER BY name", engine, question="Regions")
    assert answer.ok and answer.route == "edited" and answer.row_count == 5
    assert answer.model is None and standin.requests == []
    refused = run_sql("SELECT * FROM regions; DROP TABLE regions", engine)
    assert refused.error.kind == "refused"
    assert "execute" not in refused.timings_ms


@pytest.mark.parametrize("provider", ["ollama", "openai"])
def test_failed_sql_is_repaired_by_the_model(make_engine: Callable[..., Engine], standin: StandinModelServer,
                                             provider: str) -> None:
    _reply_with(standin, "did not work", "```sql\nSELECT name AS region FROM regions ORDER BY name\n```")
    _reply_with(standin, "list the regions", "```sql\nSELECT region_name FROM regionz\n```")
    answer = ask("List the regions", make_engine(NLQ_MODEL=f"{provider}:qwen2.5-coder:7b"))
    assert answer.ok, answer.error
    assert answer.repair_rounds == 1 and "fixed its SQL in 1 round" in answer.status_line
    repair = standin.requests[-1]["messages"]
    assert "regionz" in repair[-1]["content"], "the model is told which table does not exist"
    assert repair[-2]["role"] == "assistant" and "regionz" in repair[-2]["content"]


def test_database_errors_are_repaired_and_rounds_are_bounded(make_engine: Callable[..., Engine],
                                                            standin: StandinModelServer) -> None:
    _reply_with(standin, "did not work", "```sql\nSELECT nope FROM regions\n```")
    _reply_with(standin, "region names", "```sql\nSELECT nope FROM regions\n```")
    answer = ask("Region names", make_engine(NLQ_REPAIR_ROUNDS="2"))
    assert answer.error.kind == "database_error"
    assert answer.repair_rounds == 2
    assert len(standin.requests) == 3
    assert answer.completion_tokens > 0 and answer.timings_ms["model"] > 0


def test_security_refusals_are_never_repaired(make_engine: Callable[..., Engine],
                                              standin: StandinModelServer) -> None:
    _reply_with(standin, "did not work", "```sql\nSELECT 1\n```")
    _reply_with(standin, "wipe", "```sql\nDELETE FROM orders\n```")
    answer = ask("Wipe the orders", make_engine())
    assert answer.error.kind == "refused" and answer.repair_rounds == 0
    assert len(standin.requests) == 1


def test_follow_up_questions_carry_the_conversation(make_engine: Callable[..., Engine],
                                                    standin: StandinModelServer) -> None:
    engine = make_engine()
    first = ask("Revenue by region in 2024", engine)
    _reply_with(standin, "now by month", "```sql\nSELECT strftime('%m', order_date) AS month, COUNT(*) AS n "
                "FROM orders GROUP BY month\n```")
    second = ask("Now by month", engine, history=first.turns())
    assert second.ok
    sent = standin.requests[-1]["messages"]
    assert [m["role"] for m in sent[-3:]] == ["user", "assistant", "user"]
    assert sent[-3]["content"] == "Revenue by region in 2024"
    assert "FROM orders" in sent[-2]["content"]
    assert {"orders", "regions"} <= set(second.tables_in_prompt)
    assert [t.question for t in second.turns()] == ["Revenue by region in 2024", "Now by month"]


def test_examples_most_like_the_question_go_into_the_prompt(make_engine: Callable[..., Engine],
                                                           standin: StandinModelServer) -> None:
    ask("Top 5 customers by revenue in 2025", make_engine())
    sent = standin.requests[-1]["messages"]
    assert any(m["content"] == "Top 5 customers by revenue" for m in sent if m["role"] == "user")


@pytest.fixture
def with_fallback(monkeypatch: pytest.MonkeyPatch, standin: StandinModelServer) -> dict[str, str]:
    """The hosted fallback pointed at the stand-in's Bedrock Converse endpoint, with dummy AWS credentials."""
    credentials = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_EC2_METADATA_DISABLED": "true"}
    for key, value in credentials.items():
        monkeypatch.setenv(key, value)
    return {"NLQ_FALLBACK_MODEL": "bedrock:anthropic.claude-test-v1:0", "NLQ_FALLBACK_URL": standin.url}


def test_hosted_fallback_takes_what_the_local_model_cannot(make_engine: Callable[..., Engine],
                                                           standin: StandinModelServer,
                                                           with_fallback: dict[str, str]) -> None:
    standin.script.rules.insert(0, Rule(match="busiest month", protocol="bedrock",
                                        reply="```sql\nSELECT strftime('%m', order_date) AS month, COUNT(*) AS n "
                                              "FROM orders GROUP BY month ORDER BY n DESC LIMIT 1\n```"))
    answer = ask("Which was the busiest month?", make_engine(NLQ_REPAIR_ROUNDS="0", **with_fallback))
    assert answer.ok, answer.error
    assert answer.route == "fallback" and answer.model == "anthropic.claude-test-v1:0"
    assert answer.notice == "Answered by a hosted model: your question and schema were sent to AWS Bedrock."
    sent = standin.requests[-1]
    assert sent["bedrock_model"] == "anthropic.claude-test-v1:0"
    assert "CREATE TABLE orders" in json.dumps(sent["system"]), "the notice tells the truth: the schema went"
    assert answer.to_dict()["route"] == "fallback"
    assert "to the self-hosted model server at" in answer.sent_to
    assert answer.sent_to.endswith("to AWS Bedrock (us-east-1), a hosted model")


def test_no_fallback_unless_configured_and_never_for_refusals(make_engine: Callable[..., Engine],
                                                              standin: StandinModelServer,
                                                              with_fallback: dict[str, str]) -> None:
    answer = ask("Which was the busiest month?", make_engine(NLQ_REPAIR_ROUNDS="0"))
    assert answer.error.kind == "no_sql" and answer.route == "model"
    assert not any("bedrock_model" in r for r in standin.requests)
    _reply_with(standin, "drop everything", "```sql\nDROP TABLE orders\n```")
    refused = ask("Drop everything", make_engine(**with_fallback))
    assert refused.error.kind == "refused" and refused.route == "model"
    assert not any("bedrock_model" in r for r in standin.requests)


def test_a_bug_in_a_route_is_a_calm_error_with_its_traceback_in_the_log(
        make_engine: Callable[..., Engine], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        standin: StandinModelServer) -> None:
    """Stands in for a bug nlq does not know of yet: the rules tier raising something that is not an nlq error."""
    import nlq.routes.rules

    def broken(question: str, catalog: object, chosen: object = ()) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(nlq.routes.rules, "understand", broken)
    answer = ask("Total revenue", make_engine(NLQ_RULES="true"))
    assert answer.error.kind == "internal" and "bug in nlq" in answer.error.hint
    assert answer.route == "rules" and answer.model is None and standin.requests == []
    assert "ZeroDivisionError" in caplog.text and "Traceback" in caplog.text
