"""From what a question asks (an ``Intent``) to SQL, built as a sqlglot tree for the database's dialect.

Each named thing may still have several candidates ("country" is a column of customer and of employee);
the one reached from the measured table by the shortest foreign-key path wins, and a tie hands the
question over rather than guess. Joins go from the many side to the one side only, so sums are never
inflated. The SQL text comes from sqlglot's generator, never from formatting strings, and it goes
through the same vetting as a model's SQL afterwards.
"""

from __future__ import annotations

from sqlglot import exp

from nlq.errors import HandedOver
from nlq.rules.builder import QueryParts
from nlq.rules.catalog import Catalog
from nlq.rules.concepts import Attribute, Concept, Entity, Measure
from nlq.rules.forks import alias as alias_of
from nlq.rules.forks import decide, only, reading_label, value_of
from nlq.rules.intent import RulesQuery, Sort
from nlq.rules.ordering import sort_column
from nlq.rules.parse import Grain, Intent, Rank, hand_over
from nlq.rules.shards import year_shards
from nlq.rules.words import name_words, plural

AGGREGATES = {"sum": exp.Sum, "avg": exp.Avg, "min": exp.Min, "max": exp.Max}
AGGREGATE_WORDS = {"sum": "total", "avg": "average", "min": "lowest", "max": "highest", "count": "number of"}


def compile_intent(intent: Intent, catalog: Catalog, chosen: frozenset[str] = frozenset()) -> RulesQuery:
    """The SQL of one reading; ``chosen`` settles forks the user (or the owner's ``prefer``) already decided.
    An undecided fork of two or three readings raises ``Ambiguous``."""
    if intent.listing:
        attributes = {(c.table, c.column): c for c in intent.listing if isinstance(c, Attribute)}
        if attributes and not any(isinstance(c, Entity) for c in intent.listing):  # "the capital of Texas"
            said: list[str] = []
            columns = [(value_of(a), reading_label(a.table, a.label), a) for a in attributes.values()]
            attribute = columns[0][2] if len(columns) == 1 else decide(
                f"Which “{columns[0][2].label}” do you mean", columns, chosen,
                hand_over("it is not clear what to list"), said)
            return _Builder(catalog, attribute, chosen, said).listing(intent)
        return _Builder(catalog, only(intent.listing, Entity, "what to list"), chosen, []).listing(intent)
    kinds = (Measure, Entity, Attribute) if intent.aggregation == "count_distinct" else (Measure, Entity)
    bases = [c for c in intent.measure if isinstance(c, kinds)]
    stated = [b for b in bases if not (isinstance(b, Measure) and b.derived)]
    if stated and len(stated) < len(bases):  # an invoice's total first; its lines' price × quantity only if need be
        try:
            return _aggregate(intent, catalog, chosen, stated)
        except HandedOver:
            bases = [b for b in bases if b not in stated]
    return _aggregate(intent, catalog, chosen, bases)


def _aggregate(intent: Intent, catalog: Catalog, chosen: frozenset[str],
               bases: list[Measure | Entity | Attribute]) -> RulesQuery:
    taken: list[str] = []  # the readings chosen at forks, said in the answer's account
    bases = year_shards(bases, intent.period)
    if len(bases) > 1:  # "quantity" sold or returned, "unit price" of the catalog or of the sale
        readings = [(value_of(b), reading_label(b.table, b.label), b) for b in bases]
        bases = [decide(f"Which “{bases[0].label}” do you mean", readings, chosen, hand_over(
            f"“{bases[0].label}” could be measured in {', '.join(sorted({b.table for b in bases}))}"), taken)]
    options = []
    for base in bases:
        try:
            options.append(_Builder(catalog, base, chosen, taken).aggregate(intent))
        except HandedOver as problem:
            last_problem = problem
    if not options:
        raise last_problem if bases else hand_over("it does not name anything to measure")
    best = min(cost for cost, _ in options)
    cheapest = [query for cost, query in options if cost == best]
    if len(cheapest) > 1:
        raise hand_over("what it measures could be read in more than one way")
    return cheapest[0]


