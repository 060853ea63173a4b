"""``python -m nlq eval``: ask every question of a gold file through a route and score the answers.

Each question is answered exactly as a user's would be (same router, same vetting, same database limits),
with the cache off so that a route is measured and not a repeat. Its result is compared with the gold
SQL's result on the same database. The report says, per route, how many questions it answered, how many
of those were right (precision), how many of all questions were answered right (accuracy), latency and
tokens — so an owner can see what each route is worth on their own questions.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd
import sqlglot
from sqlalchemy.engine import make_url

from nlq.answer import Answer
from nlq.database import Database, execute_sql
from nlq.engine import Engine
from nlq.errors import InputError, NlqError
from nlq.evaluate.cases import EvalCase
from nlq.evaluate.compare import needs_order, same_result
from nlq.pipeline import ask
from nlq.route import Mode
from nlq.services import App, open_app
from nlq.settings import load_settings

GOLD_ROWS = 100_000
DB_PLACEHOLDER = "{db}"


@dataclass
class CaseResult:
    id: str
    question: str
    db: str | None
    kind: str | None
    route: str
    answered: bool
    correct: bool
    sql: str | None
    gold_sql: str
    error: str | None = None  # why it was not answered (the error kind), or "gold_failed"
    reason: str | None = None
    latency_ms: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RouteSummary:
    route: str
    questions: int = 0
    answered: int = 0
    correct: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    tokens: int = 0

    def to_dict(self, total: int) -> dict[str, Any]:
        return {
            "route": self.route, "questions": self.questions, "answered": self.answered, "correct": self.correct,
            "precision": _ratio(self.correct, self.answered), "accuracy": _ratio(self.correct, total),
            "latency_ms_median": _percentile(self.latencies_ms, 50),
            "latency_ms_p95": _percentile(self.latencies_ms, 95),
            "tokens": self.tokens, "tokens_per_answer": _ratio(self.tokens, self.answered),
        }


def evaluate(cases: Sequence[EvalCase], url: str, route: Mode | str, environ: Mapping[str, str] | None = None,
             on_result: Callable[[CaseResult], None] | None = None) -> list[CaseResult]:
    """Every case answered and scored; cases for other databases than ``url`` names are left out."""
    selected = [c for c in cases if _for_database(c, url)]
    results = []
    with _engine_per_database(url, environ) as engine_for:
        for case in selected:
            result = evaluate_case(case, engine_for(case), route)
            results.append(result)
            if on_result:
                on_result(result)
    return results


def evaluate_case(case: EvalCase, engine: Engine, route: Mode | str) -> CaseResult:
    answer = ask(case.question, engine, mode=route)
    result = CaseResult(
        id=case.id, question=case.question, db=case.db, kind=case.kind, route=str(answer.route or "none"),
        answered=answer.ok,
        correct=False, sql=answer.sql, gold_sql=case.gold[0] if case.gold else "",
        error=None if answer.ok else answer.error.kind if answer.error else "error",
        reason=answer.route_reason if answer.ok else (answer.error.message if answer.error else None),
        latency_ms=round(answer.timings_ms.get("total", 0.0) - answer.timings_ms.get("database", 0.0), 2),
        prompt_tokens=answer.prompt_tokens or 0, completion_tokens=answer.completion_tokens or 0,
    )
    if answer.ok:
        result.correct, gold_failed = _matches_gold(answer, case, engine)
        if gold_failed:
            result.error = "gold_failed"
    return result


def summarize(results: Sequence[CaseResult]) -> dict[str, Any]:
    routes: dict[str, RouteSummary] = {}
    for result in results:
        summary = routes.setdefault(result.route, RouteSummary(result.route))
        summary.questions += 1
        summary.answered += result.answered
        summary.correct += result.correct
        summary.latencies_ms.append(result.latency_ms)
        summary.tokens += result.prompt_tokens + result.completion_tokens
    total = len(results)
    answered = sum(r.answered for r in results)
    correct = sum(r.correct for r in results)
    return {
        "summary": True, "questions": total, "answered": answered, "correct": correct,
        "precision": _ratio(correct, answered), "accuracy": _ratio(correct, total),
        "gold_failed": sum(r.error == "gold_failed" for r in results),
        "routes": [s.to_dict(total) for s in sorted(routes.values(), key=lambda s: s.route)],
    }


def _matches_gold(answer: Answer, case: EvalCase, engine: Engine) -> tuple[bool, bool]:
    """(correct, every gold query failed to run)."""
    generated = answer.frame if answer.frame is not None else pd.DataFrame()
    if answer.truncated:
        return False, False
    dialect = engine.database.sqlglot_dialect
    queries, written_in = case.gold_for(dialect)
    failures = 0
    for gold_sql in queries:
        try:
            gold = run_gold(engine.database, _in_dialect(gold_sql, written_in, dialect), engine)
        except NlqError:
            failures += 1
            continue
        if same_result(gold, generated, needs_order(case.question, gold_sql, written_in or dialect)):
            return True, False
    return False, failures == len(queries)


def run_gold(database: Database, sql: str, engine: Engine) -> pd.DataFrame:
    """Gold SQL comes from the benchmark's file, not a model: read-only, with the usual time limits."""
    try:
        with database.read_only(engine.limits()) as connection:
            result = execute_sql(connection, sql)
            columns = list(result.keys())
            rows = result.fetchmany(GOLD_ROWS)
    except Exception as error:  # any failure of a gold query is reported, not fatal
        raise NlqError(f"The gold SQL failed: {error}") from None
    return pd.DataFrame.from_records(rows, columns=columns)


def _in_dialect(sql: str, source: str | None, target: str) -> str:
    if not source or source == target:
        return sql
    try:
        return sqlglot.transpile(sql, read=source, write=target)[0]
    except sqlglot.errors.SqlglotError:
        return sql


def _for_database(case: EvalCase, url: str) -> bool:
    if case.db is None or DB_PLACEHOLDER in url:
        return True
    try:
        name = make_url(url).database or ""
    except Exception:
        return False
    return os.path.splitext(os.path.basename(name))[0].lower() == case.db.lower() or name == case.db


@contextmanager
def _engine_per_database(url: str, environ: Mapping[str, str] | None) -> Iterator[Callable[[EvalCase], Engine]]:
    """One engine per database the cases name, with the cache off so that a route is measured, not a repeat
    (approved examples still join the prompt, as they do for users)."""
    opened: dict[str, App] = {}
    base = dict(os.environ if environ is None else environ)

    def engine_for(case: EvalCase) -> Engine:
        target = url.replace(DB_PLACEHOLDER, case.db or "") if DB_PLACEHOLDER in url else url
        if target not in opened:
            settings = load_settings({**base, "NLQ_DATABASE_URL": target, "NLQ_CACHE": "false"})
            opened[target] = open_app(settings)
        return opened[target].engine

    try:
        yield engine_for
    finally:
        for app in opened.values():
            app.close()


def check_url(url: str) -> str:
    try:
        make_url(url.replace(DB_PLACEHOLDER, "x"))
    except Exception:
        hint = "Pass --db with a SQLAlchemy URL; {db} in it is replaced by each question's database."
        raise InputError(f"{url!r} is not a database URL.", hint) from None
    return url


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _percentile(values: list[float], percent: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[percent - 1], 1)
