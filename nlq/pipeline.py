"""The one path from a question to an answer: schema → prompt → model → extract → vet → execute → chart.

Each step lives in its own module; this one only orders them, times them, lets the model repair SQL that
failed, and turns any failure into the answer's error.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from nlq.answer import NOTHING_SENT, Answer
from nlq.backends import ModelTarget
from nlq.charts import TABLE_ONLY, choose_chart
from nlq.errors import ErrorReport, NlqError, NoSqlInReply, QueryFailed, QuestionError, SqlRefused, SqlSyntaxError
from nlq.examples import similar_examples
from nlq.execute import run_query
from nlq.extract import explanation, extract_sql
from nlq.linking import link_schema
from nlq.model import TokenCallback, generate
from nlq.prompt import Turn, build_messages, repair_messages
from nlq.resources import Resources, open_resources
from nlq.router import Route, by_rules, check_route, forget, from_cache, remember, rules_apply
from nlq.vet import vet

__all__ = ["Resources", "Turn", "ask", "open_resources", "run_sql"]

MAX_QUESTION_CHARS = 2000
REPAIRABLE_RULES = {"unknown_table"}  # a hallucinated table is a mistake; a forbidden one is never "repaired"
HOSTED_NOTICE = "Answered by a hosted model: your question and schema were sent to AWS Bedrock."
log = logging.getLogger("nlq")

# Steps as shown to the user while an answer is being made.
STEP_LABELS = {
    "rules": "Reading the question",
    "schema": "Reading the schema",
    "generate": "Writing SQL",
    "vet": "Checking the SQL",
    "execute": "Running the query",
    "chart": "Choosing a chart",
}
StepCallback = Callable[[str, str], None]


def ask(
    question: str,
    resources: Resources,
    on_step: StepCallback | None = None,
    on_token: TokenCallback | None = None,
    history: Sequence[Turn] = (),
    route: Route = "auto",
) -> Answer:
    """A question in words, answered by the cheapest route that is sure of itself (see ``router``): the
    rules tier, the cache, the self-hosted model (fixing its SQL when it fails) or a configured hosted
    fallback. Whatever wrote the SQL, the same vet → execute → chart path answers."""
    answer = Answer(question=question, model=resources.target.name, database=resources.database.info.name,
                    history=tuple(history))
    with _answering(answer, on_step) as timer:
        answer.question = check_question(question)
        route = check_route(route)
        if route == "rules":
            answer.route, answer.model = "rules", None
        understood = None
        if rules_apply(resources, route):
            with timer("rules"):
                understood = by_rules(answer, resources, route)
        if understood is not None and _answered_by_rules(answer, understood.sql, resources, route, timer):
            return answer
        if _answered_from_cache(answer, resources, route, history, timer):
            return answer
        _ask_model(answer, resources, history, timer, on_token)
        remember(answer, resources, history)
    return answer


def sent_to_model(answer: Answer, target: ModelTarget) -> str:
    """Said with every model answer: the question and which tables' schema went where."""
    tables = len(answer.tables_in_prompt)
    what = f"the question and the schema of {tables} table{'s' if tables != 1 else ''}"
    if target.hosted:
        return f"{what} to AWS Bedrock ({target.region or 'default region'}), a hosted model"
    host = urlsplit(target.url).netloc or target.url
    return f"{what} to the self-hosted model server at {host}"


def _answered_by_rules(answer: Answer, sql: str, resources: Resources, route: Route, timer: _StepTimer) -> bool:
    try:
        _vet_run_chart(answer, sql, resources, timer)
        return True
    except NlqError as error:  # the rules' own SQL failed: with route auto the model still answers
        if route == "rules":
            raise
        log.warning("rules SQL for %r failed (%s); asking the model", answer.question, error.kind)
        _back_to_model(answer, resources, f"The rules' SQL failed ({error.kind}); the model answered instead.")
        return False


def _back_to_model(answer: Answer, resources: Resources, reason: str | None) -> None:
    answer.route, answer.model, answer.route_reason, answer.understood = "model", resources.target.name, reason, None
    answer.sent_to = NOTHING_SENT
    answer.frame, answer.sql, answer.chart = None, None, TABLE_ONLY


def _answered_from_cache(answer: Answer, resources: Resources, route: Route, history: Sequence[Turn],
                         timer: _StepTimer) -> bool:
    handed_over = answer.route_reason
    cached = from_cache(answer, resources, route, history)
    if cached is None:
        return False
    try:
        _vet_run_chart(answer, cached.sql, resources, timer)
        return True
    except NlqError as error:  # e.g. data it relied on changed: the model answers afresh
        log.warning("cached SQL for %r failed (%s); asking the model", answer.question, error.kind)
        forget(answer, resources)
        _back_to_model(answer, resources, handed_over)
        return False


def _ask_model(answer: Answer, resources: Resources, history: Sequence[Turn], timer: _StepTimer,
               on_token: TokenCallback | None) -> None:
    answer.route_reason = answer.route_reason or "The question was sent straight to the model (route: model)."
    with timer("schema"):
        messages = _prompt(answer, resources, history)
    answer.sent_to = sent_to_model(answer, resources.target)
    try:
        _write_and_run(answer, messages, resources, resources.target, resources.chat_model, timer, on_token)
    except (NoSqlInReply, SqlSyntaxError, QueryFailed, SqlRefused) as error:
        fallback = resources.fallback_model()
        if fallback is None or _refused_for_security(error):
            raise
        assert resources.fallback is not None
        answer.route, answer.model = "fallback", resources.fallback.name
        answer.notice = HOSTED_NOTICE
        answer.route_reason = f"The self-hosted model could not answer ({error.kind}); the hosted fallback did."
        answer.sent_to += "; then the same to " + sent_to_model(answer, resources.fallback)
        answer.repair_rounds = 0
        _write_and_run(answer, messages, resources, resources.fallback, fallback, timer, on_token)


