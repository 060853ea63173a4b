"""The HTTP API's rate limit, counted in the app store: every ``python -m nlq serve`` process that shares the
store (compose scale, CloudFormation's ApiTaskCount) shares one count per token, so N replicas still allow a
token ``NLQ_API_RATE_PER_MINUTE`` calls a minute, not N times that.

The count is a fixed window, one row per token and clock minute. A call is let through by one conditional
``UPDATE … SET calls = calls + 1 WHERE calls < limit``: the database does the check and the increment as one
step (PostgreSQL locks the row and re-checks the condition for a waiting writer; SQLite lets one writer in at a
time), so concurrent calls can never count past the limit. The minute's row is created first with an insert
that does nothing if another process created it already. Minutes are the serving machine's clock; replicas
with clocks set by NTP agree on them well enough for a per-minute limit.
"""

from __future__ import annotations

import math
import time

from sqlalchemy import Connection, Engine, Insert, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from nlq.store.boundary import store_operation
from nlq.store.tables import api_rate

KEPT_MINUTES = 60  # rows of tokens no longer calling are dropped after an hour; a token's own at its next minute


class RateBook:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @store_operation("written")
    def take(self, token_id: int, per_minute: int, now: float | None = None) -> int | None:
        """Count one call of ``token_id`` in this clock minute: None when it is within ``per_minute``, else the
        seconds until the minute ends (the Retry-After); a refused call is not counted. ``now`` is Unix time,
        given by tests only."""
        at = time.time() if now is None else now
        minute = int(at // 60)
        with self.engine.begin() as connection:
            if _open_minute(connection, token_id, minute):  # this token's first call this minute: prune
                connection.execute(delete(api_rate).where(api_rate.c.minute < minute, or_(
                    api_rate.c.token_id == token_id, api_rate.c.minute < minute - KEPT_MINUTES)))
            counted = connection.execute(update(api_rate).where(
                api_rate.c.token_id == token_id, api_rate.c.minute == minute, api_rate.c.calls < per_minute,
            ).values(calls=api_rate.c.calls + 1))
        if counted.rowcount == 1:
            return None
        return max(1, math.ceil((minute + 1) * 60 - at))

    @store_operation("read")
    def windows(self) -> list[tuple[int, int]]:
        """The (token id, minute) rows kept: what pruning left, for tests and for looking."""
        query = select(api_rate.c.token_id, api_rate.c.minute).order_by(api_rate.c.minute, api_rate.c.token_id)
        with self.engine.connect() as connection:
            return [(row.token_id, row.minute) for row in connection.execute(query)]


def _open_minute(connection: Connection, token_id: int, minute: int) -> bool:
    """Make the token's row for ``minute`` (no calls yet) unless a process made it already; True when this call
    made it. An insert that ignores the conflict, in the dialect's words: both stores nlq supports have one."""
    values = {"token_id": token_id, "minute": minute, "calls": 0}
    statement: Insert
    if connection.dialect.name == "postgresql":
        statement = postgresql.insert(api_rate).values(values).on_conflict_do_nothing()
    elif connection.dialect.name == "sqlite":
        statement = sqlite.insert(api_rate).values(values).on_conflict_do_nothing()
    else:  # not a store nlq documents; without an upsert, check first (a race costs one store error)
        found = connection.execute(select(api_rate.c.calls).where(
            api_rate.c.token_id == token_id, api_rate.c.minute == minute)).first()
        if found is not None:
            return False
        statement = insert(api_rate).values(values)
    # an INSERT's rowcount is kept only when asked for (SQLAlchemy 2); an UPDATE's always is
    return connection.execute(statement.execution_options(preserve_rowcount=True)).rowcount == 1
