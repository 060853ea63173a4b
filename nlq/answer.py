"""The answer: one frozen data object that the browser, the CLI, the answer log and the tests all consume.

It holds evidence, not presentation: the SQL that ran, the rows, the chosen chart, which route answered and
why, what each step cost and, when something failed, a typed error report. It is built once, by the
pipeline, from the route that answered; rendering decisions stay with each front end.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from nlq.charts import TABLE_ONLY, ChartSpec
from nlq.choices import Clarification
from nlq.errors import ErrorReport
from nlq.formats import without_float_noise
from nlq.route import Route
from nlq.trust import TrustCheck

if TYPE_CHECKING:
    import pandas as pd

FILENAME_WORDS = 8
NOTHING_SENT = "nothing: answered on this machine, without a model"
NOTHING_REACHED = "nothing: the model server could not be reached"  # a model was tried, no request left


@dataclass(frozen=True)
class Turn:
    """An earlier question of the conversation and the SQL that answered it."""

    question: str
    sql: str


@dataclass(frozen=True)
class RouteNote:
    """A route that was tried before the one that answered, and why it did not answer."""

    route: Route
    reason: str


@dataclass(frozen=True)
class VerifiedMark:
    """Who verified the SQL that answered, and when: what the green badge says and ``--json`` carries."""

    id: int
    question: str  # the question the admin verified, which this one means the same as
    verified_by: str
    verified_at: datetime  # UTC
    title: str | None = None
    checked_on: str | None = field(default=None, compare=False, repr=False)  # the schema it last ran on

    @property
    def badge(self) -> str:
        """"Verified by ana@example.com on 12 Nov" (with the year when it is not this one)."""
        day = f"{self.verified_at.day} {self.verified_at:%b}"
        if self.verified_at.year != datetime.now(UTC).year:
            day += f" {self.verified_at.year}"
        return f"Verified by {self.verified_by} on {day}"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "question": self.question, "title": self.title, "verified_by": self.verified_by,
                "verified_at": self.verified_at.isoformat()}


@dataclass(frozen=True, eq=False)
class Answer:
    question: str
    route: Route | None = None  # None: the question was refused before any route was tried
    route_reason: str | None = None  # why this route answered ("understood every word as …")
    understood: str | None = None  # the rules tier's reading of the question
    declined: tuple[RouteNote, ...] = ()  # the cheaper routes that did not answer, and why
    model: str | None = None
    database: str | None = None
    sql: str | None = None
    frame: pd.DataFrame | None = None
    truncated: bool = False
    total_rows: int | None = None
    chart: ChartSpec = TABLE_ONLY
    timings_ms: dict[str, float] = field(default_factory=dict)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    model_reply: str | None = None
    repair_rounds: int = 0
    tables_in_prompt: tuple[str, ...] = ()
    notice: str | None = None  # said plainly above the answer, e.g. that a hosted model answered
    sent_to: str = NOTHING_SENT  # what left this machine for this answer, and to where
    history: tuple[Turn, ...] = ()  # the earlier turns this question followed up on
    error: ErrorReport | None = None
    clarify: Clarification | None = None  # the readings to choose between, when the rules asked back
    summary: str | None = None  # one sentence made from the rows, without a model (nlq.summary)
    explanation: tuple[str, ...] = ()  # what the SQL does, in words, from its tree (nlq.explain)
    checks: tuple[TrustCheck, ...] = ()  # warnings a reader should see before trusting it (nlq.checks)
    currency: str | None = None  # what its money columns are in, from the semantic model
    verified: VerifiedMark | None = None  # the verified answer whose SQL answered (route ``verified``)
    asked_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def row_count(self) -> int:
        return 0 if self.frame is None else len(self.frame)

    @property
    def empty(self) -> bool:
        """No rows, or the one row of NULLs an aggregate over no rows gives ("revenue in Brazil in 2022")."""
        if not self.ok:
            return False
        if self.row_count == 0:
            return True
        return self.row_count == 1 and self.frame is not None and bool(self.frame.iloc[0].isna().all())

    @property
    def status(self) -> str:
        """answered, empty, clarify or failed: what History filters on and the log records."""
        if self.clarify is not None:
            return "clarify"
        if not self.ok:
            return "failed"
        return "empty" if self.empty else "answered"

    @property
    def status_line(self) -> str:
        """The one line above an answer: "5 rows · 1.2 s · qwen2.5-coder:7b"."""
        seconds = self.timings_ms.get("total", 0.0) / 1000
        rows = 0 if self.empty else self.row_count  # one row of NULLs from an aggregate over nothing: no rows
        parts = [] if not self.ok else [f"{rows:,} row{'s' if rows != 1 else ''}"]
        parts.append(f"{seconds:.1f} s")
        if self.route is Route.RULES:
            parts.append("answered without a model" if self.ok else "rules only")
        elif self.route is Route.CACHE:
            parts.append("from the cache, without a model")
        elif self.route is Route.VERIFIED:
            parts.append("verified answer, without a model")
        elif self.model:
            parts.append(self.model)
        if self.repair_rounds:
            parts.append(f"fixed its SQL in {self.repair_rounds} round{'s' if self.repair_rounds > 1 else ''}")
        return " · ".join(parts)

    @property
    def row_note(self) -> str | None:
        """Said whenever the table does not hold the whole result."""
        if not self.truncated:
            return None
        total = f"{self.total_rows:,}" if self.total_rows is not None else "more"
        return f"Showing the first {self.row_count:,} of {total} rows."

    def turns(self) -> tuple[Turn, ...]:
        """The conversation so far including this answer, for the next follow-up question."""
        if self.ok and self.sql:
            return (*self.history, Turn(self.question, self.sql))
        return self.history

    def csv_bytes(self) -> bytes:
        """Full precision without float noise (5775117.418, not 5775117.418000048), dates without midnight."""
        if self.frame is None:
            return b""
        return without_float_noise(self.frame).to_csv(index=False).encode("utf-8")

    @property
    def csv_filename(self) -> str:
        return f"{slugify(self.question) or 'nlq-answer'}.csv"

    def rows_as_json(self, limit: int) -> list[list[Any]]:
        if self.frame is None:
            return []
        # pandas' JSON writer knows dates, NaN and numpy scalars; round-trip through it for plain values.
        rows: list[list[Any]] = json.loads(self.frame.head(limit).to_json(orient="values", date_format="iso"))
        return rows

    def to_dict(self, limit: int = 1000) -> dict[str, Any]:
        """The CLI's --json shape; field names are a public contract."""
        return {
            "question": self.question,
            "route": None if self.route is None else self.route.value,
            "model": self.model,
            "sql": self.sql,
            "columns": [] if self.frame is None else [str(c) for c in self.frame.columns],
            "rows": self.rows_as_json(limit),
            "row_count": self.row_count,
            "total_rows": self.total_rows,
            "truncated": self.truncated,
            "chart": self.chart.to_dict(),
            "timings_ms": {name: round(ms, 1) for name, ms in self.timings_ms.items()},
            "tokens": {"prompt": self.prompt_tokens, "completion": self.completion_tokens},
            "repair_rounds": self.repair_rounds,
            "tables_in_prompt": list(self.tables_in_prompt),
            "notice": self.notice,
            "route_reason": self.route_reason,
            "understood": self.understood,
            "declined": [{"route": note.route.value, "reason": note.reason} for note in self.declined],
            "sent_to": self.sent_to,
            "history": [{"question": t.question, "sql": t.sql} for t in self.turns()],
            "error": None if self.error is None else self.error.to_dict(),
            "clarify": None if self.clarify is None else self.clarify.to_dict(),
            "summary": self.summary,
            "explanation": list(self.explanation),
            "checks": [check.to_dict() for check in self.checks],
            "verified": None if self.verified is None else self.verified.to_dict(),
        }


def slugify(text: str) -> str:
    """A safe file name from the question: ASCII words joined by hyphens, at most eight of them."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = "".join(ch if ch.isalnum() else " " for ch in ascii_text).split()
    return "-".join(words[:FILENAME_WORDS])
