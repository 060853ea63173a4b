"""The evidence step of the answer path: after the query ran, what the answer says about itself.

A one-sentence summary of the rows, the SQL in words, and the trust checks, all made without a model from
the SQL that ran, the schema, the rows and a few cached facts about the data (``nlq.facts``). Reading it can
never fail an answer: what cannot be read is left unsaid.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from nlq.charts import ChartSpec
from nlq.checks import check, find_period
from nlq.engine import Engine
from nlq.explain import aliases, explain, main_select
from nlq.summary import noun_of, summarize
from nlq.trust import TrustCheck

log = logging.getLogger("nlq")


@dataclass(frozen=True)
class Evidence:
    summary: str | None = None
    explanation: tuple[str, ...] = ()
    checks: tuple[TrustCheck, ...] = ()
    currency: str | None = None


def gather(sql: str, frame: pd.DataFrame, chart: ChartSpec, engine: Engine, *, truncated: bool,
           total_rows: int | None) -> Evidence:
    try:
        select = main_select(sql, engine.database.sqlglot_dialect)
        facts = engine.facts()
        period = find_period(select, facts)
        base = tuple(aliases(select).values())[:1] if select is not None else ()
        semantic = engine.semantic_model()
        currency = semantic.currency if semantic else None
        summary = summarize(frame, chart, currency=currency,
                            complete=not truncated, coverage=period.coverage() if period else None,
                            noun=noun_of(base))
        checks = check(select, engine.schema(), facts, truncated=truncated, shown=len(frame), total=total_rows,
                       period=period)
        return Evidence(summary, explain(select, cap=engine.settings.max_rows), checks, currency)
    except Exception:  # the answer stands without its evidence; the log says why
        log.exception("could not read the evidence of an answer")
        return Evidence()
