"""The answer log: one row per question asked in the app or the CLI, never changed afterwards, with the
feedback people gave. It is what History searches and what Usage & cost adds up."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Engine, and_, func, insert, select

from nlq.answer import Answer
from nlq.errors import ErrorKind
from nlq.store.boundary import inserted_id, store_operation
from nlq.store.tables import answers, feedback

LOG_COLUMNS = ["id", "asked_at", "user", "source", "database", "question", "route", "model", "status",
               "error_kind", "row_count", "total_ms", "model_seconds", "prompt_tokens", "completion_tokens",
               "verdict", "sql", "route_reason", "sent_to", "error_message", "rating", "comment", "summary"]


@dataclass(frozen=True)
class LogEntry:
    id: int
    asked_at: datetime
    user: str
    question: str
    route: str | None
    status: str
    sql: str | None
    model: str | None
    row_count: int | None
    error_message: str | None
    summary: str | None = None
    explanation: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()  # the messages of its trust checks


REFUSED_BY_VETTING = frozenset({ErrorKind.REFUSED, ErrorKind.SQL_SYNTAX})
FAILED_AFTER_VETTING = frozenset({ErrorKind.DATABASE_ERROR, ErrorKind.QUERY_TIMEOUT, ErrorKind.TOO_EXPENSIVE})


def verdict_of(answer: Answer) -> str | None:
    """What vetting said of the SQL: refused, allowed, or nothing when no SQL was written."""
    if answer.error is not None and answer.error.kind in REFUSED_BY_VETTING:
        return "refused"
    if answer.sql and (answer.ok or (answer.error is not None and answer.error.kind in FAILED_AFTER_VETTING)):
        return "allowed"
    return None


def answer_row(answer: Answer, user: str, source: str) -> dict[str, Any]:
    """The log's entry for an answer: what the store keeps, and what the journal keeps while it cannot."""
    model_ms = answer.timings_ms.get("model")
    return {
        "asked_at": answer.asked_at.astimezone(UTC).replace(tzinfo=None), "user": user, "source": source,
        "database": answer.database, "question": answer.question,
        "route": None if answer.route is None else answer.route.value,
        "route_reason": answer.route_reason, "model": answer.model, "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens,
        "model_seconds": None if model_ms is None else model_ms / 1000, "sql": answer.sql,
        "verdict": verdict_of(answer), "status": answer.status,
        "error_kind": answer.error.kind.value if answer.error else None,
        "error_message": answer.error.message if answer.error else None,
        "row_count": answer.row_count if answer.ok else None, "total_ms": answer.timings_ms.get("total"),
        "timings": json.dumps({k: round(v, 1) for k, v in answer.timings_ms.items()}),
        "sent_to": answer.sent_to,
        "summary": answer.summary,
        "explanation": json.dumps(list(answer.explanation)) if answer.explanation else None,
        "checks": json.dumps([check.to_dict() for check in answer.checks]) if answer.checks else None,
        "verified_id": answer.verified.id if answer.verified else None,
    }


class AnswerLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, answer: Answer, user: str, source: str) -> int:
        """Append one answer; returns its id (feedback refers to it)."""
        return self.insert(answer_row(answer, user, source))

    @store_operation("written")
    def insert(self, row: dict[str, Any]) -> int:
        """One entry as ``answer_row`` made it; an entry replayed from the journal whose key is already in the
        store is not added again (its id is returned)."""
        with self.engine.begin() as connection:
            if row.get("entry_key"):
                found = connection.execute(select(answers.c.id).where(answers.c.entry_key == row["entry_key"]))
                if (existing := found.scalar()) is not None:
                    return int(existing)
            return inserted_id(connection, insert(answers).values(**row), "answer")

    @store_operation("written")
    def add_feedback(self, answer_id: int, rating: int, comment: str, user: str) -> None:
        if rating not in (1, -1):
            raise ValueError("rating is +1 or -1")
        with self.engine.begin() as connection:
            connection.execute(insert(feedback).values(answer_id=answer_id, rating=rating, comment=comment or None,
                                                       user=user, given_at=datetime.now(UTC).replace(tzinfo=None)))

    @store_operation("read")
    def entries(self, limit: int = 1000, text: str = "", routes: list[str] | None = None,
                statuses: list[str] | None = None, since: datetime | None = None, until: datetime | None = None,
                users: list[str] | None = None) -> pd.DataFrame:
        """The newest entries first, filtered; the latest feedback on each comes along."""
        latest = (select(feedback.c.answer_id, func.max(feedback.c.id).label("feedback_id"))
                  .group_by(feedback.c.answer_id).subquery())
        query = (select(answers, feedback.c.rating, feedback.c.comment)
                 .outerjoin(latest, latest.c.answer_id == answers.c.id)
                 .outerjoin(feedback, feedback.c.id == latest.c.feedback_id))
        conditions: list[ColumnElement[bool]] = []
        if text:
            pattern = f"%{text.lower()}%"
            conditions.append(func.lower(answers.c.question).like(pattern) | func.lower(answers.c.sql).like(pattern))
        if routes:
            conditions.append(answers.c.route.in_(routes))
        if statuses:
            conditions.append(answers.c.status.in_(statuses))
        if users is not None:
            conditions.append(answers.c.user.in_(users))
        if since:
            conditions.append(answers.c.asked_at >= since)
        if until:
            conditions.append(answers.c.asked_at < until)
        if conditions:
            query = query.where(and_(*conditions))
        query = query.order_by(answers.c.id.desc()).limit(limit)
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return pd.DataFrame([{name: row[name] for name in LOG_COLUMNS} for row in rows], columns=LOG_COLUMNS)

    @store_operation("read")
    def entry(self, answer_id: int, users: list[str] | None = None) -> LogEntry | None:
        """One entry; None also when ``users`` is given and the entry is not one of theirs."""
        query = select(answers).where(answers.c.id == answer_id)
        if users is not None:
            query = query.where(answers.c.user.in_(users))
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        if row is None:
            return None
        return LogEntry(row["id"], row["asked_at"], row["user"], row["question"], row["route"], row["status"],
                        row["sql"], row["model"], row["row_count"], row["error_message"], row["summary"],
                        tuple(json.loads(row["explanation"] or "[]")),
                        tuple(check["message"] for check in json.loads(row["checks"] or "[]")))

    @store_operation("read")
    def users(self) -> list[str]:
        with self.engine.connect() as connection:
            return [r[0] for r in connection.execute(select(answers.c.user).distinct().order_by(answers.c.user))]

    @store_operation("read")
    def count(self, users: list[str] | None = None) -> int:
        query = select(func.count()).select_from(answers)
        if users is not None:
            query = query.where(answers.c.user.in_(users))
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())


def as_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Entries as JSON-ready dictionaries (for ``python -m nlq history --json``)."""
    return json.loads(frame.to_json(orient="records", date_format="iso"))
