"""Question → SQL examples that people taught nlq, guarded so that one careless 👍 teaches nothing.

A 👍 makes a *candidate*. Only a person's approval makes it *approved* — and only when its SQL passes
vetting and runs on the current schema (checked by the caller, ``nlq.teaching``). Approved examples go into
the model's prompt. When the schema changes, an approved example whose SQL no longer passes becomes
*stale* and stops being used until someone fixes it. JSONL import and export use the same format as
``NLQ_EXAMPLES_FILE``, which is also a common format for fine-tuning a model later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, insert, select, update

from nlq.store.boundary import inserted_id, store_operation
from nlq.store.tables import examples

CANDIDATE, APPROVED, STALE = "candidate", "approved", "stale"
STATUSES = (CANDIDATE, APPROVED, STALE)


@dataclass(frozen=True)
class StoredExample:
    id: int
    question: str
    sql: str
    status: str
    created_by: str
    created_at: datetime
    approved_by: str | None = None
    fingerprint: str | None = None
    note: str | None = None
    answer_id: int | None = None


class ExampleBook:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @store_operation("written")
    def add(self, question: str, sql: str, user: str, status: str = CANDIDATE, answer_id: int | None = None,
            fingerprint: str | None = None) -> int:
        """A new example; the same question and SQL twice is one example."""
        existing = self._find(question, sql)
        if existing is not None:
            return existing.id
        values = {"question": question, "sql": sql, "status": status, "answer_id": answer_id, "created_by": user,
                  "created_at": _now(), "fingerprint": fingerprint}
        if status == APPROVED:
            values.update(approved_by=user, approved_at=_now())
        with self.engine.begin() as connection:
            return inserted_id(connection, insert(examples).values(**values), "example")

    @store_operation("read")
    def all(self, status: str | None = None) -> list[StoredExample]:
        query = select(examples).order_by(examples.c.id)
        if status:
            query = query.where(examples.c.status == status)
        with self.engine.connect() as connection:
            return [_example(row) for row in connection.execute(query).mappings()]

    @store_operation("read")
    def get(self, example_id: int) -> StoredExample | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(examples).where(examples.c.id == example_id)).mappings().first()
        return None if row is None else _example(row)

    def approve(self, example_id: int, user: str, fingerprint: str) -> None:
        self._set(example_id, status=APPROVED, approved_by=user, approved_at=_now(), fingerprint=fingerprint,
                  note=None)

    def mark_stale(self, example_id: int, why: str) -> None:
        self._set(example_id, status=STALE, note=why)

    def confirm(self, example_id: int, fingerprint: str) -> None:
        """Still valid on a changed schema: remember which schema it was checked against."""
        self._set(example_id, fingerprint=fingerprint)

    def edit(self, example_id: int, question: str, sql: str) -> None:
        """An edited example must be approved again: its SQL has not been checked."""
        self._set(example_id, question=question, sql=sql, status=CANDIDATE, approved_by=None, approved_at=None,
                  note="edited; approve it again")

    @store_operation("written")
    def delete(self, example_id: int) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(examples).where(examples.c.id == example_id))

    @store_operation("written")
    def _set(self, example_id: int, **values: object) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(examples).where(examples.c.id == example_id).values(**values))

    @store_operation("read")
    def _find(self, question: str, sql: str) -> StoredExample | None:
        query = select(examples).where(examples.c.question == question, examples.c.sql == sql)
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return None if row is None else _example(row)


def _example(row: object) -> StoredExample:
    return StoredExample(id=row["id"], question=row["question"], sql=row["sql"], status=row["status"],  # type: ignore[index]
                         created_by=row["created_by"], created_at=row["created_at"],  # type: ignore[index]
                         approved_by=row["approved_by"], fingerprint=row["fingerprint"],  # type: ignore[index]
                         note=row["note"], answer_id=row["answer_id"])  # type: ignore[index]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
