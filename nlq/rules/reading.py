"""What the rules tier reads from the data itself: short text values ("Brazil") and the latest date that
relative periods ("this year") count back from. Bounded reads, each in a read-only transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import column, select, table
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.expression import ColumnClause

from nlq.database import Database
from nlq.rules.columns import is_text
from nlq.schema import SchemaInfo

VALUE_SCAN_ROWS = 50_000  # rows read per column when indexing values
MAX_VALUES = 1000  # a column with more distinct values is not indexed (names of millions of customers)
MAX_VALUE_LENGTH = 60
MAX_VALUE_COLUMNS = 400


def read_values(database: Database, schema: SchemaInfo, timeout_s: float) -> dict[tuple[str, str], tuple[str, ...]]:
    """Short text values of each text column with few distinct values, read from a bounded slice."""
    columns = [(t.name, c.name) for t in schema.tables for c in t.columns
               if is_text(c) and not c.primary_key][:MAX_VALUE_COLUMNS]
    found: dict[tuple[str, str], tuple[str, ...]] = {}
    with database.read_only(timeout_s) as connection:
        for table_name, column_name in columns:
            target: ColumnClause[Any] = column(column_name)
            sliced = select(target).select_from(table(table_name, target)).limit(VALUE_SCAN_ROWS).subquery()
            query = select(sliced.c[column_name]).where(sliced.c[column_name].is_not(None)).distinct()
            try:
                with connection.begin_nested():
                    values = [row[0] for row in connection.execute(query.limit(MAX_VALUES + 1))]
            except SQLAlchemyError:
                continue
            if len(values) <= MAX_VALUES:
                found[(table_name, column_name)] = tuple(
                    str(v) for v in values if isinstance(v, str) and 0 < len(v.strip()) <= MAX_VALUE_LENGTH)
    return found


def latest_date_reader(database: Database, timeout_s: float) -> Callable[[str, str], date | None]:
    def latest(table_name: str, column_name: str) -> date | None:
        target: ColumnClause[Any] = column(column_name)
        query = select(target).select_from(table(table_name, target)).order_by(target.desc()).limit(1)
        query = query.where(target.is_not(None))
        try:
            with database.read_only(timeout_s) as connection:
                value = connection.execute(query).scalar()
        except SQLAlchemyError:
            return None
        return as_date(value)
    return latest


def as_date(value: object) -> date | None:
    if isinstance(value, int) and not isinstance(value, bool) and 10000101 <= value <= 99991231:
        try:  # a day kept as a number: 20180115
            return date(value // 10000, value // 100 % 100, value % 100)
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip()[:19]).date()
        except ValueError:
            return None
    return None
