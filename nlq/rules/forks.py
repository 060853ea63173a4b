"""The forks in reading a question: where the rules could read it two or three ways, the one already chosen
(by the user in this chat, or by the owner's ``prefer`` list), or ``Ambiguous`` with the readings to offer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

from sqlglot import exp

from nlq.choices import MAX_READINGS, Ambiguous, pick
from nlq.errors import HandedOver
from nlq.rules.concepts import Attribute, Concept, Entity, Measure, Value
from nlq.rules.parse import hand_over
from nlq.rules.words import display_name

_Payload = TypeVar("_Payload")
_Base = TypeVar("_Base", bound=Measure | Entity)


def decide(question: str, options: Sequence[tuple[str, str, _Payload]], chosen: frozenset[str],
           too_many: HandedOver, taken: list[str]) -> _Payload:
    """A fork: the option already chosen (its words added to ``taken``, so the answer says how it was read),
    or ``Ambiguous`` with the options to offer (each a value, the words for it and what choosing it means
    here); more than a few readings hand the question over instead."""
    settled = pick([value for value, _, _ in options], chosen)
    if settled is not None:
        taken.append(next(f"reading {label.replace(' · ', ' ')}" for value, label, _ in options if value == settled))
        return next(payload for value, _, payload in options if value == settled)
    if not 2 <= len(options) <= MAX_READINGS or len({value for value, _, _ in options}) < len(options):
        raise too_many
    raise Ambiguous(question, [(value, label) for value, label, _ in options])


def reading_label(table_name: str, label: str) -> str:
    """A reading in words: "customer · country", "invoice · billing country", "artist" (its own name)."""
    table_label = display_name(table_name)
    return table_label if label in {table_label, ""} else f"{table_label} · {label}"


def value_of(concept: Concept) -> str:
    """How a choice names a reading: its column (``customer.country``), or its table for a row count."""
    if isinstance(concept, (Attribute, Value)):
        return f"{concept.table}.{concept.column}"
    if isinstance(concept, Measure):
        return f"{concept.table}.{concept.expression.name}" if isinstance(concept.expression, exp.Column) else (
            f"{concept.table}.{concept.label}")
    if len(concept.label_columns) == 1:
        return f"{concept.table}.{concept.label_columns[0]}"
    return concept.table


def only(candidates: list[Concept], kind: type[_Base], what: str) -> _Base:
    found = [c for c in candidates if isinstance(c, kind)]
    if len(found) != 1:
        raise hand_over(f"it is not clear {what}")
    return found[0]


def named(candidates: Sequence[Concept]) -> str:
    names = sorted({f"{c.table}.{c.column}" if hasattr(c, "column") else c.table for c in candidates})
    return ", ".join(names[:4])


def alias(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_") or "value"
