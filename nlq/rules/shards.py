"""Tables split by year (``sales_fact_1997``, ``sales_fact_dec_1998``, ``orders_2019``): one fact kept in a
table per year. A question about a period inside one of those years reads that year's table; a question
over several years, or none, would need them all and is left to the compiler's other candidates (and so,
usually, handed over)."""

from __future__ import annotations

from collections import defaultdict
from typing import TypeVar

from nlq.rules.concepts import Concept
from nlq.rules.timeframes import MONTHS, TimeMatch, resolve
from nlq.rules.words import name_words

C = TypeVar("C", bound=Concept)


def year_shards(candidates: list[C], period: TimeMatch | None) -> list[C]:
    """The candidates, with each group of year tables narrowed to the one table of the period's year."""
    groups: dict[tuple[str, ...], list[tuple[int, C]]] = defaultdict(list)
    kept: list[C] = []
    for candidate in candidates:
        year, rest = _year_of(candidate.table)
        if year is None:
            kept.append(candidate)
        else:
            groups[(*rest, getattr(candidate, "label", ""))].append((year, candidate))
    years = _years(period)
    for members in groups.values():
        if len({y for y, _ in members}) < len(members) or len(members) < 2:
            kept.extend(c for _, c in members)  # one table, or not one per year: not a split by year
        elif years is not None:
            kept.extend(c for y, c in members if y in years)
        else:
            kept.extend(c for _, c in members)
    return kept


def _year_of(table: str) -> tuple[int | None, tuple[str, ...]]:
    words = name_words(table)
    years = [w for w in words if len(w) == 4 and w.isdigit() and 1900 <= int(w) <= 2100]
    if len(years) != 1:
        return None, words
    return int(years[0]), tuple(w for w in words if w != years[0] and w not in MONTHS)


def _years(period: TimeMatch | None) -> set[int] | None:
    """The one year an absolute period lies in; None for none, a relative one, or one spanning years."""
    found = resolve(period, None) if period is not None and not period.needs_latest else None
    if found is None or found.start is None or found.end is None:
        return None
    last = found.end.year if (found.end.month, found.end.day) != (1, 1) else found.end.year - 1
    return {found.start.year} if found.start.year == last else None
