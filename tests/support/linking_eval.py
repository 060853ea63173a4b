"""Schema-linking recall and prompt size, shared by tests/test_linking.py and bench/linking.py."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from nlq.linking import estimate_tokens, link_schema
from nlq.schema import SchemaInfo
from nlq.writer import build_messages


@dataclass(frozen=True)
class LinkingReport:
    questions: int
    recall: float  # share of questions whose gold tables all made it into the prompt
    median_prompt_tokens: float
    p95_prompt_tokens: float
    misses: tuple[tuple[str, tuple[str, ...]], ...]


def evaluate(cases: Iterable[tuple[SchemaInfo, str, frozenset[str]]], budget: int) -> LinkingReport:
    hits, sizes, misses = 0, [], []
    for schema, question, gold in cases:
        linked = link_schema(schema, question, budget)
        messages = build_messages(question, linked.text, schema.dialect, partial_schema=not linked.complete)
        sizes.append(sum(estimate_tokens(str(m.content)) for m in messages))
        missing = tuple(sorted(gold - set(linked.tables)))
        hits += not missing
        if missing:
            misses.append((question, missing))
    ordered = sorted(sizes)
    return LinkingReport(len(sizes), hits / len(sizes), statistics.median(sizes),
                         ordered[int(0.95 * (len(ordered) - 1))], tuple(misses))
