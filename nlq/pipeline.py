"""The one path from a question to an answer: schema → prompt → model → extract → vet → execute → chart.

Each step lives in its own module; this one only orders them, times them and turns any failure into the
answer's error. ``Resources`` holds what is expensive to make (database engine, schema, model client) so
the app and the CLI build it once; it is not a global and holds no per-question state.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel

from nlq.answer import Answer
from nlq.charts import choose_chart
from nlq.database import Database, Limits
from nlq.demo import ensure_demo_file
from nlq.errors import ErrorReport, NlqError, NoSqlInReply, QuestionError
from nlq.execute import run_query
from nlq.extract import extract_sql
from nlq.model import TokenCallback, build_chat_model, generate
from nlq.prompt import build_messages
from nlq.schema import SchemaInfo, inspect_schema
from nlq.settings import Settings
from nlq.vet import VetPolicy, vet

MAX_QUESTION_CHARS = 2000
log = logging.getLogger("nlq")

# Steps as shown to the user while an answer is being made.
STEP_LABELS = {
    "schema": "Reading the schema",
    "generate": "Writing SQL",
    "vet": "Checking the SQL",
    "execute": "Running the query",
    "chart": "Choosing a chart",
}
StepCallback = Callable[[str, str], None]


@dataclass
class Resources:
    settings: Settings
    database: Database
    chat_model: BaseChatModel
    _schema: SchemaInfo | None = field(default=None, repr=False)

    def schema(self) -> SchemaInfo:
        if self._schema is None:
            self._schema = inspect_schema(self.database, self.settings.excluded_table_patterns)
        return self._schema

    def policy(self) -> VetPolicy:
        """What any SQL may read here: the exposed tables, capped at NLQ_MAX_ROWS."""
        schema = self.schema()
        schemas = {schema.default_schema} if schema.default_schema else None
        return VetPolicy.for_tables(self.database.sqlglot_dialect, schema.table_names,
                                    max_rows=self.settings.max_rows, schemas=schemas)

    def limits(self) -> Limits:
        settings = self.settings
        return Limits(settings.query_timeout_s, settings.lock_timeout_s, settings.idle_timeout_s)

    def refresh_schema(self) -> SchemaInfo:
        self._schema = None
        return self.schema()

    def close(self) -> None:
        self.database.dispose()


def open_resources(settings: Settings) -> Resources:
    """Connect to the configured database (building the demo first if that is the one configured)."""
    if settings.uses_demo_database:
        ensure_demo_file(settings.demo_database_path)
    return Resources(settings=settings, database=Database(settings.effective_database_url),
                     chat_model=build_chat_model(settings))


def ask(
    question: str,
    resources: Resources,
    on_step: StepCallback | None = None,
    on_token: TokenCallback | None = None,
) -> Answer:
    """A question in words: the model writes the SQL, then the common vet → execute → chart path."""
    answer = Answer(question=question, model=resources.settings.model_name, database=resources.database.info.name)
    with _answering(answer, on_step) as timer:
        answer.question = check_question(question)
        with timer("schema"):
            schema = resources.schema()
            messages = build_messages(answer.question, schema.render(), schema.dialect)
        with timer("generate"):
            reply = generate(resources.chat_model, messages, resources.settings, on_token)
        answer.model_reply = reply.text
        answer.prompt_tokens, answer.completion_tokens = reply.prompt_tokens, reply.completion_tokens
        sql = extract_sql(reply.text)
        if sql is None:
            raise _no_sql(reply.text)
        _vet_run_chart(answer, sql, resources, timer)
    return answer


def run_sql(sql: str, resources: Resources, question: str = "", on_step: StepCallback | None = None) -> Answer:
    """SQL an analyst wrote or edited: no model, but exactly the same gate as model-written SQL."""
    answer = Answer(question=question or "Edited SQL", route="edited", database=resources.database.info.name)
    with _answering(answer, on_step) as timer:
        _vet_run_chart(answer, sql, resources, timer)
    return answer


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
    shown = " ".join(reply.split())[:300] or "(an empty reply)"
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
        finally:
            self.timings_ms[step] = (time.perf_counter() - started) * 1000
