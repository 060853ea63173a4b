"""The rules tier: answers simple questions from the schema alone, with no model and at no model cost.

``understand`` either returns SQL with a plain account of how the question was read, or raises
``HandedOver`` with the reason; the router then asks the model. The SQL it returns is vetted and run
exactly like a model's.
"""

from __future__ import annotations

from collections.abc import Collection

from nlq.choices import Ambiguous, Clarification, NeedsChoice, Reading
from nlq.errors import HandedOver
from nlq.rules.catalog import Catalog, build_catalog
from nlq.rules.compile import RulesQuery, compile_intent
from nlq.rules.parse import hand_over, parse
from nlq.rules.reading import latest_date_reader, read_values
from nlq.rules.semantic_model import SemanticModel, load_semantic_model

__all__ = ["Catalog", "Clarification", "NeedsChoice", "RulesQuery", "SemanticModel", "build_catalog",
           "latest_date_reader", "load_semantic_model", "read_values", "understand"]


def understand(question: str, catalog: Catalog, chosen: Collection[str] = ()) -> RulesQuery:
    """The question's SQL; ``HandedOver`` when not every word was understood; ``NeedsChoice`` when it has two
    or three readings and nothing chosen says which."""
    intent = parse(question, catalog)
    decided = frozenset(chosen)
    try:
        return compile_intent(intent, catalog, decided)
    except Ambiguous as fork:
        readings = []
        for value, label in fork.options:
            try:
                found = compile_intent(intent, catalog, decided | {value})
            except (HandedOver, Ambiguous):
                continue  # this reading does not work out (or forks again): not one to offer
            readings.append(Reading(value, label, found.understood, found.sql))
        if len(readings) == 1:  # the others cannot be answered: the one that can is no guess
            return RulesQuery(readings[0].sql, readings[0].understood)
        if not readings:
            raise hand_over(f"{fork.what}: {', '.join(label for _, label in fork.options)}") from None
        raise NeedsChoice(Clarification(fork.what, tuple(readings))) from None
