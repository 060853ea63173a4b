"""Verified answers in the app store: SQL an admin checked, keyed by its question's normalised text and its
rules reading, so app instances that share a PostgreSQL store share them.

An entry is *verified* only after its SQL passed vetting and ran on the schema it records (checked by the
caller, ``nlq.teaching``). When the schema changes and the SQL no longer passes it becomes *stale*, with the
reason, and never answers until an admin fixes it or verifies it again. Verifying the same question on the
same database again replaces the earlier entry: one question, one verified answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from nlq.store.boundary import inserted_id, store_operation
from nlq.store.tables import verified_answers
from nlq.verified import STALE, VERIFIED, VerifiedSql

STATUSES = (VERIFIED, STALE)


@dataclass(frozen=True)
class StoredVerified:
    id: int
    question: str
    question_key: str
    understanding_key: str | None
    title: str | None
    sql: str
    database: str | None
    status: str
    answer_id: int | None
    verified_by: str
    verified_at: datetime
    fingerprint: str | None
    note: str | None

    @property
    def usable(self) -> VerifiedSql:
        return VerifiedSql(self.id, self.question, self.sql, self.verified_by, self.verified_at, self.title,
                           self.fingerprint)


@dataclass(frozen=True)
class NewVerified:
    """What an admin verified: the question with its keys, the (possibly edited) SQL, and the schema it ran on."""

    question: str
    question_key: str
    understanding_key: str | None
    sql: str
    database: str
    fingerprint: str
    verified_by: str
    title: str | None = None
    answer_id: int | None = None


class VerifiedBook:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @store_operation("written")
    def save(self, new: NewVerified) -> int:
        """Verify a question; an entry for the same question on the same database (stale or not) is replaced."""
        values: dict[str, Any] = {
            "question": new.question, "question_key": new.question_key, "understanding_key": new.understanding_key,
            "title": new.title, "sql": new.sql, "database": new.database, "status": VERIFIED,
            "answer_id": new.answer_id, "verified_by": new.verified_by, "verified_at": _now(),
            "fingerprint": new.fingerprint, "note": None}
        with self.engine.begin() as connection:
            found = connection.execute(select(verified_answers.c.id).where(
                verified_answers.c.database == new.database, verified_answers.c.question_key == new.question_key)
                .order_by(verified_answers.c.id)).scalars().all()
            if found:
                connection.execute(update(verified_answers).where(verified_answers.c.id == found[0]).values(**values))
                if len(found) > 1:
                    connection.execute(delete(verified_answers).where(verified_answers.c.id.in_(found[1:])))
                return int(found[0])
            return inserted_id(connection, insert(verified_answers).values(**values), "verified answer")

    @store_operation("read")
    def all(self, status: str | None = None) -> list[StoredVerified]:
        query = select(verified_answers).order_by(verified_answers.c.id)
        if status:
            query = query.where(verified_answers.c.status == status)
        with self.engine.connect() as connection:
            return [_stored(row) for row in connection.execute(query).mappings()]

    @store_operation("read")
    def get(self, verified_id: int) -> StoredVerified | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(verified_answers).where(verified_answers.c.id == verified_id)) \
                .mappings().first()
        return None if row is None else _stored(row)

    @store_operation("read")
    def find(self, database: str, question_key: str, understanding_key: str | None = None) -> StoredVerified | None:
        """The verified entry for this database with this question key, else with this understanding key (the
        newest first); a stale one never."""
        keys = [(verified_answers.c.question_key, question_key)]
        if understanding_key:
            keys.append((verified_answers.c.understanding_key, understanding_key))
        with self.engine.connect() as connection:
            for column, key in keys:
                row = connection.execute(select(verified_answers).where(
                    verified_answers.c.database == database, verified_answers.c.status == VERIFIED, column == key)
                    .order_by(verified_answers.c.verified_at.desc(), verified_answers.c.id.desc())).mappings().first()
                if row is not None:
                    return _stored(row)
        return None

    def mark_stale(self, verified_id: int, why: str) -> None:
        self._set(verified_id, status=STALE, note=why)

    def confirm(self, verified_id: int, fingerprint: str) -> None:
        """Still valid on a changed schema: remember which schema it was checked against."""
        self._set(verified_id, fingerprint=fingerprint)

    @store_operation("written")
    def delete(self, verified_id: int) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(verified_answers).where(verified_answers.c.id == verified_id))

    @store_operation("written")
    def _set(self, verified_id: int, **values: object) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(verified_answers).where(verified_answers.c.id == verified_id).values(**values))


def _stored(row: Any) -> StoredVerified:
    return StoredVerified(
        id=row["id"], question=row["question"], question_key=row["question_key"],
        understanding_key=row["understanding_key"], title=row["title"], sql=row["sql"], database=row["database"],
        status=row["status"], answer_id=row["answer_id"], verified_by=row["verified_by"],
        verified_at=row["verified_at"], fingerprint=row["fingerprint"], note=row["note"])


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
