"""Verified answers, as the engine sees them: SQL an admin checked for a question, which answers any question
that means the same first — before the rules and the model — and joins the examples the model sees.

"Means the same" is decided twice, both without a model: the same normalised text (the cache's
normalisation: case, spacing and punctuation do not make another question), or the same reading by the rules
tier (its SQL for the question, hashed: "revenue by country" and "sales per country" that the rules read alike
match). Where verified answers live is the caller's choice (``VerifiedSource``; the app wires it to its store
in ``nlq.services``); like the cache, a source that cannot be read is a miss and never costs an answer. Their
SQL is vetted and run again on every use, like anyone's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from nlq.answer import VerifiedMark
from nlq.cache import normalize_question
from nlq.errors import NlqError
from nlq.examples import Example
from nlq.rules import understand

if TYPE_CHECKING:
    from nlq.engine import Engine

VERIFIED, STALE = "verified", "stale"


@dataclass(frozen=True)
class VerifiedSql:
    """A verified answer that may answer: its SQL and who vouched for it."""

    id: int
    question: str
    sql: str
    verified_by: str
    verified_at: datetime
    title: str | None = None
    fingerprint: str | None = None  # the schema it was last checked against

    @property
    def mark(self) -> VerifiedMark:
        return VerifiedMark(self.id, self.question, self.verified_by, self.verified_at, self.title, self.fingerprint)


class VerifiedSource(Protocol):
    """Where verified answers live. Implementations never raise: one that cannot be read finds nothing (the
    question goes on to the rules and the model) and one that cannot be written forgets."""

    def find(self, database: str, question_key: str, understanding_key: str | None = None) -> VerifiedSql | None:
        """The verified (never a stale) answer for this database whose question key — or else whose
        understanding key — is the one given."""
        ...

    def examples(self, database: str, fingerprint: str) -> tuple[Example, ...] | None:
        """Those checked against the schema with this fingerprint, as examples for the model's prompt; None
        when they cannot be read just now."""
        ...

    def mark_stale(self, verified_id: int, why: str) -> None:
        """Its SQL no longer passes on the current schema: it stops answering until an admin fixes it."""
        ...

    def confirm(self, verified_id: int, fingerprint: str) -> None:
        """Its SQL still passes on a changed schema: remember the schema it was checked against."""
        ...


def question_key(question: str) -> str:
    """The sha256 of the normalised question: the same key for "Revenue by country?" and "revenue by country"."""
    return hashlib.sha256(normalize_question(question).encode()).hexdigest()


def understanding_key(rules_sql: str) -> str:
    """The sha256 of the rules tier's SQL for a question, spacing aside: one reading, one key."""
    return hashlib.sha256(" ".join(rules_sql.split()).encode()).hexdigest()


def understanding_of(question: str, engine: Engine, chosen: Collection[str] = ()) -> str | None:
    """The question's understanding key, or None when the rules tier is off or does not read it one way only
    (it hands over, or asks which reading): then only the same text matches."""
    if not engine.settings.rules:
        return None
    model = engine.semantic_model()
    try:
        found = understand(question, engine.catalog(), (*chosen, *(model.prefer if model else ())))
    except NlqError:  # handed over, or asked which reading (NeedsChoice)
        return None
    return understanding_key(found.sql)
