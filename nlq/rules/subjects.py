"""Which named table is the subject of a question, and which only says whose value or measure it is:
"Washington state" (the column a value was found in), "customers in Japan" (whose orders), "Enterprise
customers" (which rows), "unit price of tracks" (whose price)."""

from __future__ import annotations

from sqlglot import exp

from nlq.rules.catalog import Catalog
from nlq.rules.concepts import Attribute, Concept, Entity, Measure, Value
from nlq.rules.intent import Item


def names_the_value_before(items: list[Item], position: int) -> bool:
    """A column named right after a value found in that very column, and not grouped by."""
    if position == 0 or items[position].grouped or items[position - 1].kind != "concept":
        return False
    values = items[position - 1].candidates
    if not values or not all(isinstance(c, Value) for c in values):
        return False
    columns = {(c.table, c.column) for c in items[position].candidates if isinstance(c, Attribute)}
    if columns and {(v.table, v.column) for v in values if isinstance(v, Value)} <= columns:
        return True
    words = items[position].words  # "the Deli department": the last word of product_department's name
    return all(isinstance(v, Value) and tuple(v.label.split()[-len(words):]) == words for v in values)


def value_and_its_column(before: Item, item: Item) -> list[Concept] | None:
    """"the Sales department": a value followed by the last word of its column's name is that value alone, even
    where its word also names a measure (the revenue "sales" stands for)."""
    if before.kind != "concept" or item.grouped:
        return None
    words = item.words  # "the Deli department" (product department), "blue eyes" (eye color)
    values = [c for c in before.candidates if isinstance(c, Value)
              and words in {tuple(c.label.split()[-len(words):]), tuple(c.label.split()[:len(words)])}]
    return list(values) or None


def attribute_of_entity(subjects: list[tuple[Item, list[Concept]]]) -> list[Concept] | None:
    """"Which countries are our customers from": a column named before its rows lists that column's values;
    "customers and their countries" (the rows first) lists the rows, which show the column. None when the two
    named things are not a table and one of its columns."""
    if len(subjects) != 2:
        return None
    (_, first), (_, second) = subjects
    for column, rows in ((first, second), (second, first)):
        tables = {c.table for c in rows if isinstance(c, Entity)}
        own = [c for c in column if isinstance(c, Attribute) and c.table in tables]
        if own and not any(isinstance(c, Entity) for c in column):
            return list(own) if column is first else [c for c in rows if isinstance(c, Entity) and c.table in
                                                      {a.table for a in own}]
    return None


def with_their_column(items: list[Item], subject: tuple[Item, list[Concept]], measure: list[Concept]
                      ) -> list[Concept] | None:
    """"tracks with their unit prices": a number column of the rows named first is shown on them, not
    aggregated. Never a total worked out ("customers with their revenue"), nor a number named first."""
    subject_item, rows = subject
    measure_item = next((item for item in items if item.candidates is measure or item.candidates == measure), None)
    if measure_item is None or items.index(measure_item) < items.index(subject_item):
        return None
    tables = {c.table for c in rows if isinstance(c, Entity)}
    own = [c for c in measure if isinstance(c, Measure) and c.table in tables and not c.derived
           and not c.aggregated and isinstance(c.expression, exp.Column)]
    if not own:  # the rows' own price, not the price of their sales
        return None
    return [c for c in rows if isinstance(c, Entity) and c.table in {m.table for m in own}]


def scoped_by_the_value_after(items: list[Item], position: int, catalog: Catalog) -> bool:
    """An entity right before a value it holds or leads to ("customers in Japan"), when something else is
    measured or counted: the entity only says whose value it is."""
    following = items[position + 1] if position + 1 < len(items) else None
    before = next((i for i in reversed(items[:position]) if not _only_values(i)), None)  # past "Enterprise"
    if following is None or following.kind != "concept" or items[position].grouped:
        return False
    if before is not None and before.kind in {"count", "most", "top"}:  # "how many tracks in Jazz": counted
        return False
    if not following.candidates or not all(isinstance(c, Value) for c in following.candidates):
        return False
    tables = {c.table for c in items[position].candidates if isinstance(c, Entity)}
    measured = [i for i in items if i.kind in {"count", "agg", "most", "top"} or (
        i is not items[position] and i.kind == "concept" and any(isinstance(c, Measure) for c in i.candidates))]
    return bool(measured) and any(catalog.path(t, v.table) is not None for t in tables for v in following.candidates)


def _only_values(item: Item) -> bool:
    return item.kind == "concept" and bool(item.candidates) and all(isinstance(c, Value) for c in item.candidates)


def qualified_by_value(items: list[Item], position: int) -> bool:
    """An entity named right after one of its own values, and not as the thing counted or ranked."""
    if position == 0 or items[position - 1].kind != "concept":
        return False
    value_item = items[position - 1]
    tables = {c.table for c in items[position].candidates if isinstance(c, Entity)}
    if not all(isinstance(c, Value) for c in value_item.candidates) or not any(
            c.table in tables for c in value_item.candidates):
        return False
    before = items[position - 2] if position >= 2 else None
    return before is None or before.kind not in {"count", "most", "top"}


def qualify_measure(measures: list[list[Concept]], subjects: list[tuple[Item, list[Concept]]]
                     ) -> list[tuple[Item, list[Concept]]]:
    """"Average length of rivers", "unit price of tracks": a table named beside a measure says whose
    measure it is, and chooses between same-named columns of different tables."""
    kept = []
    for item, candidates in subjects:
        tables = {c.table for c in candidates if isinstance(c, Entity)}
        owned = [m for m in measures[0] if m.table in tables]
        if len(tables) == 1 and owned:
            measures[0] = owned
        else:
            kept.append((item, candidates))
    return kept


def own_values(values: Item, rows: Item, catalog: Catalog) -> list[Concept] | None:
    """"German customers", "customers from Canada": a value beside the rows named is their own column's when
    they have one (not the invoice's billing country, nor the support agent's); None when nothing narrows.

    A value that is also the name of a row elsewhere is not narrowed: in "albums Iron Maiden has" it names
    the artist, though an album has that title too, so the rules ask which."""
    if values.kind != "concept" or rows.kind != "concept" or not values.candidates:
        return None
    if not all(isinstance(c, Value) for c in values.candidates):
        return None
    tables = {c.table for c in rows.candidates if isinstance(c, Entity)}
    own = [c for c in values.candidates if c.table in tables]
    if any(c.table not in tables and _names_a_row(c, catalog) for c in values.candidates):
        return None
    return own if own and len(own) < len(values.candidates) else None


def _names_a_row(value: Concept, catalog: Catalog) -> bool:
    entity = catalog.entity_of(value.table)
    return entity is not None and isinstance(value, Value) and value.column in entity.label_columns


def values_of_their_rows(items: list[Item], catalog: Catalog) -> list[Item]:
    """Each value beside the rows named narrowed to their own column: the rows after it first ("German
    customers"), else the rows before it ("customers from Canada")."""
    narrowed = list(items)
    for position, item in enumerate(items):
        after = items[position + 1] if position + 1 < len(items) else None
        before = items[position - 1] if position else None
        own = (own_values(item, after, catalog) if after is not None else None) or (
            own_values(item, before, catalog) if before is not None else None)
        if own:
            narrowed[position] = Item("concept", item.words, own, plural=item.plural, grouped=item.grouped,
                                      connector=item.connector)
    return narrowed
