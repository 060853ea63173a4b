"""Vetted question → SQL pairs, so a question asked again skips the model.

Keys are the normalized question and a fingerprint of the schema (tables, columns, types, exposure):
when the schema changes, every old entry stops matching and is pruned on the next write — a renamed column
can never bring back SQL that no longer fits. Only SQL that passed vetting and ran is stored, and it is
vetted and run again on every use; the cache saves model time, never a check. It lives in a SQLite file
in ``NLQ_DATA_DIR`` so it survives restarts and is shared by the app's sessions.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, delete, select
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from nlq.schema import SchemaInfo
from nlq.store import shared_engine

metadata = MetaData()
entries = Table(
    "cached_sql",
    metadata,
    Column("database", String(200), primary_key=True),
    Column("fingerprint", String(64), primary_key=True),
    Column("question", String(2000), primary_key=True),
    Column("sql", Text, nullable=False),
    Column("model", String(200)),
    Column("stored_at", DateTime, nullable=False),
)
PUNCTUATION_RE = re.compile(r"[\s?!.;:,\"'“”‘’]+")


@dataclass(frozen=True)
class CachedSql:
    sql: str
    model: str | None
    stored_at: datetime


def normalize_question(question: str) -> str:
    """Case, spacing and punctuation do not make a different question."""
    return PUNCTUATION_RE.sub(" ", question.lower()).strip()


def schema_fingerprint(schema: SchemaInfo) -> str:
    shape = [schema.dialect, schema.default_schema, sorted(schema.excluded),
             [[t.name, [[c.name, c.type, c.references] for c in t.columns]] for t in schema.tables]]
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()


def database_identity(url: str) -> str:
    """Which database an entry belongs to, without its password."""
    parsed = make_url(url)
    return parsed.set(password=None).render_as_string(hide_password=True)[:200]


class SqlCache:
    def __init__(self, path: Path, database: str, fingerprint: str) -> None:
        self.database = database
        self.fingerprint = fingerprint
        self.engine: Engine = shared_engine(URL.create("sqlite", database=str(path)).render_as_string())
        metadata.create_all(self.engine)

    def get(self, question: str) -> CachedSql | None:
        query = select(entries.c.sql, entries.c.model, entries.c.stored_at).where(
            entries.c.database == self.database, entries.c.fingerprint == self.fingerprint,
            entries.c.question == normalize_question(question))
        try:
            with self.engine.connect() as connection:
                row = connection.execute(query).first()
        except SQLAlchemyError:
            return None  # a cache that cannot be read is a cache miss, never a failed answer
        return CachedSql(row.sql, row.model, row.stored_at) if row else None

    def put(self, question: str, sql: str, model: str | None) -> None:
        key = normalize_question(question)
        try:
            with self.engine.begin() as connection:
                connection.execute(delete(entries).where(entries.c.database == self.database,
                                                         entries.c.fingerprint != self.fingerprint))
                connection.execute(delete(entries).where(entries.c.database == self.database,
                                                         entries.c.fingerprint == self.fingerprint,
                                                         entries.c.question == key))
                connection.execute(entries.insert().values(
                    database=self.database, fingerprint=self.fingerprint, question=key, sql=sql, model=model,
                    stored_at=datetime.now(UTC).replace(tzinfo=None)))
        except SQLAlchemyError:
            return

    def forget(self, question: str) -> None:
        try:
            with self.engine.begin() as connection:
                connection.execute(delete(entries).where(entries.c.database == self.database,
                                                         entries.c.question == normalize_question(question)))
        except SQLAlchemyError:
            return

    def close(self) -> None:
        self.engine.dispose()
