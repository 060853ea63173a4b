"""The semantic catalog: what a question can name in this database, derived from the schema itself.

Measures are numeric columns (and the semantic model's metrics), dimensions are text columns and the
entities that tables stand for, time is date columns, and values are the data's own short text values
("Brazil", "Electronics"), so that "revenue in Brazil" can be understood without a model. Each is indexed
under the word sequences a question would use for it. Joins follow foreign keys from the many side to the
one side only, so an aggregate never counts a row twice.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlglot import exp

from nlq.lexicon import english
from nlq.rules.columns import copies, is_date, is_measure, is_number_date, is_summary, is_text, year_parts
from nlq.rules.concepts import Attribute, Concept, Edge, Entity, Measure, Value
from nlq.rules.hierarchy import SelfReference, self_reference
from nlq.rules.semantic_model import SemanticModel, TableNotes
from nlq.rules.words import (
    COST_WORDS,
    FILLER,
    GROUPING,
    REVENUE_WORDS,
    SYNONYMS,
    counts_units,
    date_verbs,
    display_name,
    earns,
    name_words,
    value_words,
)
from nlq.schema import SchemaInfo, TableInfo, base_table, inferred_references

EXACT, ALIAS = 2, 1  # how strongly a phrase names a concept: its own name, or a synonym / shortened form
CALENDAR_KEYS = {"time", "date", "day", "calendar"}
SUMMARY_WEIGHT = 0.25  # a summary table's names count for less than any other table's synonyms
LABEL_NAMES = ("name", "title")
AUDIT_WORDS = {"update", "updated", "modified", "modification", "changed", "synced", "sync", "loaded", "ingested",
               "etl", "deleted"}
# Words too generic to name a column on their own ("cost" may stand for round_trip_cost; "name" may not).
GENERIC_WORDS = {"name", "title", "value", "total", "num", "count", "type", "date", "time", "id", "no", "number",
                 "is", "has", "of", "per", "in", "the", "avg", "max", "min", "sum"}


@dataclass
class Catalog:
    dialect: str
    phrases: dict[tuple[str, ...], list[tuple[Concept, float]]]
    edges: dict[str, list[Edge]]
    date_columns: dict[str, tuple[str, ...]]
    notes: dict[str, TableNotes]
    latest_reader: Callable[[str, str], date | None] = field(repr=False)
    longest_phrase: int = 1
    nullable: frozenset[tuple[str, str]] = frozenset()  # columns that may be empty
    date_verbs: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)  # "hired" → employees.hire_date
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)  # each table's columns, for "sorted by"
    self_references: tuple[SelfReference, ...] = ()  # "reports to": keys pointing at their own table
    number_dates: frozenset[tuple[str, str]] = frozenset()  # dates kept as numbers (20180115)
    codes: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)  # one-letter values: gender F, M
    year_parts: dict[str, tuple[str, str | None, str | None]] = field(default_factory=dict)  # year, quarter, month
    _latest: dict[tuple[str, str], date | None] = field(default_factory=dict, repr=False)
    _value_words: list[str] | None = field(default=None, repr=False)

    def lookup(self, words: tuple[str, ...]) -> list[Concept]:
        """The concepts a phrase names most strongly (its own names beat synonyms)."""
        matches = self.phrases.get(words, [])
        best = max((strength for _, strength in matches), default=0)
        return list(dict.fromkeys(concept for concept, strength in matches if strength == best))

    def entity_of(self, table_name: str) -> Entity | None:
        """The entity a table stands for, as its name indexes it."""
        return next((c for found in self.phrases.values() for c, strength in found
                     if isinstance(c, Entity) and c.table == table_name and strength == EXACT), None)

    def value_words(self) -> list[str]:
        """The one-word values of the data ("brazil", "jazz"), for near-match spellings."""
        if self._value_words is None:
            self._value_words = sorted(words[0] for words, found in self.phrases.items()
                                       if len(words) == 1 and all(isinstance(c, Value) for c, _ in found))
        return self._value_words

    def latest(self, table_name: str, column_name: str) -> date | None:
        """The data's last date, which "this year" and "last quarter" are relative to."""
        key = (table_name, column_name)
        if key not in self._latest:
            self._latest[key] = self.latest_reader(table_name, column_name)
        return self._latest[key]

    def path(self, start: str, goal: str) -> list[Edge] | None:
        """The one shortest many-to-one path; None when there is none or two of the same length."""
        if start == goal:
            return []
        best: dict[str, tuple[int, int, list[Edge]]] = {start: (0, 1, [])}  # distance, paths, one path
        queue = deque([start])
        while queue:
            current = queue.popleft()
            distance, count, route = best[current]
            for edge in self.edges.get(current, ()):
                known = best.get(edge.target)
                if known is None:
                    best[edge.target] = (distance + 1, count, [*route, edge])
                    queue.append(edge.target)
                elif known[0] == distance + 1:
                    best[edge.target] = (known[0], known[1] + count, known[2])
        found = best.get(goal)
        return found[2] if found and found[1] == 1 else None

    def measures_of(self, table_name: str) -> list[Measure]:
        """The numbers a table's own columns hold (not metrics, not worked out)."""
        return list(dict.fromkeys(c for found in self.phrases.values() for c, _ in found if isinstance(c, Measure)
                                  and c.table == table_name and not c.aggregated and not c.derived))

    def paths(self, start: str, goal: str, limit: int = 3) -> list[list[Edge]]:
        """Every shortest many-to-one path, when there are two to ``limit`` of them (an order line reaches a
        store through its order and through its shipment); none otherwise."""
        layers: dict[str, list[list[Edge]]] = {start: [[]]}
        frontier = [start]
        while frontier and goal not in layers:
            reached: dict[str, list[list[Edge]]] = {}
            for table in frontier:
                for edge in self.edges.get(table, ()):
                    if edge.target not in layers:
                        reached.setdefault(edge.target, []).extend([*p, edge] for p in layers[table])
            layers.update(reached)
            frontier = list(reached)
        found = layers.get(goal, [])
        return found if 2 <= len(found) <= limit else []

    def time_column(self, measure_table: str, explicit: tuple[str, str] | None) -> tuple[str, str] | None:
        """The date a fact happened on: named in the semantic model, else the only date column of the
        nearest table reached from the fact; None when that is not unique."""
        if explicit:
            return explicit
        frontier, seen = [measure_table], {measure_table}
        while frontier:
            found = [(t, c) for t in frontier for c in self._dates_of(t)]
            calendar = [(t, c) for t, c in found if t in self._calendars(frontier)]
            if len(found) == 1 or len(calendar) == 1:  # a star schema's time_id leads to the day it happened
                return found[0] if len(found) == 1 else calendar[0]
            if found:
                return None
            frontier = [e.target for t in frontier for e in self.edges.get(t, ()) if e.target not in seen]
            seen.update(frontier)
        return None

    def _calendars(self, tables: list[str]) -> set[str]:
        """Tables reached through a key named for time (``time_id``, ``date_key``): a warehouse's calendar."""
        return {e.target for t in self.edges for e in self.edges[t] if set(name_words(e.column)) & CALENDAR_KEYS
                and e.target in tables}

    def nearest_dates(self, measure_table: str) -> list[tuple[str, str]]:
        """The date columns nearest the fact (when ``time_column`` finds more than one): what to ask between."""
        frontier, seen = [measure_table], {measure_table}
        while frontier:
            found = [(t, c) for t in frontier for c in self._dates_of(t)]
            if found:
                return found
            frontier = [e.target for t in frontier for e in self.edges.get(t, ()) if e.target not in seen]
            seen.update(frontier)
        return []

    def _dates_of(self, table_name: str) -> tuple[str, ...]:
        noted = self.notes.get(table_name)
        if noted and noted.time:
            return (noted.time,)
        return self.date_columns.get(table_name, ())


