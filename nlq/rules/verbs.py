"""Verbs of money: "which store sold the most", "customers who spent the most", "what did we earn".

Such a verb says what is measured only when nothing else does: the money a sale brings in, found as the word
"revenue" is. When the question names a measure ("sold the most units") the verb is filler; when it counts
("how many tracks did we sell": lines or units?) or the earner is not the business ("who earns the most": a
salary), the rules hand the question over rather than guess.
"""

from __future__ import annotations

from nlq.rules.catalog import Catalog
from nlq.rules.concepts import Concept, Measure
from nlq.rules.intent import Item, hand_over
from nlq.rules.wording import revenue_reading

THE_BUSINESS = frozenset({"we", "us", "our"})  # "what did we earn", "earned us": the business's income


def read_money_verbs(items: list[Item], words: list[str], catalog: Catalog) -> list[Item]:
    """The items with each money verb made filler or the revenue measure, or ``HandedOver``."""
    verbs = [item for item in items if item.kind == "money"]
    if not verbs:
        return items
    rest = [item for item in items if item.kind != "money"]
    if any(item.kind == "concept" and any(isinstance(c, Measure) for c in item.candidates) for item in rest):
        return rest  # "which brand sold the most units": the units say what was sold
    verb = verbs[0]
    if any(item.kind == "count" for item in rest):
        raise hand_over(f"it does not say what “{verb.words[0]}” counts: the sales, or the units sold")
    if verb.value == "earn" and not THE_BUSINESS & set(words):
        raise hand_over(f"it does not say who “{verb.words[0]}”: the business, or a person paid")
    money = revenue_reading(("revenue",), list(catalog.lookup(("revenue",))), catalog)
    measures: list[Concept] = [c for c in money if isinstance(c, Measure)]
    if not measures:
        raise hand_over(f"it does not know the word “{verb.words[0]}” in this database")
    position = items.index(verb)
    kept = [item for item in items[:position] if item.kind != "money"]
    later = [item for item in items[position + 1:] if item.kind != "money"]
    return [*kept, Item("concept", verb.words, measures), *later]
