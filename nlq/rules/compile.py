"""From what a question asks (an ``Intent``) to SQL, built as a sqlglot tree for the database's dialect.

Each named thing may still have several candidates ("country" is a column of customer and of employee);
the one reached from the measured table by the shortest foreign-key path wins, and a tie hands the
question over rather than guess. Joins go from the many side to the one side only, so sums are never
inflated. The SQL text comes from sqlglot's generator, never from formatting strings, and it goes
through the same vetting as a model's SQL afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlglot import exp
from sqlglot.tokens import Tokenizer

from nlq.errors import HandedOver
from nlq.rules.catalog import Attribute, Catalog, Concept, Edge, Entity, Measure, Value, column_key
from nlq.rules.forks import alias as alias_of
from nlq.rules.forks import decide, named, only, reading_label, value_of
from nlq.rules.grains import date_literal, grain_expression
from nlq.rules.intent import RulesQuery
from nlq.rules.parse import Grain, Intent, Rank, hand_over
from nlq.rules.timeframes import Period, resolve
from nlq.rules.words import name_words, plural

SAFE_NAME = {"postgres": re.compile(r"[a-z_][a-z0-9_]*"), "sqlite": re.compile(r"[A-Za-z_][A-Za-z0-9_]*")}
AGGREGATES = {"sum": exp.Sum, "avg": exp.Avg, "min": exp.Min, "max": exp.Max}
AGGREGATE_WORDS = {"sum": "total", "avg": "average", "min": "lowest", "max": "highest", "count": "number of"}
GRAIN_DIALECTS = ("postgres", "sqlite")


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
    taken: list[str] = []  # the readings chosen at forks, said in the answer's account
    kinds = (Measure, Entity, Attribute) if intent.aggregation == "count_distinct" else (Measure, Entity)
    bases = [c for c in intent.measure if isinstance(c, kinds)]
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


class _Builder:
    """One reading of the question: a base table, the joins it needs, and the clauses it becomes."""

    def __init__(self, catalog: Catalog, base: Measure | Entity | Attribute, chosen: frozenset[str],
                 taken: list[str]) -> None:
        self.catalog = catalog
        self.chosen = chosen
        self.taken = taken
        self.base = base
        self.table = base.table
        self.dialect = catalog.dialect
        self.joins: dict[str, Edge] = {}
        self.cost = 0
        self.dated_by: tuple[tuple[str, str], ...] = ()
        self.present: list[tuple[exp.Column, str]] = []  # columns a ranking leaves out when empty, and their label

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
                shown, grouped = self._dimension(concept)
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
        if intent.dimensions or intent.rank:
            raise hand_over("it asks for a list together with a grouping or ranking")
        self.dated_by = intent.dated_by
        if isinstance(entity, Attribute):  # one column's values: "the capital of Texas", "Singh's phone number"
            column = self._column(entity.table, entity.column)
            query = exp.select(exp.alias_(column, alias_of(entity.label))).distinct().from_(self._name(entity.table))
            query = self._where(query, intent, None).order_by(column.copy())
            return RulesQuery(self._sql(query), " · ".join([entity.label, *self.conditions, *self.taken]))
        assert isinstance(entity, Entity)
        if entity.link:  # "who wrote X" read as the rows of writes(author, paper): ids, not an answer
            raise hand_over(f"{entity.table} only links other tables; the rules do not follow such links")
        if intent.when:  # the rows' names and the date asked about
            date = self._column(*self._time_column())
            shown = [self._column(entity.table, c) for c in entity.label_columns or entity.key]
            query = exp.select(*shown, date).from_(self._name(entity.table))
            query = self._where(query, intent, None).order_by(date.copy())
            return RulesQuery(self._sql(query), " · ".join([f"{' '.join(name_words(date.name))} of {entity.label}",
                                                           *self.conditions, *self.taken]))
        query = exp.select(exp.Column(this=exp.Star(), table=self._name(entity.table))).from_(self._name(entity.table))
        query = self._where(query, intent, None)
        order = [self._column(entity.table, c) for c in entity.label_columns or entity.key]
        if order:
            query = query.order_by(*order)
        return RulesQuery(self._sql(query), " · ".join([f"list of {plural(entity.label)}", *self.conditions,
                                                       *self.taken]))

    # -- the measure ---------------------------------------------------------------------------------

    def _measure(self, intent: Intent) -> tuple[exp.Expr, str]:
        base, aggregation = self.base, intent.aggregation
        if isinstance(base, Attribute):
            distinct = exp.Count(this=exp.Distinct(expressions=[self._column(base.table, base.column)]))
            return distinct, f"number of different {plural(base.label)}"
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

    # -- dimensions, filters, joins ------------------------------------------------------------------

    def _nearest(self, candidates: Sequence[Concept], what: str) -> Concept:
        """The candidate reached by the shortest unambiguous path from the base table."""
        reachable = []
        for concept in candidates:
            path = self.catalog.path(self.table, concept.table)
            if path is not None:
                reachable.append((len(path), concept, path))
        if not reachable:
            raise hand_over(f"it cannot reach {what} ({named(candidates)}) from {self.table}")
        shortest = min(distance for distance, _, _ in reachable)
        nearest = [(concept, path) for distance, concept, path in reachable if distance == shortest]
        # A named dimension and the table it names are the same column: the dimension has the better label.
        nearest.sort(key=lambda pair: not isinstance(pair[0], Attribute))
        if len({column_key(c) for c, _ in nearest}) > 1:
            columns = {column_key(c): (c, path) for c, path in reversed(nearest)}
            options = [(value_of(c), reading_label(c.table, c.label), (c, path))
                       for c, path in columns.values()]
            nearest = [decide(f"Which “{nearest[0][0].label}” do you mean", options, self.chosen,
                              hand_over(f"{named(candidates)} could mean more than one column"), self.taken)]
        concept, path = nearest[0]
        self._join(path)
        self.cost += shortest
        return concept

    def _one_column(self, values: list[Value], intent: Intent) -> list[Value]:
        """A value found in several columns ("AC/DC": composer or artist) is only taken when the question
        also groups by one of those columns; otherwise the rules do not guess."""
        reachable = [v for v in values if self.catalog.path(self.table, v.table) is not None]
        columns = {column_key(v) for v in reachable}
        if len(columns) <= 1:
            return reachable or values
        grouped = {column_key(c) for d in intent.dimensions if isinstance(d, list) for c in d}
        chosen = [v for v in reachable if column_key(v) in grouped]
        if len({column_key(v) for v in chosen}) == 1:
            return chosen
        value = reachable[0]
        by_column = {column_key(v): [w for w in reachable if column_key(w) == column_key(v)] for v in reachable}
        options = [(value_of(found[0]), reading_label(found[0].table, found[0].label), found)
                   for found in by_column.values()]
        return decide(f"“{value.value}” is found in more than one place: which do you mean", options, self.chosen,
                      hand_over(f"“{value.value}” is found in {named(reachable)}"), self.taken)

    def _join(self, path: list[Edge]) -> None:
        for edge in path:
            known = self.joins.get(edge.target)
            if known is not None and known != edge:
                raise hand_over(f"it would need {edge.target} twice, in two different roles")
            if edge.target == self.table:
                raise hand_over(f"it would need {edge.target} twice, in two different roles")
            self.joins[edge.target] = edge

    def _dimension(self, concept: Concept) -> tuple[list[exp.Expr], list[exp.Expr]]:
        if isinstance(concept, Attribute):
            column = self._column(concept.table, concept.column)
            return [exp.alias_(column, alias_of(concept.label))], [column]
        assert isinstance(concept, Entity)
        if (not concept.key and not concept.label_columns) or concept.unnamed:
            raise hand_over(f"it is not clear which column of {concept.table} names each row")
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

    def _where(self, query: exp.Select, intent: Intent, time_column: tuple[str, str] | None) -> exp.Select:
        self.conditions: list[str] = []
        conditions: list[exp.Expr] = []
        for column, label in self.present:
            if (column.table, column.name) not in self.catalog.nullable:
                continue
            conditions.append(exp.Not(this=exp.Is(this=column, expression=exp.Null())))
            self.conditions.append(f"rows without {'an' if label[:1] in 'aeiou' else 'a'} {label} left out")
        by_column: dict[tuple[str, str], list[str]] = {}
        for candidates in intent.filters:
            value = self._nearest(self._one_column(candidates, intent), "a value")
            assert isinstance(value, Value)
            by_column.setdefault((value.table, value.column), []).append(value.value)
        for (table_name, column_name), values in by_column.items():
            column = self._column(table_name, column_name)
            literals = [exp.Literal.string(v) for v in dict.fromkeys(values)]
            conditions.append(exp.EQ(this=column, expression=literals[0]) if len(literals) == 1
                              else exp.In(this=column, expressions=literals))
            label = next(c.label for cs in intent.filters for c in cs
                         if isinstance(c, Value) and (c.table, c.column) == (table_name, column_name))
            self.conditions.append(f"{label} is {' or '.join(values)}")
        if isinstance(self.base, Measure) and self.base.filter is not None:
            for node in self.base.filter.find_all(exp.Column):
                self._join(self._path_to(node.table))
            conditions.append(self._requalify(self.base.filter))
        if intent.period is not None:
            time_column = time_column or self._time_column()
            period = self._period(intent, time_column)
            conditions.extend(self._period_conditions(period, time_column))
            self.conditions.append(period.label)
        for target, edge in self._joins_in_order():
            query = query.join(self._name(target), on=exp.EQ(this=self._column(edge.table, edge.column),
                                                             expression=self._column(target, edge.target_column)))
        return query.where(exp.and_(*conditions)) if conditions else query

    def _joins_in_order(self) -> list[tuple[str, Edge]]:
        """Joins listed so that each one's left side is already in the FROM clause."""
        done, ordered, pending = {self.table}, [], dict(self.joins)
        while pending:
            ready = [(t, e) for t, e in pending.items() if e.table in done]
            if not ready:
                raise hand_over("its joins do not connect")
            for target, edge in ready:
                ordered.append((target, edge))
                done.add(target)
                pending.pop(target)
        return ordered

    def _path_to(self, table_name: str) -> list[Edge]:
        path = self.catalog.path(self.table, table_name)
        if path is None:
            raise hand_over(f"it cannot reach {table_name} from {self.table}")
        return path

    def _requalify(self, expression: exp.Expr) -> exp.Expr:
        """A semantic model's expression with its columns quoted for this dialect and their tables joined."""
        def rebuild(node: exp.Expr) -> exp.Expr:
            if isinstance(node, exp.Column) and node.table:
                self._join(self._path_to(node.table))
                return self._column(node.table, node.name)
            return node
        return expression.copy().transform(rebuild)

    # -- time ------------------------------------------------------------------------------------------

    def _time_column(self) -> tuple[str, str]:
        if self.dated_by:
            return self._named_date()
        explicit = self.base.time if isinstance(self.base, Measure) else None
        found = self.catalog.time_column(self.table, explicit)
        if found is None:
            dates = self.catalog.nearest_dates(self.table)
            options = [(f"{t}.{c}", reading_label(t, " ".join(name_words(c))), (t, c))
                       for t, c in dates]
            found = decide("Which date do you mean", options, self.chosen,
                           hand_over(f"it cannot tell which date of {self.table} the question means"), self.taken)
        self._join(self._path_to(found[0]))
        return found

    def _named_date(self) -> tuple[str, str]:
        """The date a verb named ("hired" → hire_date), the nearest one reached from the base table."""
        reachable = [(len(path), found, path) for found in self.dated_by
                     if (path := self.catalog.path(self.table, found[0])) is not None]
        if not reachable:
            raise hand_over(f"it names a date ({', '.join(f'{t}.{c}' for t, c in self.dated_by)}) "
                            f"that cannot be reached from {self.table}")
        shortest = min(distance for distance, _, _ in reachable)
        nearest = [(found, path) for distance, found, path in reachable if distance == shortest]
        if len(nearest) > 1:
            options = [(f"{t}.{c}", reading_label(t, " ".join(name_words(c))), ((t, c), path))
                       for (t, c), path in nearest]
            nearest = [decide("Which date do you mean", options, self.chosen,
                              hand_over(f"it could mean {' or '.join(f'{t}.{c}' for (t, c), _ in nearest)}"),
                              self.taken)]
        found, path = nearest[0]
        self._join(path)
        return found

    def _period(self, intent: Intent, time_column: tuple[str, str]) -> Period:
        assert intent.period is not None
        latest = self.catalog.latest(*time_column) if intent.period.needs_latest else None
        period = resolve(intent.period, latest)
        if period is None:
            raise hand_over(f"{time_column[0]}.{time_column[1]} has no dates to count back from")
        return period

    def _period_conditions(self, period: Period, time_column: tuple[str, str]) -> list[exp.Expr]:
        column = self._column(*time_column)
        bounds: list[exp.Expr] = []
        if period.start:
            bounds.append(exp.GTE(this=column, expression=date_literal(period.start)))
        if period.end:
            bounds.append(exp.LT(this=column.copy(), expression=date_literal(period.end)))
        return bounds

    def _grain(self, unit: str, time_column: tuple[str, str]) -> exp.Expr:
        if self.dialect not in GRAIN_DIALECTS:
            raise hand_over(f"the rules group by {unit} only on PostgreSQL and SQLite")
        column = self._column(*time_column)
        return grain_expression(self.dialect, unit, column)

    # -- ordering and text -----------------------------------------------------------------------------

    def _order(self, query: exp.Select, intent: Intent, alias: str, grains: list[Grain],
               select: list[exp.Expr]) -> exp.Select:
        rank: Rank | None = intent.rank
        measure = exp.column(alias)
        if rank is not None:
            query = query.order_by(exp.Ordered(this=measure, desc=rank.descending))
            word = "top" if rank.descending else "bottom"
            self.conditions.append(f"{word} {rank.limit}" if rank.limit else
                                   "highest first" if rank.descending else "lowest first")
            return query.limit(rank.limit) if rank.limit else query
        if grains:
            return query.order_by(*[exp.column(g.unit) for g in grains])
        if len(select) > 1:
            return query.order_by(exp.Ordered(this=measure, desc=True))
        return query

    def _column(self, table_name: str, column_name: str) -> exp.Column:
        return exp.Column(this=self._name(column_name), table=self._name(table_name))

    def _name(self, name: str) -> exp.Identifier:
        safe = SAFE_NAME.get(self.dialect, SAFE_NAME["postgres"]).fullmatch(name)
        return exp.to_identifier(name, quoted=not safe or name.upper() in Tokenizer.KEYWORDS)

    def _sql(self, query: exp.Expr) -> str:
        return query.sql(dialect=self.dialect)