def build_catalog(schema: SchemaInfo, model: SemanticModel | None, values: dict[tuple[str, str], tuple[str, ...]],
                  latest_reader: Callable[[str, str], date | None], dialect: str) -> Catalog:
    model = model or SemanticModel()
    schema = schema.whole_tables()  # a measure of payments is the parent's, not also each partition's
    values = {key: found for key, found in values.items() if schema.table(key[0]) is not None}
    index = _PhraseIndex(frozenset(t.name for t in schema.tables if is_summary(t.name)) | copies(schema.tables))
    labels = _column_labels(schema, model)
    for info in schema.tables:
        _index_table(index, info, model.tables.get(info.name, TableNotes()), labels, metrics_named=bool(model.metrics))
    for metric in model.metrics:
        tables = {c.table for c in metric.expression.find_all(exp.Column)}
        if metric.filter is not None:
            tables |= {c.table for c in metric.filter.find_all(exp.Column)}
        measure = Measure(metric.label or metric.name, base_table(tables, schema), metric.expression, aggregated=True,
                          filter=metric.filter, time=metric.time)
        index.add(metric.name, measure, EXACT)
        for synonym in metric.synonyms:
            index.add(synonym, measure, EXACT)
    for dimension in model.dimensions:
        attribute = Attribute(dimension.table, dimension.column, dimension.label or dimension.name)
        for name in (dimension.name, *dimension.synonyms):
            index.add(name, attribute, EXACT)
    for (table_name, column_name), table_values in values.items():
        label = labels.get((table_name, column_name), " ".join(name_words(column_name)))
        for value in (v for v in table_values if len(v.strip()) > 1):  # "a" is grammar, not the code A
            index.add_words(value_words(value), Value(table_name, column_name, value, label), ALIAS)
    edges: dict[str, list[Edge]] = defaultdict(list)
    self_references: list[SelfReference] = []
    dates: dict[str, tuple[str, ...]] = {}
    inferred = inferred_references(schema.tables)  # keys a warehouse does not declare but plainly has
    for info in schema.tables:
        for col in info.columns:
            reference = col.references or inferred.get((info.name, col.name))
            if reference:
                target, _, target_column = reference.partition(".")
                if target != info.name and schema.table(target) is not None:
                    edges[info.name].append(Edge(info.name, col.name, target, target_column))
                elif target == info.name and (found := self_reference(info.name, col.name, target_column)):
                    self_references.append(found)
        dates[info.name] = _business_dates(info)
    dated: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for info in schema.tables:
        for col in info.columns:
            if is_date(col) and not set(name_words(col.name)) & AUDIT_WORDS:
                for word in date_verbs(col.name):
                    dated[word].append((info.name, col.name))
    nullable = frozenset((t.name, c.name) for t in schema.tables for c in t.columns if c.nullable and not c.primary_key)
    return Catalog(dialect, dict(index.phrases), dict(edges), dates, dict(model.tables), latest_reader,
                   longest_phrase=index.longest, nullable=nullable,
                   date_verbs={word: tuple(found) for word, found in dated.items()},
                   columns={info.name: tuple(c.name for c in info.columns) for info in schema.tables},
                   self_references=tuple(self_references),
                   codes={key: found for key, found in values.items() if found and all(len(v) == 1 for v in found)},
                   year_parts={t.name: parts for t in schema.tables if (parts := year_parts(t)) is not None},
                   number_dates=frozenset((t.name, c.name) for t in schema.tables for c in t.columns
                                          if is_number_date(c)))


