"""Vetted question → SQL pairs, so a question asked again skips the model.

Keys are the database, a fingerprint of its schema (tables, columns, types, exposure) and the normalized
question: when the schema changes, every old entry stops matching and is pruned on the next write — a
renamed column can never bring back SQL that no longer fits. Only SQL that passed vetting and ran is
stored, and it is vetted and run again on every use; the cache saves model time, never a check. Where the
entries live is the caller's choice (the app store's ``cached_sql`` table, shared by app instances).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.engine import make_url

from nlq.schema import SchemaInfo

PUNCTUATION_RE = re.compile(r"[\s?!.;:,\"'“”‘’]+")


@dataclass(frozen=True)
class CacheKey:
    database: str
    fingerprint: str
    question: str  # normalized

    @classmethod
    def of(cls, database: str, fingerprint: str, question: str) -> CacheKey:
        return cls(database, fingerprint, normalize_question(question))


@dataclass(frozen=True)
class CachedSql:
    sql: str
    model: str | None
    stored_at: datetime


class SqlCache(Protocol):
    """Where cached SQL lives. A cache that cannot be read is a miss and one that cannot be written forgets:
    implementations never raise, because the cache must never cost an answer."""

    def get(self, key: CacheKey) -> CachedSql | None: ...

    def put(self, key: CacheKey, sql: str, model: str | None) -> None: ...

    def forget(self, key: CacheKey) -> None: ...


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
