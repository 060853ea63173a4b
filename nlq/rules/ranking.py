"""What a question measures and how it ranks, once its words have found their roles: one measure or one
count, the rows it is about ("which customer …"), and the top or bottom of them. Anything it cannot settle
without guessing is handed over."""

from __future__ import annotations

from nlq.rules.catalog import Catalog
from nlq.rules.concepts import Attribute, Concept, Entity, Measure, Value
from nlq.rules.intent import Intent, Item, Rank, hand_over
from nlq.rules.subjects import attribute_of_entity, qualify_measure, with_their_column
from nlq.rules.words import counts_units, display_name

DEFAULT_TOP = 10


def measure_and_rank(intent: Intent, items: list[Item], measures: list[list[Concept]],
                     subjects: list[tuple[Item, list[Concept]]], counted: list[Concept] | None,
                      ranked: bool, catalog: Catalog) -> None:
    has_count = any(item.kind == "count" for item in items)
    if len(measures) + (counted is not None) > 1:
        raise hand_over("it names more than one thing to measure")
    if has_count and counted is None and len(measures) == 1 and intent.aggregation in (None, "sum") and all(
            isinstance(m, Measure) and m.additive and counts_units(tuple(m.label.split())) for m in measures[0]):
        intent.aggregation = "sum"  # "how many units did we sell": the units added up
        has_count = False
    if has_count and counted is None:
        raise hand_over("it asks to count something other than the rows of a table")
    top = next((item for item in items if item.kind == "top"), None)
    most = [item for item in items if item.kind == "most"]
    if (len(subjects) == 1 and len(measures) == 1 and not (ranked or most or top or has_count or counted)
            and not intent.aggregation and not intent.dimensions and (rows := with_their_column(items, subjects[0],
                                                                                              measures[0]))):
        intent.listing = rows  # "the products along with their list prices": the rows, which show the price
        return
    if measures and not ranked:
        subjects = qualify_measure(measures, subjects)
    if counted is not None:
        if intent.aggregation not in (None, "count", "sum"):  # "average number of lines per order"
            raise hand_over("it asks for an aggregate of a count")
        distinct_values = all(isinstance(c, Attribute) for c in counted)
        intent.measure, intent.aggregation = counted, "count_distinct" if distinct_values else "count"
    elif measures:
        intent.measure = measures[0]
    if (len(subjects) == 2 and not intent.measure and not ranked and not intent.dimensions
            and not intent.aggregation and (own := attribute_of_entity(subjects))):
        intent.listing = own  # "which countries are our customers from"
        return
    if len(subjects) > 1:
        raise hand_over("it names several things without saying how they relate")
    if subjects:
        subject_item, subject = subjects[0]
        if not intent.measure:
            if ranked or intent.dimensions or intent.aggregation:
                raise hand_over(f"it does not say what to measure about “{' '.join(subject_item.words)}”")
            intent.listing = subject
            return
        if not ranked and counted is not None and (named := counted_through(counted, subject, catalog)):
            intent.measure, intent.aggregation = [named], "count_distinct"  # "customers who placed an order"
            return
        if not ranked:
            raise hand_over(f"it does not say how “{' '.join(subject_item.words)}” relates to the measure")
        if intent.dimensions:  # "top 2 reps in each region" is a top list per group: not a rules shape
            raise hand_over("it asks for a ranking within groups")
        intent.dimensions.insert(0, subject)
        limit = None if subject_item.plural else 1
        if top is not None:
            assert isinstance(top.value, tuple)  # _grammar gives a "top" item (descending, number)
            descending, number = top.value
            intent.rank = Rank(descending, number or (DEFAULT_TOP if subject_item.plural else 1))
        elif most and intent.rank is None:
            intent.rank = Rank(bool(most[0].value), limit)
        elif intent.rank is not None:
            intent.rank = Rank(intent.rank.descending, limit)
        return
    if not intent.measure and not (most or top or intent.aggregation or intent.dimensions or has_count) and (
            kind := rows_of_a_kind(items, catalog)):
        intent.listing = [kind]  # "the sales support agents": the employees with that title
        return
    if not intent.measure:
        raise hand_over("it does not name anything to measure or list")
    if top is not None:
        raise hand_over("it asks for a top list without saying of what")
    asked = [item for item in items if item.kind == "grain" and item.connector == "which"]
    if most and asked and len(most) == 1 and len(intent.dimensions) == 1 and intent.aggregation in (None, "sum",
                                                                                                   "count"):
        intent.rank = Rank(bool(most[0].value), 1)  # "which month had the most orders": the month ranked first
    elif most and counted is None:
        if intent.aggregation or len(most) > 1:
            raise hand_over("it asks for two different aggregations")
        intent.aggregation = "max" if most[0].value else "min"
    elif most:
        raise hand_over("it asks for the most of something without saying of what")


def counted_through(counted: list[Concept], events: list[Concept], catalog: Catalog) -> Attribute | None:
    """"How many customers placed an order": the rows counted are the different ones the events name, through
    the one key of the events' table that points at them; None when there is not exactly one such key."""
    rows = {c.table for c in counted if isinstance(c, Entity)}
    tables = {c.table for c in events if isinstance(c, Entity)}
    if len(rows) != 1 or len(tables) != 1 or rows == tables:
        return None
    row_table, event_table = next(iter(rows)), next(iter(tables))
    keys = [edge for edge in catalog.edges.get(event_table, []) if edge.target == row_table]
    if len(keys) != 1:
        return None
    entity = catalog.entity_of(row_table)
    return Attribute(event_table, keys[0].column, entity.label if entity is not None else display_name(row_table))


def rows_of_a_kind(items: list[Item], catalog: Catalog) -> Entity | None:
    """"List the sales support agents": one value said in the plural names a kind of row, so the rows of its
    table that have it are listed; a value said once ("list Jazz") names no rows."""
    values = [item for item in items if item.kind == "concept"]
    if len(values) != 1 or not values[0].plural or not values[0].candidates:
        return None
    tables = {c.table for c in values[0].candidates}
    if len(tables) != 1 or not all(isinstance(c, Value) for c in values[0].candidates):
        return None
    return catalog.entity_of(next(iter(tables)))