class _Builder(QueryParts):
    """The SELECT of one reading: its measure or listing, groups and order."""

    def aggregate(self, intent: Intent) -> tuple[int, RulesQuery]:
        self.dated_by = intent.dated_by
        measure_expression, measure_label = self._measure(intent)
        select, group, words = [], [], []
        time_column = None
        for dimension in intent.dimensions:
            if isinstance(dimension, Grain):
                time_column = time_column or self._time_column()
                expression = self._grain(dimension.unit, time_column)
                select.append(exp.alias_(expression, dimension.unit))
                group.append(expression)
                words.append(dimension.unit)
            else:
                concept = self._nearest(dimension, "a way to group")
                shown, grouped = self._dimension(concept, adds=not isinstance(measure_expression, (exp.Max, exp.Min)))
                select.extend(shown)
                group.extend(grouped)
                words.append(concept.label)
                if intent.rank is not None:  # a missing name never leads a ranking ("top composers")
                    self.present.extend(self._labels_of(concept))
        alias = alias_of(measure_label)
        select.append(exp.alias_(measure_expression, alias))
        query = exp.select(*select).from_(self._name(self.table))
        query = self._where(query, intent, time_column)
        if group:
            query = query.group_by(*group)
        query = self._order(query, intent, alias, [d for d in intent.dimensions if isinstance(d, Grain)], select)
        understood = [measure_label] + ([f"by {' and '.join(words)}"] if words else [])
        return self.cost, RulesQuery(self._sql(query), " · ".join(understood + self.conditions + self.taken))

    def listing(self, intent: Intent) -> RulesQuery:
        entity = self.base
        ranked_by_date = intent.rank is not None and intent.order is not None and intent.order.by_date
        if intent.dimensions or (intent.rank and not ranked_by_date):
            raise hand_over("it asks for a list together with a grouping or ranking")
        if intent.dated_by and entity.table not in {table for table, _ in intent.dated_by}:
            # "Who joined the company in 2003": the hire date is the employees', not the companies' listed
            raise hand_over(f"its verb dates {intent.dated_by[0][0]}, not the {entity.label} it lists")
        self.dated_by = intent.dated_by
        if isinstance(entity, Attribute):  # one column's values: "the capital of Texas", "Singh's phone number"
            if intent.order or intent.thresholds:
                raise hand_over(f"it orders or compares while listing the values of {entity.label}")
            self._start_from_the_named_row(intent, entity)
            column = self._column(entity.table, entity.column)
            query = exp.select(exp.alias_(column, alias_of(entity.label))).distinct().from_(self._name(self.table))
            query = self._where(query, intent, None).order_by(column.copy())
            return RulesQuery(self._sql(query), " · ".join([entity.label, *self.conditions, *self.taken]))
        assert isinstance(entity, Entity)
        if entity.link:  # "who wrote X" read as the rows of writes(author, paper): ids, not an answer
            raise hand_over(f"{entity.table} only links other tables; the rules do not follow such links")
        if intent.when or ranked_by_date:  # the rows' names and the date asked about, or ranked by
            return self._dated_listing(entity, intent)
        self._start_from_the_named_row(intent, entity)  # "which region is Canada in"
        query = exp.select(exp.Column(this=exp.Star(), table=self._name(entity.table))).from_(self._name(self.table))
        if self.table != entity.table:
            query = query.distinct()
        query = self._where(query, intent, None)
        order, said = self._sort(entity, intent.order)
        if order:
            query = query.order_by(*order)
        return RulesQuery(self._sql(query), " · ".join([f"list of {plural(entity.label)}", *self.conditions,
                                                       *said, *self.taken]))

    def _start_from_the_named_row(self, intent: Intent, attribute: Attribute | Entity) -> None:
        """"Which city is the Human Resources department in": the department's row leads to its city, when the
        city's table cannot reach the department."""
        if all(any(self.catalog.path(self.table, v.table) is not None for v in values) for values in intent.filters):
            return
        homes = {v.table for values in intent.filters for v in values
                 if self.catalog.path(v.table, attribute.table) is not None}
        if len(homes) == 1:
            self.table = homes.pop()
            self._join(self._path_to(attribute.table))

    def _dated_listing(self, entity: Entity, intent: Intent) -> RulesQuery:
        date = self._column(*self._time_column())
        shown = [self._column(entity.table, c) for c in entity.label_columns or entity.key]
        query = self._where(exp.select(*shown, date).from_(self._name(entity.table)), intent, None)
        date_words = " ".join(name_words(date.name))
        if intent.when:
            return RulesQuery(self._sql(query.order_by(date.copy())), " · ".join(
                [f"{date_words} of {entity.label}", *self.conditions, *self.taken]))
        assert intent.rank is not None and intent.rank.limit is not None  # a date superlative says how many
        latest, limit = intent.rank.descending, intent.rank.limit
        query = query.where(exp.Not(this=exp.Is(this=date.copy(), expression=exp.Null())))
        query = query.order_by(exp.Ordered(this=date.copy(), desc=latest)).limit(limit)
        rows = entity.label if limit == 1 else f"{limit} {plural(entity.label)}"
        return RulesQuery(self._sql(query), " · ".join([f"{rows} with the {'latest' if latest else 'earliest'} "
                                                       f"{date_words}", *self.conditions, *self.taken]))

    def _sort(self, entity: Entity, sort: Sort | None) -> tuple[list[exp.Expr], list[str]]:
        """The ORDER BY of a list, and how it is said: by the rows' names unless the question asks otherwise."""
        labels = [self._column(entity.table, c) for c in entity.label_columns or entity.key]
        if sort is None or (sort.by_label and not sort.key):
            said = [f"sorted by name{', descending' if sort and sort.descending else ''}"] if sort else []
            return [_ordered(c, bool(sort and sort.descending)) for c in labels], said
        if sort.key:
            column = self._column(entity.table, sort_column(self.catalog, entity, sort))
        elif sort.by_date:
            column = self._column(*self._time_column())
        else:
            raise hand_over("it asks for an order without saying by what")
        direction = ", descending" if sort.descending else ""
        return [_ordered(column, sort.descending)], [f"sorted by {' '.join(name_words(column.name))}"
                                                                  f"{direction}"]

    def _measure(self, intent: Intent) -> tuple[exp.Expr, str]:
        base, aggregation = self.base, intent.aggregation
        if isinstance(base, Attribute):
            distinct = exp.Count(this=exp.Distinct(expressions=[self._column(base.table, base.column)]))
            return distinct, f"number of different {plural(base.label)}"
        if isinstance(base, Entity) and aggregation in {"earliest", "latest"}:  # "when was the first invoice"
            date = self._column(*self._time_column())
            extreme = exp.Max(this=date) if aggregation == "latest" else exp.Min(this=date)
            return extreme, f"{aggregation} {' '.join(name_words(date.name))}"
        if isinstance(base, Entity):
            return exp.Count(this=exp.Star()), f"number of {plural(base.label)}"
        if base.aggregated:
            if aggregation not in (None, "sum"):
                raise hand_over(f"“{base.label}” is already a total; it cannot take another aggregation")
            return self._requalify(base.expression), base.label
        per_row = aggregation is None
        if aggregation is None:
            aggregation = self._default_aggregation(intent)
        if aggregation == "count":
            raise hand_over(f"it asks to count “{base.label}”, which is a number to add up")
        if base.derived:
            self.taken.append(f"{base.label} as {base.derived}")
        expression = AGGREGATES[aggregation](this=self._requalify(base.expression))
        word = AGGREGATE_WORDS[aggregation]
        if per_row and aggregation == "max" and intent.rank and not intent.rank.descending:
            return expression, f"lowest {base.label}"  # one value per row, ranked from the bottom
        return expression, base.label if base.label.startswith(word) else f"{word} {base.label}"

    def _default_aggregation(self, intent: Intent) -> str:
        base = self.base
        assert isinstance(base, Measure)
        if base.additive:
            return "sum"
        subject = intent.dimensions[0] if intent.rank and intent.dimensions else None
        if isinstance(subject, list) and any(isinstance(c, Entity) and c.table == base.table for c in subject):
            return "max"  # ranking rows of the measure's own table: one value per row
        raise hand_over(f"it does not say whether to add up, average or take the extremes of “{base.label}”")

    def _dimension(self, concept: Concept, adds: bool = True) -> tuple[list[exp.Expr], list[exp.Expr]]:
        if isinstance(concept, Attribute):
            column = self._column(concept.table, concept.column)
            return [exp.alias_(column, alias_of(concept.label))], [column]
        assert isinstance(concept, Entity)
        if (not concept.key and not concept.label_columns) or concept.unnamed:
            raise hand_over(f"it is not clear which column of {concept.table} names each row")
        if adds and not concept.key and concept.table == self.table:  # held-out: promotions sharing a name added up
            raise hand_over(f"{concept.table} has no key, so its rows that share a name cannot be told apart")
        keys: list[exp.Expr] = [self._column(concept.table, c) for c in concept.key]
        labels: list[exp.Expr] = [self._column(concept.table, c) for c in concept.label_columns]
        shown = [exp.alias_(labels[0], alias_of(concept.label))] if len(labels) == 1 else labels or keys
        return shown, keys + labels

    def _labels_of(self, concept: Concept) -> list[tuple[exp.Column, str]]:
        if isinstance(concept, Attribute):
            return [(self._column(concept.table, concept.column), concept.label)]
        if isinstance(concept, Entity):
            return [(self._column(concept.table, c), concept.label) for c in concept.label_columns[:1]]
        return []

    def _order(self, query: exp.Select, intent: Intent, alias: str, grains: list[Grain],
               select: list[exp.Expr]) -> exp.Select:
        rank: Rank | None = intent.rank
        measure = exp.column(alias)
        sort = intent.order
        if sort is not None and (sort.key or (sort.by_date and not grains)
                                 or (rank and sort.descending != rank.descending)
                                 or (not rank and not grains and len(select) < 2)):
            raise hand_over("it asks for an order the rules cannot give this answer")
        if rank is not None:
            query = query.order_by(exp.Ordered(this=measure, desc=rank.descending))
            word = "top" if rank.descending else "bottom"
            self.conditions.append(f"{word} {rank.limit}" if rank.limit else
                                   "highest first" if rank.descending else "lowest first")
            return query.limit(rank.limit) if rank.limit else query
        descending = sort.descending if sort is not None else None
        if grains and (sort is None or sort.by_date):
            return query.order_by(*[_ordered(exp.column(g.unit), bool(descending)) for g in grains])
        if sort is not None and sort.by_label:
            named = [e.alias_or_name for e in select[:-1]]
            self.conditions.append(f"sorted by name{', descending' if descending else ''}")
            return query.order_by(*[_ordered(exp.column(n), bool(descending)) for n in named])
        if len(select) > 1:
            if sort is not None:
                self.conditions.append("highest first" if descending else "lowest first")
            return query.order_by(exp.Ordered(this=measure, desc=descending is not False))
        return query


def _ordered(column: exp.Expr, descending: bool) -> exp.Expr:
    """A column as ORDER BY takes it, empty values where the database itself puts them."""
    return exp.Ordered(this=column, desc=True) if descending else column