def _column_labels(schema: SchemaInfo, model: SemanticModel) -> dict[tuple[str, str], str]:
    """A label column is called by its table's name ("country", not "name"); named dimensions by theirs."""
    labels = {}
    for info in schema.tables:
        notes = model.tables.get(info.name, TableNotes())
        for name in notes.label or _label_columns(info):
            labels[(info.name, name)] = display_name(info.name)
    for dimension in model.dimensions:
        labels[(dimension.table, dimension.column)] = dimension.label or dimension.name
    return labels


class _PhraseIndex:
    def __init__(self, summaries: frozenset[str] = frozenset()) -> None:
        self.phrases: dict[tuple[str, ...], list[tuple[Concept, float]]] = defaultdict(list)
        self.longest = 1
        self.summaries = summaries  # tables that only sum up others: named only when nothing else is

    def add(self, text: str, concept: Concept, strength: float) -> None:
        self.add_words(name_words(text), concept, strength)

    def add_words(self, words: tuple[str, ...], concept: Concept, strength: float) -> None:
        """Indexed under its words; a phrase of grammar words only is not, except a one-word value ("US"),
        which a question reaches only in capitals (grammar wins otherwise)."""
        grammar = all(w in FILLER or w in GROUPING for w in words)
        if not words or (grammar and not (isinstance(concept, Value) and len(words) == 1)):
            return
        if all(w.isdigit() for w in words):
            return
        weight = SUMMARY_WEIGHT if concept.table in self.summaries else 1
        self.phrases[words].append((concept, strength * weight))
        self.longest = max(self.longest, len(words))

    def add_with_synonyms(self, words: tuple[str, ...], concept: Concept, strength: float) -> None:
        """A name, and the name with any one word replaced by a synonym: nlq's own list of business words,
        then WordNet's synonyms of the word's most frequent sense ("catalogue", "film" → movie)."""
        self.add_words(words, concept, strength)
        lexicon = english()
        for position, word in enumerate(words):
            for synonym in (*SYNONYMS.get(word, ()), *sorted(lexicon.synonyms(word))):
                self.add_words((*words[:position], *name_words(synonym), *words[position + 1:]), concept, ALIAS)

    def add_events(self, words: tuple[str, ...], entity: Entity) -> None:
        """The verbs a table records ("rental" ← rented, "payment" ← paid): a question's verb names its table."""
        if words:
            for verb in sorted(english().event_verbs(words[-1])):
                self.add_words((verb,), entity, ALIAS)


