"""Run one vetted query and bring back at most ``max_rows`` rows as a DataFrame.

One row more than the cap is fetched, so "truncated" is known without a second pass; only when the cap was
reached is the full count asked for, so the user reads "the first 10,000 of 48,211 rows".

An answer has one database time budget (NLQ_QUERY_TIMEOUT_S), not one per statement: the plan check, the
query, each FETCH of its rows and the count run in one transaction, and each statement is given what the
ones before it left. The count's plan cost is checked like the query's, so counting a result nlq would never
have run uncapped is skipped rather than run.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from nlq.database import Database, Limits, connection_lost, execute_sql, first_line
from nlq.errors import NlqError, QueryFailed, QueryTimeout, QueryTooExpensive, database_lost
from nlq.vet import VettedQuery

POSTGRES_QUERY_CANCELED = "57014"
EXPLAIN_JSON = "EXPLAIN (FORMAT JSON) "  # put before the count's SQL, which vetting rendered from a checked tree
MAX_GATHERED_BYTES = 64 * 2**20  # what one string_agg/array_agg/json_agg may gather, by the planner's estimate
GATHERING = ("string_agg", "array_agg", "json_agg", "jsonb_agg", "json_object_agg", "jsonb_object_agg")


@dataclass(frozen=True)
class QueryResult:
    frame: pd.DataFrame
    truncated: bool
    total_rows: int | None  # known exactly when not truncated, or when the count query succeeded
    seconds: float
    count_seconds: float = 0.0


def run_query(database: Database, query: VettedQuery, max_rows: int, limits: Limits | float,
              max_cost: float = 0) -> QueryResult:
    """Run a vetted query; ``max_cost`` > 0 first asks PostgreSQL's planner and refuses runaway plans.

    ``limits.statement_s`` is the answer's whole database time: the query, its fetches and its count share it."""
    limits = limits if isinstance(limits, Limits) else Limits(statement_s=limits)
    started = time.perf_counter()
    with database.read_only(limits) as connection:
        deadline = time.monotonic() + limits.statement_s

        def left() -> float:
            return deadline - time.monotonic()

        try:
            if max_cost and query.explain_sql():
                _check_cost(connection, query, max_cost)
            database.limit_next_statements(connection, left())
            result = execute_sql(connection, query.sql, stream=True)  # runs it up to its first row
            columns = list(result.keys())
            database.limit_next_statements(connection, left())
            rows = result.fetchmany(max_rows + 1)  # the next FETCH: the rest of the rows
            result.close()
        except SQLAlchemyError as error:
            raise _as_query_error(error, query.sql, database, limits.statement_s) from None
        seconds = time.perf_counter() - started
        # nlq's own LIMIT equals the cap, so a full page may or may not be the whole result: count to know.
        # Short of the cap, the rows fetched are all there are, and nothing is counted.
        maybe_cut = len(rows) > max_rows or (query.limited and len(rows) >= max_rows)
        total: int | None = min(len(rows), max_rows)
        count_seconds = 0.0
        if maybe_cut:
            count_started = time.perf_counter()
            total = _count_rows(connection, database, query, left, max_cost)
            count_seconds = time.perf_counter() - count_started
    frame = _to_frame(rows[:max_rows], columns)
    truncated = maybe_cut and (total is None or total > len(frame))
    return QueryResult(frame=frame, truncated=truncated, total_rows=total, seconds=seconds,
                       count_seconds=count_seconds)


def _count_rows(connection: Connection, database: Database, query: VettedQuery, left: Callable[[], float],
                max_cost: float) -> int | None:
    """The full row count of a capped result, in its query's transaction and with what is left of its budget.
    None (the rows are shown all the same, as "the first N") when the count's plan costs more than
    NLQ_MAX_COST, when the budget runs out, or when counting fails."""
    counting = query.count_sql()
    if counting is None:
        return None
    try:
        database.limit_next_statements(connection, left())
        if max_cost and query.explain_sql() and _plan_cost(connection, EXPLAIN_JSON + counting) > max_cost:
            return None
        database.limit_next_statements(connection, left())
        return int(execute_sql(connection, counting).scalar_one())
    except SQLAlchemyError:
        return None


def _plan(connection: Connection, explain_sql: str) -> dict[str, Any]:
    plan = execute_sql(connection, explain_sql).scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return dict(plan[0]["Plan"])


def _plan_cost(connection: Connection, explain_sql: str) -> float:
    """The planner's estimate of a statement's total cost, from its ``EXPLAIN (FORMAT JSON)``."""
    return float(_plan(connection, explain_sql)["Total Cost"])


def _check_cost(connection: Connection, query: VettedQuery, max_cost: float) -> None:
    plan = _plan(connection, query.explain_sql() or "")
    cost = float(plan["Total Cost"])
    if cost > max_cost:
        raise QueryTooExpensive(
            f"The database estimates this query would be very expensive (cost {cost:,.0f}; the limit is "
            f"{max_cost:,.0f}), so nlq did not run it.",
            "Narrow the question: a shorter period, fewer groups, or a filter. An administrator can raise "
            "NLQ_MAX_COST.",
            sql=query.sql,
        )
    gathered = gathered_bytes(plan)
    if gathered > MAX_GATHERED_BYTES:
        raise QueryTooExpensive(
            f"The database estimates this query would gather about {gathered / 2**20:,.0f} MB into single values "
            f"(string_agg, array_agg, json_agg; the limit is {MAX_GATHERED_BYTES // 2**20} MB), so nlq did not run it.",
            "Gather fewer rows: group by more columns, or filter first.", sql=query.sql)


def gathered_bytes(plan: dict[str, Any]) -> float:
    """The most bytes one aggregate of the plan gathers into single values: its input rows times their width,
    for aggregate nodes whose output (EXPLAIN VERBOSE) calls a gathering aggregate. No memory setting bounds
    a string_agg, and a gathered gigabyte is not interrupted; the planner's estimate is known before it runs."""
    largest = 0.0
    if plan.get("Node Type") in ("Aggregate", "WindowAgg") and any(
            name + "(" in str(output) for output in plan.get("Output", ()) for name in GATHERING):
        for child in plan.get("Plans", ()):
            largest = max(largest, float(child.get("Plan Rows", 0)) * float(child.get("Plan Width", 0)))
    for child in plan.get("Plans", ()):
        largest = max(largest, gathered_bytes(child))
    return largest


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


def _as_query_error(error: SQLAlchemyError, sql: str, database: Database, timeout_s: float) -> NlqError:
    """A database that went away is said so (and is never the SQL's fault); a statement stopped by the budget
    is a timeout; anything else the database refused is the SQL's failure, which a model may repair."""
    if connection_lost(error):
        return database_lost(database.info.safe_url, first_line(error))
    original = getattr(error, "orig", None)
    if getattr(original, "sqlstate", None) == POSTGRES_QUERY_CANCELED or (
        isinstance(original, sqlite3.OperationalError) and str(original) == "interrupted"
    ):
        return QueryTimeout(
            f"The query ran longer than {timeout_s:g} seconds and was stopped.",
            "Ask for less (a shorter period, fewer groups), or raise NLQ_QUERY_TIMEOUT_S (one answer's database "
            "time, its count included).",
            sql=sql,
        )
    message = first_line(error) if isinstance(error, DBAPIError) else str(error)
    return QueryFailed(
        f"The database could not run the query: {message}",
        "Rephrase the question, or correct the SQL below and run it again.",
        sql=sql,
        detail=message,
    )
