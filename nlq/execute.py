"""Run one vetted query and bring back at most ``max_rows`` rows as a DataFrame.

One row more than the cap is fetched, so "truncated" is known without a second pass; only then is the
full count asked for (with the same timeout), so the user reads "the first 10,000 of 48,211 rows".
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlglot import exp

from nlq.database import Database, execute_sql, first_line
from nlq.errors import NlqError, QueryFailed, QueryTimeout
from nlq.vet import VettedQuery

POSTGRES_QUERY_CANCELED = "57014"


@dataclass(frozen=True)
class QueryResult:
    frame: pd.DataFrame
    truncated: bool
    total_rows: int | None  # known exactly when not truncated, or when the count query succeeded
    seconds: float
    count_seconds: float = 0.0


def run_query(database: Database, query: VettedQuery, max_rows: int, timeout_s: float) -> QueryResult:
    started = time.perf_counter()
    with database.read_only(timeout_s) as connection:
        try:
            result = execute_sql(connection, query.sql, stream=True)
            columns = list(result.keys())
            rows = result.fetchmany(max_rows + 1)
            result.close()
        except SQLAlchemyError as error:
            raise _as_query_error(error, query.sql, timeout_s) from None
    seconds = time.perf_counter() - started
    truncated = len(rows) > max_rows
    frame = _to_frame(rows[:max_rows], columns)
    total: int | None = len(frame)
    count_seconds = 0.0
    if truncated:
        count_started = time.perf_counter()
        total = count_rows(database, query, timeout_s)
        count_seconds = time.perf_counter() - count_started
    return QueryResult(frame=frame, truncated=truncated, total_rows=total, seconds=seconds,
                       count_seconds=count_seconds)


def count_rows(database: Database, query: VettedQuery, timeout_s: float) -> int | None:
    """The full row count of a capped result, or None when counting itself fails or times out."""
    counting = exp.select(exp.Count(this=exp.Star())).from_(query.tree.copy().subquery("nlq_rows"))
    try:
        with database.read_only(timeout_s) as connection:
            return int(execute_sql(connection, counting.sql(dialect=query.dialect)).scalar_one())
    except (SQLAlchemyError, NlqError):
        return None


def _to_frame(rows: list, columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records([tuple(r) for r in rows], columns=_unique(columns))
    for name in frame.columns:
        values = frame[name].dropna()
        # PostgreSQL NUMERIC arrives as Decimal: charts and CSVs want plain numbers.
        if len(values) and values.map(lambda v: isinstance(v, Decimal)).all():
            frame[name] = pd.to_numeric(frame[name].map(lambda v: None if v is None else float(v)))
    return frame


def _unique(columns: list[str]) -> list[str]:
    """Two columns named "name" (from a join) would break tables and charts: number the repeats."""
    seen: dict[str, int] = {}
    unique = []
    for name in columns:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return unique


def _as_query_error(error: SQLAlchemyError, sql: str, timeout_s: float) -> NlqError:
    original = getattr(error, "orig", None)
    if getattr(original, "sqlstate", None) == POSTGRES_QUERY_CANCELED or (
        isinstance(original, sqlite3.OperationalError) and str(original) == "interrupted"
    ):
        return QueryTimeout(
            f"The query ran longer than {timeout_s:g} seconds and was stopped.",
            "Ask for less (a shorter period, fewer groups), or raise NLQ_QUERY_TIMEOUT_S.",
            sql=sql,
        )
    message = first_line(error) if isinstance(error, DBAPIError) else str(error)
    return QueryFailed(
        f"The database could not run the query: {message}",
        "Rephrase the question, or correct the SQL below and run it again.",
        sql=sql,
        detail=message,
    )
