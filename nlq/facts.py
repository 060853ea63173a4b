"""Facts about the data that the trust checks need: the dates a column spans and whether it holds empty
values. Read with nlq's own small queries (SQLAlchemy Core, never text built from names), each under a
short time limit, and kept for the life of the engine: a wrong "the data runs from …" is worse than none,
so a fact that cannot be read is None and its check says nothing.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from sqlalchemy import column, func, select, table
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.expression import ColumnClause

from nlq.database import Database
from nlq.errors import NlqError
from nlq.rules.reading import as_date

FACT_TIMEOUT_S = 2.0


class DataFacts:
    def __init__(self, database: Database) -> None:
        self.database = database
        self._ranges: dict[tuple[str, str], tuple[date, date] | None] = {}
        self._nulls: dict[tuple[str, str], bool | None] = {}
        self._lock = threading.Lock()

    def date_range(self, table_name: str, column_name: str) -> tuple[date, date] | None:
        key = (table_name, column_name)
        with self._lock:
            if key in self._ranges:
                return self._ranges[key]
        target: ColumnClause[Any] = column(column_name)
        query = select(func.min(target), func.max(target)).select_from(table(table_name, target))
        row = self._read(query)
        found = None
        if row is not None:
            low, high = as_date(row[0]), as_date(row[1])
            found = (low, high) if low is not None and high is not None else None
        with self._lock:
            self._ranges[key] = found
        return found

    def has_nulls(self, table_name: str, column_name: str) -> bool | None:
        key = (table_name, column_name)
        with self._lock:
            if key in self._nulls:
                return self._nulls[key]
        target: ColumnClause[Any] = column(column_name)
        query = select(target).select_from(table(table_name, target)).where(target.is_(None)).limit(1)
        row = self._read(query, one_row=True)
        found = None if row is None else bool(row)
        with self._lock:
            self._nulls[key] = found
        return found

    def _read(self, query: Any, one_row: bool = False) -> Any:
        """The first row (or, with ``one_row``, whether there is one); None when it could not be read."""
        try:
            with self.database.read_only(FACT_TIMEOUT_S) as connection:
                row = connection.execute(query).first()
        except (SQLAlchemyError, NlqError):
            return None
        if one_row:
            return (row is not None,) if row is not None else ()
        return row
