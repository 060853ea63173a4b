"""What a question asks, as the parser hands it to the compiler: each named thing still a list of candidates
(the compiler resolves them by joins), and the parser's own items on the way there."""

from __future__ import annotations

from dataclasses import dataclass, field

from nlq.errors import HandedOver
from nlq.rules.concepts import Concept, Value
from nlq.rules.timeframes import TimeMatch


@dataclass(frozen=True)
class Grain:
    unit: str  # year, quarter, month, week, day


@dataclass(frozen=True)
class Rank:
    descending: bool
    limit: int | None


@dataclass(frozen=True)
class Sort:
    """"sorted by last name", "newest hire first", "from lowest to highest": the order rows are shown in."""
    key: tuple[str, ...] = ()  # the words naming the column to sort by; none for the measure or the rows' date
    descending: bool = False
    by_date: bool = False  # by the rows' own date ("newest first"), the one ``key`` names if any
    by_label: bool = False  # "alphabetically": by the rows' names


@dataclass(frozen=True)
class Threshold:
    """"invoices over $20", "between 10 and 15": a number one column of each row must pass."""
    candidates: tuple[Concept, ...]  # the numeric columns it may mean; the nearest to the rows wins
    operator: str  # gt, gte, lt, lte, between
    low: float
    high: float | None = None


@dataclass(frozen=True)
class Relation:
    """"who reports to Nancy Edwards": the rows below one person through a self-referencing key, or above."""
    column: str  # the key pointing up (reports_to)
    target: str  # the key it points at (employee_id)
    below: bool  # the person's reports (True) or the one the person reports to (False)
    person: tuple[tuple[Value, ...], ...]  # the values that pick the person out ("Nancy", "Edwards")


@dataclass
class Intent:
    """What the question asks, with each named thing still a list of candidates (resolved by joins)."""
    measure: list[Concept] = field(default_factory=list)  # Measure candidates, or the counted Entity
    aggregation: str | None = None  # sum, avg, min, max, count, earliest, latest (a date); None for a metric
    dimensions: list[list[Concept] | Grain] = field(default_factory=list)
    filters: list[list[Value]] = field(default_factory=list)
    period: TimeMatch | None = None
    rank: Rank | None = None
    listing: list[Concept] = field(default_factory=list)  # "customers in Brazil": the rows themselves
    dated_by: tuple[tuple[str, str], ...] = ()  # the date columns a verb names ("hired in 2016": hire_date)
    when: bool = False  # "when was Laura Callahan hired": the date itself is the answer
    order: Sort | None = None
    thresholds: list[Threshold] = field(default_factory=list)
    relation: Relation | None = None


@dataclass
class Item:
    kind: str  # concept, group, agg, count, top, most, grain
    words: tuple[str, ...]
    candidates: list[Concept] = field(default_factory=list)
    value: object = None
    grouped: bool = False
    plural: bool = False
    connector: str = ""  # the grouping word it follows: "by", "per", "each"


def hand_over(reason: str) -> HandedOver:
    return HandedOver(f"The rules did not answer: {reason}.",
                      "The self-hosted model answers questions the rules cannot; ask with route auto or model.")


@dataclass(frozen=True)
class RulesQuery:
    sql: str
    understood: str  # "total revenue · by region · in 2024"
