"""The question cache in the app store: app instances that share a PostgreSQL store share their cache.

Implements ``nlq.cache.SqlCache``. Entries are keyed by database, schema fingerprint and a hash of the
normalized question (a hash, so a long question never overflows an index); entries of other fingerprints
of the same database are pruned on each write.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select

from nlq.cache import CachedSql, CacheKey
from nlq.store.boundary import store_operation
from nlq.store.tables import cached_sql


class CacheTable:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @store_operation("read")
    def get(self, key: CacheKey) -> CachedSql | None:
        query = select(cached_sql.c.sql, cached_sql.c.model, cached_sql.c.stored_at).where(
            cached_sql.c.database == key.database, cached_sql.c.fingerprint == key.fingerprint,
            cached_sql.c.question_key == _hashed(key.question))
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return CachedSql(row.sql, row.model, row.stored_at) if row else None

    @store_operation("written")
    def put(self, key: CacheKey, sql: str, model: str | None) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(cached_sql).where(cached_sql.c.database == key.database,
                                                        cached_sql.c.fingerprint != key.fingerprint))
            connection.execute(delete(cached_sql).where(cached_sql.c.database == key.database,
                                                        cached_sql.c.fingerprint == key.fingerprint,
                                                        cached_sql.c.question_key == _hashed(key.question)))
            connection.execute(cached_sql.insert().values(
                database=key.database, fingerprint=key.fingerprint, question_key=_hashed(key.question),
                question=key.question, sql=sql, model=model, stored_at=datetime.now(UTC).replace(tzinfo=None)))

    @store_operation("written")
    def forget(self, key: CacheKey) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(cached_sql).where(cached_sql.c.database == key.database,
                                                        cached_sql.c.question_key == _hashed(key.question)))


def _hashed(question: str) -> str:
    return hashlib.sha256(question.encode()).hexdigest()
