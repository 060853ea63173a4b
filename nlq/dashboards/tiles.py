"""What a tile keeps of the answer it was pinned from: the SQL, the question, the chart the user chose and
how its numbers read — never the rows, which are fetched again (and vetted again) on every refresh."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from nlq.answer import Answer
from nlq.charts import ChartSpec
from nlq.formats import column_formats
from nlq.store.dashboards import StoredTile

MAX_TITLE_CHARS = 200  # the tables' title columns


@dataclass(frozen=True)
class TileDraft:
    """A tile about to be pinned."""

    title: str
    question: str
    sql: str
    database: str | None = None
    chart: str | None = None  # JSON: the answer's chart spec and the type chosen ("chosen")
    formatting: str | None = None  # JSON: {"currency": ..., "kinds": {column: kind}}
    answer_id: int | None = None


def draft_from_answer(answer: Answer, title: str = "", chosen: str | None = None,
                      answer_id: int | None = None) -> TileDraft:
    """``chosen``: the chart type the user switched to, when not the one nlq chose."""
    if not answer.sql:
        raise ValueError("an answer without SQL cannot be pinned")
    spec = asdict(answer.chart)
    spec["chosen"] = chosen if chosen in answer.chart.alternatives else answer.chart.type
    kinds = {} if answer.frame is None else {name: fmt.kind for name, fmt in column_formats(answer.frame).items()}
    return TileDraft(title=clean_title(title or answer.question), question=answer.question, sql=answer.sql,
                     database=answer.database, chart=json.dumps(spec),
                     formatting=json.dumps({"currency": answer.currency, "kinds": kinds}), answer_id=answer_id)


def draft_from_sql(question: str, sql: str, title: str = "", database: str | None = None,
                   answer_id: int | None = None) -> TileDraft:
    """A History entry pinned without re-running it: its chart is chosen from the data's shape on refresh,
    by the same fixed rules that chose the answer's."""
    return TileDraft(title=clean_title(title or question), question=question, sql=sql, database=database,
                     answer_id=answer_id)


def clean_title(title: str) -> str:
    return " ".join(title.split())[:MAX_TITLE_CHARS] or "Untitled"


def chosen_chart(tile: StoredTile, fresh: ChartSpec) -> str:
    """The chart type to draw a fresh result with: the one the user chose when the fresh result still offers
    it, else the one nlq chooses for the fresh result's shape (columns may have changed since)."""
    chosen = _json(tile.chart).get("chosen")
    return chosen if isinstance(chosen, str) and chosen in fresh.alternatives else fresh.type


def currency_of(tile: StoredTile, answer: Answer) -> str | None:
    currency = _json(tile.formatting).get("currency")
    return answer.currency or (currency if isinstance(currency, str) else None)


def _json(text: str | None) -> dict[str, Any]:
    try:
        found = json.loads(text or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
