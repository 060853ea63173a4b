"""Question shapes besides measuring and listing: "when was X hired" (the date is the answer) and "how many
arsons" (counting a value's rows)."""

from __future__ import annotations

from nlq.rules.catalog import Catalog
from nlq.rules.concepts import Concept, Entity, Value
from nlq.rules.intent import Intent, Item, Rank, hand_over
from nlq.rules.words import display_name


def when_intent(items: list[Item], catalog: Catalog) -> Intent:
    """"When was Laura Callahan hired?": the date a verb names, of the rows the values pick out."""
    dated = [item for item in items if item.kind == "dated"]
    dates = {column for item in dated for column in item.value}  # type: ignore[attr-defined]
    tables = {table for table, _ in dates}
    if len(dated) != 1 or len(tables) != 1:
        raise hand_over("it asks when, without a verb that names one date")
    table = next(iter(tables))
    entity = catalog.entity_of(table)
    values = [item for item in items if item.kind == "concept" and item.candidates
              and all(isinstance(c, Value) for c in item.candidates)]
    others = [item for item in items if item.kind not in {"when", "dated", "filler"} and item not in values
              and not (item.kind == "concept" and entity in item.candidates)]
    if entity is None or not values or others:
        raise hand_over("it asks when, about something the rules cannot pick out")
    return Intent(listing=[entity], filters=[[c for c in v.candidates if isinstance(c, Value)] for v in values],
                  dated_by=tuple(sorted(dates)), when=True)


def rows_of_the_value(intent: Intent, items: list[Item], catalog: Catalog) -> list[Concept] | None:
    """The rows counted when a question counts a value ("how many arsons in 2017", "how many murders in SQL
    City"): its table's, when the question's values all lie in one table, or the table a value was named with
    ("Enterprise customers in Germany") when the others' tables are reached from it."""
    tables = {v.table for values in intent.filters for v in values}
    if not intent.filters:
        return None
    if len(tables) == 1:  # "how many murders in SQL City": both values of one table
        table = next(iter(tables))
        return [Entity(table, display_name(table), (), ())]
    named = rows_named_with_their_value(items, catalog)
    if named is None or any(other != named.table and catalog.path(named.table, other) is None for other in tables):
        return None
    return [named]


def rows_named_with_their_value(items: list[Item], catalog: Catalog) -> Entity | None:
    """"Enterprise customers", "cancelled orders": the one table whose rows a value was named together with."""
    named = {entity for item in items if item.kind == "concept" and len(item.words) > 1 for c in item.candidates
             if isinstance(c, Value) and (entity := catalog.entity_of(c.table)) is not None
             and item.words[-1] in entity.label.split()}
    return next(iter(named)) if len(named) == 1 else None


def common_intent(items: list[Item], catalog: Catalog) -> Intent:
    """"the most common billing country", "the 3 most common genres among tracks": rows counted by a column's
    values, the largest counts first; whose rows are counted is the column's own table unless others are named."""
    if any(item.kind not in {"mode", "concept", "limit"} for item in items) or len(
            [item for item in items if item.kind in {"mode", "limit"}]) > 2:
        raise hand_over("it asks for the most common of something together with something else")
    concepts = [item for item in items if item.kind == "concept"]
    values = [item for item in concepts if all(isinstance(c, Value) for c in item.candidates)]
    columns = [item for item in concepts if item not in values and not any(isinstance(c, Entity)
                                                                           for c in item.candidates)]
    rows = [item for item in concepts if item not in values and item not in columns]
    if not columns and len(rows) == 2:  # "genres among tracks": genre is a table too
        columns, rows = rows[:1], rows[1:]
    if len(columns) != 1 or len(rows) > 1:
        raise hand_over("it asks for the most common without one column and whose rows to count")
    counted: list[Concept] = [c for c in rows[0].candidates if isinstance(c, Entity)] if rows else [
        entity for c in columns[0].candidates if (entity := catalog.entity_of(c.table)) is not None]
    if not counted:
        raise hand_over("it asks for the most common without saying whose rows to count")
    limits = [int(str(item.value)) for item in items if item.kind == "limit"]
    limit = limits[0] if limits else (None if columns[0].plural else 1)
    return Intent(measure=counted, aggregation="count", dimensions=[list(columns[0].candidates)],
                  filters=[[c for c in item.candidates if isinstance(c, Value)] for item in values],
                  rank=Rank(True, limit))