def _index_table(index: _PhraseIndex, info: TableInfo, notes: TableNotes, labels: dict[tuple[str, str], str],
                 metrics_named: bool) -> None:
    table_words = name_words(info.name)
    labels_of_rows = notes.label or _label_columns(info)
    name_like = any(name_words(c.name)[-1] in LABEL_NAMES for c in info.columns if is_text(c))
    entity = Entity(info.name, display_name(info.name), _key(info), labels_of_rows,
                    unnamed=not labels_of_rows and name_like, link=_links_only(info))
    index.add_with_synonyms(table_words, entity, EXACT)
    index.add_events(table_words, entity)
    if len(table_words) > 1:  # crime_scene_report answers to "report", and to "crime"
        for part in dict.fromkeys(table_words):
            if len(part) > 2 and part not in GENERIC_WORDS and part not in FILLER:
                index.add_words((part,), entity, ALIAS)
    for synonym in notes.synonyms:
        index.add(synonym, entity, EXACT)
    for col in info.columns:
        words = name_words(col.name)
        qualified = words if words[: len(table_words)] == table_words else (*table_words, *words)
        if is_measure(col):
            additive = (earns(col.name, words) or words[-1] in {"quantity", "amount", "cost", "revenue", "sale"}
                        or counts_units(words))
            measure = Measure(" ".join(words), info.name, exp.column(col.name, table=info.name), additive=additive)
            index.add_with_synonyms(words, measure, EXACT)
            index.add_words(qualified, measure, EXACT)
            _add_part_words(index, words, measure)
            money_out = (set(table_words) | set(words)) & COST_WORDS  # an expense's amount is not revenue
            if earns(col.name, words) and not metrics_named and not money_out:
                for word in REVENUE_WORDS:
                    index.add(word, measure, ALIAS)
        elif is_text(col) and not col.primary_key and col.name not in entity.label_columns:
            attribute = Attribute(info.name, col.name, labels.get((info.name, col.name), " ".join(words)))
            index.add_with_synonyms(words, attribute, EXACT)
            index.add_words(qualified, attribute, EXACT)
            _add_part_words(index, words, attribute)
    if len(labels_of_rows) == 1 and len(name_words(labels_of_rows[0])) > 1:  # "by job title": the job
        index.add_words(name_words(labels_of_rows[0]), entity, EXACT)
    if not metrics_named:
        _index_line_revenue(index, info)


