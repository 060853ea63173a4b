"""Run one vetted query and bring back at most ``max_rows`` rows as a DataFrame.

One row more than the cap is fetched, so "truncated" is known without a second pass; only then is the
full count asked for (with the same timeout), so the user reads "the first 10,000 of 48,211 rows".
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from nlq.database import Database, Limits, execute_sql, first_line
from nlq.errors import NlqError, QueryFailed, QueryTimeout, QueryTooExpensive
from nlq.vet import VettedQuery

POSTGRES_QUERY_CANCELED = "57014"


@dataclass(frozen=True)
class QueryResult:
    frame: pd.DataFrame
    truncated: bool
    total_rows: int | None  # known exactly when not truncated, or when the count query succeeded
    seconds: float
    count_seconds: float = 0.0


def run_query(database: Database, query: VettedQuery, max_rows: int, limits: Limits | float,
              max_cost: float = 0) -> QueryResult:
    """Run a vetted query; ``max_cost`` > 0 first asks PostgreSQL's planner and refuses runaway plans."""
    limits = limits if isinstance(limits, Limits) else Limits(statement_s=limits)
    started = time.perf_counter()
    with database.read_only(limits) as connection:
        try:
            if max_cost and query.explain_sql():
                _check_cost(connection, query, max_cost)
            result = execute_sql(connection, query.sql, stream=True)
            columns = list(result.keys())
            rows = result.fetchmany(max_rows + 1)
            result.close()
        except SQLAlchemyError as error:
            raise _as_query_error(error, query.sql, limits.statement_s) from None
    seconds = time.perf_counter() - started
    frame = _to_frame(rows[:max_rows], columns)
    # nlq's own LIMIT equals the cap, so a full page may or may not be the whole result: count to know.
    maybe_cut = len(rows) > max_rows or (query.limited and len(rows) >= max_rows)
    total: int | None = len(frame)
    count_seconds = 0.0
    if maybe_cut:
        count_started = time.perf_counter()
        total = count_rows(database, query, limits)
        count_seconds = time.perf_counter() - count_started
    truncated = maybe_cut and (total is None or total > len(frame))
    return QueryResult(frame=frame, truncated=truncated, total_rows=total, seconds=seconds,
                       count_seconds=count_seconds)


def count_rows(database: Database, query: VettedQuery, limits: Limits) -> int | None:
    """The full row count of a capped result, or None when counting itself fails or times out."""
    counting = query.count_sql()
    if counting is None:
        return None
    try:
        with database.read_only(limits) as connection:
            return int(execute_sql(connection, counting).scalar_one())
    except (SQLAlchemyError, NlqError):
        return None


def _check_cost(connection: Connection, query: VettedQuery, max_cost: float) -> None:
    plan = execute_sql(connection, query.explain_sql() or "").scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    cost = float(plan[0]["Plan"]["Total Cost"])
    if cost > max_cost:
        raise QueryTooExpensive(
            f"The database estimates this query would be very expensive (cost {cost:,.0f}; the limit is "
            f"{max_cost:,.0f}), so nlq did not run it.",
            "Narrow the question: a shorter period, fewer groups, or a filter. An administrator can raise "
            "NLQ_MAX_COST.",
            sql=query.sql,
        )


def _to_frame(rows: Sequence[Sequence[Any]], columns: list[str]) -> pd.DataFrame:
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
