"""Schema-linking recall, prompt size and time, shared by tests/test_linking.py and bench/linking.py."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass

from nlq.linking import LinkingIndex, estimate_tokens
from nlq.schema import SchemaInfo
from nlq.writer import build_messages


@dataclass(frozen=True)
class LinkingReport:
    questions: int
    recall: float  # share of questions whose gold tables all made it into the prompt
    median_prompt_tokens: float
    p95_prompt_tokens: float
    median_ms: float  # linking one question, the schema's index already built
    misses: tuple[tuple[str, tuple[str, ...]], ...]


def evaluate(cases: Iterable[tuple[SchemaInfo, str, frozenset[str]]], budget: int,
             indexes: dict[int, LinkingIndex] | None = None) -> LinkingReport:
    """Gold tables compare case-insensitively (SQLite's ``Album`` is the gold's ``album``)."""
    hits, sizes, times, misses = 0, [], [], []
    indexes = {} if indexes is None else indexes
    for schema, question, gold in cases:
        index = indexes.setdefault(id(schema), LinkingIndex(schema))
        started = time.perf_counter()
        linked = index.link(question, budget)
        times.append((time.perf_counter() - started) * 1000)
        messages = build_messages(question, linked.text, schema.dialect, partial_schema=not linked.complete)
        sizes.append(sum(estimate_tokens(str(m.content)) for m in messages))
        missing = tuple(sorted({g.lower() for g in gold} - {t.lower() for t in linked.tables}))
        hits += not missing
        if missing:
            misses.append((question, missing))
    ordered = sorted(sizes)
    return LinkingReport(len(sizes), hits / len(sizes), statistics.median(sizes),
                         ordered[int(0.95 * (len(ordered) - 1))], statistics.median(times), tuple(misses))