def _index_line_revenue(index: _PhraseIndex, info: TableInfo) -> None:
    """A sale's lines often hold a unit price and a quantity but no amount: their product is the line's revenue,
    found under the revenue words; the compiler takes it only where no stated amount can answer."""
    table_words = set(name_words(info.name))
    numbers = [(c, name_words(c.name)) for c in info.columns if is_measure(c)]
    prices = [c for c, words in numbers if "price" in words]
    quantities = [c for c, words in numbers if words[-1] in {"quantity", "qty"}]
    other_money = [c for c, words in numbers if earns(c.name, words) or {"discount", "tax", "amount"} & set(words)]
    if len(prices) != 1 or len(quantities) != 1 or other_money or table_words & COST_WORDS:
        return
    price, quantity = prices[0], quantities[0]
    expression = exp.Mul(this=exp.column(price.name, table=info.name), expression=exp.column(quantity.name,
                                                                                             table=info.name))
    how = (f"{' '.join(name_words(price.name))} × {' '.join(name_words(quantity.name))} "
           f"of each {display_name(info.name)}")
    measure = Measure("revenue", info.name, expression, additive=True, derived=how)
    for word in REVENUE_WORDS:
        index.add(word, measure, ALIAS)


def _links_only(info: TableInfo) -> bool:
    """A table of keys only, two of them or more: a many-to-many link, whose rows mean nothing alone."""
    keys = [c for c in info.columns if c.references or c.primary_key or name_words(c.name)[-1] in {"id", "key"}]
    return len(info.columns) >= 2 and len(keys) == len(info.columns)


def _business_dates(info: TableInfo) -> tuple[str, ...]:
    """The dates a fact happened on: audit stamps (last_update, modified_at) are not; among several, the one
    named after its table (orders.order_date, rental.rental_date) is the table's own."""
    dates = [c.name for c in info.columns if is_date(c) and not set(name_words(c.name)) & AUDIT_WORDS]
    table_words = set(name_words(info.name))
    own = [name for name in dates if table_words & set(name_words(name))]
    return tuple(own) if len(dates) > 1 and len(own) == 1 else tuple(dates)


def _add_part_words(index: _PhraseIndex, words: tuple[str, ...], concept: Concept) -> None:
    """``round_trip_cost`` also answers to "cost", ``country_name`` to "country" — weakly: any clash with
    another column's word, or with a real name, makes the rules hand over rather than pick."""
    if len(words) > 1:
        for word in words:
            if word not in GENERIC_WORDS and not word.isdigit() and len(word) > 2:
                index.add_words((word,), concept, ALIAS)


def _key(info: TableInfo) -> tuple[str, ...]:
    return tuple(c.name for c in info.columns if c.primary_key)


def _label_columns(info: TableInfo) -> tuple[str, ...]:
    """The columns that name a row: ``name``, ``product_name``, first and last name, or ``title``."""
    text = [c for c in info.columns if is_text(c)]
    table_words = name_words(info.name)
    for col in text:  # name, country_name in country, or country in country
        if name_words(col.name) in (("name",), (*table_words[-1:], "name"), table_words[-1:]):
            return (col.name,)
    first = [c.name for c in text if name_words(c.name) in (("first", "name"), ("firstname",))]
    last = [c.name for c in text if name_words(c.name) in (("last", "name"), ("lastname",))]
    if len(first) == 1 and len(last) == 1:
        return (first[0], last[0])
    for col in text:
        if col.name.lower() == "title" or name_words(col.name) == (*table_words[-1:], "title"):
            return (col.name,)
    named = [c.name for c in text if name_words(c.name)[-1] in LABEL_NAMES]
    if not named and len(text) == 1 and name_words(text[0].name)[-1] in {"description", "desc", "label"}:
        named = [text[0].name]  # department(department_id, department_description): a lookup's one text
    return (named[0],) if len(named) == 1 else ()
