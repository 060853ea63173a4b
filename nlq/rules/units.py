"""Durations in the unit a question asks for: "tracks longer than ten minutes" compares ``Milliseconds`` with
600,000, and "average length in minutes" divides it by 60,000.

Only a column whose own name states its unit is converted (``Milliseconds``, ``duration_seconds``,
``length_ms``); a ``duration`` of unknown unit, or a unit of anything but time, is handed over, since a wrong
factor would look as certain as a right one.
"""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp

from nlq.rules.concepts import Concept, Measure
from nlq.rules.intent import hand_over
from nlq.rules.words import name_words

SECONDS = {"millisecond": 0.001, "second": 1.0, "minute": 60.0, "hour": 3600.0}
SPELLINGS = {"millisecond": "millisecond", "ms": "millisecond", "msec": "millisecond", "second": "second",
             "sec": "second", "minute": "minute", "mins": "minute", "hour": "hour", "hr": "hour", "hrs": "hour"}
ASKED = {"millisecond", "second", "minute", "hour"}  # as a question says them ("in minutes", "ten minutes")


def column_unit(column: str) -> str | None:
    """The unit of time a column's name states, as its last word or its only one; None when it states none."""
    words = name_words(column)
    unit = SPELLINGS.get(words[-1]) if words else None
    if unit is None or (words[-1] in {"ms", "msec", "sec", "mins", "hr", "hrs"} and len(words) == 1):
        return None  # "ms" alone may be anything; "length_ms" is a length in milliseconds
    return unit


def factor(column: str, asked: str) -> float:
    """How many of the column's unit make one of the unit asked for."""
    return SECONDS[asked] / SECONDS[column]


def in_unit(measure: list[Concept] | None, units: list[str]) -> list[Concept]:
    """The measure's columns divided into the unit asked for ("length in minutes": ``Milliseconds / 60000.0``),
    or a hand-over when there is no such column or more than one unit is asked."""
    if len(set(units)) != 1:
        raise hand_over("it asks for more than one unit")
    unit = units[0]
    timed = [(m, found) for m in measure or [] if isinstance(m, Measure) and not m.aggregated and not m.derived
             and isinstance(m.expression, exp.Column) and (found := column_unit(m.expression.name))]
    if not timed or len(timed) != len(measure or []):
        raise hand_over(f"it asks for {unit}s of something no column holds as a time")
    return [replace(m, label=f"{'duration' if m.label in SPELLINGS else m.label} in {unit}s",
                    expression=exp.Div(this=m.expression.copy(), expression=_divisor(factor(found, unit))))
            for m, found in timed]


def _divisor(value: float) -> exp.Expr:
    return exp.Literal.number(str(float(value)))  # a float: SQLite would divide integers to an integer
