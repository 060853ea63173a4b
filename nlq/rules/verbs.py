"""Words read once the whole question is known. Verbs of money: "which store sold the most", "customers who
spent the most", "what did we earn". And "people", which names whichever table of persons the question fits.

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
from nlq.rules.words import display_name
from nlq.schema import PERSON_COLUMNS

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


def read_people(items: list[Item], catalog: Catalog) -> list[Item]:
    """"How many people did we hire", "which department has the most people": the one table whose rows are
    people that has the date the question names and reaches everything else it names; otherwise handed over
    (employees or customers?)."""
    people = [item for item in items if item.kind == "people"]
    if not people:
        return items
    tables = [table for table, columns in catalog.columns.items()
              if {c.lower() for c in columns} & PERSON_COLUMNS and catalog.entity_of(table) is not None]
    dated = {table for item in items if item.kind == "dated" for table, _ in item.value}  # type: ignore[attr-defined]
    if dated:
        tables = [table for table in tables if table in dated]
    for item in items:
        if item.kind == "concept" and not any(isinstance(c, Measure) for c in item.candidates):
            tables = [t for t in tables if any(catalog.path(t, c.table) is not None for c in item.candidates)]
    if len(tables) != 1:
        found = " or ".join(display_name(t) for t in tables) or "no table of persons"
        raise hand_over(f"“{people[0].words[0]}” could mean {found}")
    entity = catalog.entity_of(tables[0])
    return [Item("concept", item.words, [entity], plural=True) if item.kind == "people" and entity else item
            for item in items]