def run_sql(sql: str, resources: Resources, question: str = "", on_step: StepCallback | None = None) -> Answer:
    """SQL an analyst wrote or edited: no model, but exactly the same gate as model-written SQL."""
    answer = Answer(question=question or "Edited SQL", route="edited", database=resources.database.info.name)
    with _answering(answer, on_step) as timer:
        _vet_run_chart(answer, sql, resources, timer)
    return answer


def _prompt(answer: Answer, resources: Resources, history: Sequence[Turn]) -> list[BaseMessage]:
    schema = resources.schema()
    earlier_tables = tuple(t for turn in history for t in _tables_of(turn.sql, resources))
    context = " ".join([turn.question for turn in history] + [answer.question])
    linked = link_schema(schema, context, resources.settings.prompt_tokens, must_include=earlier_tables)
    answer.tables_in_prompt = linked.tables
    examples = similar_examples(resources.examples(), answer.question)
    return build_messages(answer.question, linked.text, schema.dialect, examples, history,
                          partial_schema=not linked.complete)


def _write_and_run(answer: Answer, messages: list[BaseMessage], resources: Resources, target: ModelTarget,
                   chat_model: BaseChatModel, timer: _StepTimer, on_token: TokenCallback | None) -> None:
    """Model → SQL → vet → run, with up to NLQ_REPAIR_ROUNDS retries for SQL that failed to parse, named a
    table that does not exist, or failed on the database. Security refusals are never retried."""
    while True:
        with timer("generate"):
            reply = generate(chat_model, messages, target, resources.settings.model_timeout_s, on_token)
        answer.model_reply = reply.text
        answer.prompt_tokens = (answer.prompt_tokens or 0) + (reply.prompt_tokens or 0)
        answer.completion_tokens = (answer.completion_tokens or 0) + (reply.completion_tokens or 0)
        answer.timings_ms["model"] = answer.timings_ms.get("model", 0.0) + reply.seconds * 1000
        try:
            sql = extract_sql(reply.text)
            if sql is None:
                raise _no_sql(reply.text)
            _vet_run_chart(answer, sql, resources, timer)
            return
        except (SqlSyntaxError, QueryFailed, SqlRefused) as error:
            if _refused_for_security(error) or answer.repair_rounds >= resources.settings.repair_rounds:
                raise
            answer.repair_rounds += 1
            messages = messages + repair_messages(reply.text, error.message)


def _refused_for_security(error: Exception) -> bool:
    """A write, a forbidden table or function: shown as a refusal, never retried nor sent elsewhere."""
    return isinstance(error, SqlRefused) and error.rule not in REPAIRABLE_RULES


def _tables_of(sql: str, resources: Resources) -> list[str]:
    try:
        return sorted(vet(sql, resources.policy()).tables)
    except NlqError:
        return []


def _vet_run_chart(answer: Answer, sql: str, resources: Resources, timer: _StepTimer) -> None:
    settings = resources.settings
    with timer("vet"):
        answer.sql = sql
        query = vet(sql, resources.policy())
        answer.sql = query.sql
    with timer("execute"):
        result = run_query(resources.database, query, settings.max_rows, resources.limits(), settings.max_cost)
    answer.frame, answer.truncated, answer.total_rows = result.frame, result.truncated, result.total_rows
    answer.timings_ms["database"] = (result.seconds + result.count_seconds) * 1000
    with timer("chart"):
        answer.chart = choose_chart(result.frame)


@contextmanager
def _answering(answer: Answer, on_step: StepCallback | None) -> Iterator[_StepTimer]:
    """Times the whole answer and turns any failure into its error: an answer always comes back."""
    started = time.perf_counter()
    try:
        yield _StepTimer(answer.timings_ms, on_step)
    except NlqError as error:
        answer.error = ErrorReport.from_exception(error)
        answer.sql = error.sql or answer.sql
    except Exception as error:  # a bug: keep the traceback in the log, give the user a calm message
        log.exception("unexpected failure answering %r", answer.question)
        answer.error = ErrorReport.from_exception(error)
    finally:
        answer.timings_ms["total"] = (time.perf_counter() - started) * 1000


def check_question(question: str) -> str:
    cleaned = question.strip()
    if not cleaned:
        raise QuestionError("The question is empty.", "Type a question about your data, e.g. one of the examples.")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"The question is {len(cleaned):,} characters long; the limit is {MAX_QUESTION_CHARS:,}.",
            "Shorten it to what you want to know; nlq already knows your tables and columns.",
        )
    return cleaned


def _no_sql(reply: str) -> NoSqlInReply:
    shown = " ".join(explanation(reply).split())[:300] or "(an empty reply)"
    return NoSqlInReply(
        f"The model replied without any SQL: “{shown}”",
        "Rephrase the question with the names of the things you want (e.g. 'revenue by region'), or check "
        "that the question can be answered from this database.",
        detail=reply,
    )


class _StepTimer:
    def __init__(self, timings_ms: dict[str, float], on_step: StepCallback | None) -> None:
        self.timings_ms = timings_ms
        self.on_step = on_step

    @contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        if self.on_step:
            self.on_step(step, STEP_LABELS[step])
        started = time.perf_counter()
        try:
            yield
        finally:  # steps repeat when the model repairs its SQL: their times add up
            self.timings_ms[step] = self.timings_ms.get(step, 0.0) + (time.perf_counter() - started) * 1000
