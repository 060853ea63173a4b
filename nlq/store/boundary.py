"""The store's boundary: whatever the driver, the file system or Alembic raise becomes one typed error,
``StoreUnavailable``, saying which setting to check. Callers catch that one error, never driver errors."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy import Connection, Insert
from sqlalchemy.exc import InvalidRequestError, SQLAlchemyError

from nlq.database import first_line
from nlq.errors import StoreUnavailable

STORE_HINT = "Check NLQ_APP_DB_URL (empty: a SQLite file in NLQ_DATA_DIR, which must be writable)."
P = ParamSpec("P")
R = TypeVar("R")


def unavailable(error: BaseException, doing: str) -> StoreUnavailable:
    return StoreUnavailable(f"nlq's store could not be {doing}: {first_line(error)}", STORE_HINT,
                            detail=type(error).__name__)


def store_operation(doing: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Marks a method that reads or writes the store; ``doing`` completes "could not be …"."""

    def decorate(method: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(method)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return method(*args, **kwargs)
            except (SQLAlchemyError, OSError) as error:
                raise unavailable(error, doing) from error

        return guarded

    return decorate


def inserted_id(connection: Connection, statement: Insert, what: str) -> int:
    """The id of the row ``statement`` inserted; a driver that reports none fails like any store error."""
    key = connection.execute(statement).inserted_primary_key
    if key is None:
        raise InvalidRequestError(f"the new {what} got no id")
    return int(key[0])
