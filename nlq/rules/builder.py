"""What every reading of a question needs, whatever it asks: the base table, the joins that reach each named
thing (many-to-one only, so sums are never inflated), the WHERE clause from values and periods, and names
quoted for the dialect. ``compile`` builds the SELECT itself on top of this.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlglot import exp
from sqlglot.tokens import Tokenizer

from nlq.lexicon import english
from nlq.rules.catalog import Catalog
from nlq.rules.concepts import Attribute, Concept, Edge, Entity, Measure, Value, column_key
from nlq.rules.forks import decide, named, reading_label, value_of
from nlq.rules.grains import date_literal, grain_expression, number_date_literal
from nlq.rules.hierarchy import related_rows
from nlq.rules.intent import Intent, Relation, hand_over
from nlq.rules.thresholds import condition as compared
from nlq.rules.thresholds import label as threshold_label
from nlq.rules.timeframes import Period, resolve
from nlq.rules.words import display_name, name_words

SAFE_NAME = {"postgres": re.compile(r"[a-z_][a-z0-9_]*"), "sqlite": re.compile(r"[A-Za-z_][A-Za-z0-9_]*")}
GRAIN_DIALECTS = ("postgres", "sqlite")


class QueryParts:
    """One reading of the question: a base table, the joins it needs, and the conditions on its rows."""

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

    def _nearest(self, candidates: Sequence[Concept], what: str) -> Concept:
        """The candidate reached by the shortest unambiguous path from the base table."""
        reachable: list[tuple[int, Concept, list[Edge] | None]] = []
        for concept in candidates:
            path = self.catalog.path(self.table, concept.table)
            ways = [] if path is not None else self.catalog.paths(self.table, concept.table)
            if path is not None or ways:  # with two or three ways, which one is asked once it is the nearest
                reachable.append((len(path) if path is not None else len(ways[0]), concept, path))
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
        concept, found = nearest[0]
        self._join(found if found is not None else self._one_of_the_ways(concept))
        self.cost += shortest
        return concept

    def _one_of_the_ways(self, concept: Concept) -> list[Edge]:
        """Two or three equally short ways to a table: the one chosen, or ``Ambiguous`` to ask which."""
        ways = self.catalog.paths(self.table, concept.table)
        complete = [way for way in ways if not any((e.table, e.column) in self.catalog.nullable for e in way)]
        if len(complete) == 1 and not {f"{way[0].table}.{way[0].column}" for way in ways} & self.chosen:
            # every order line has its order, only some a shipment: the way every row has, and said so
            self.taken.append(f"{reading_label(concept.table, concept.label)} · through "
                              f"{display_name(complete[0][0].target)}")
            return complete[0]
        options = [(f"{way[0].table}.{way[0].column}",
                    f"{reading_label(concept.table, concept.label)} · through {display_name(way[0].target)}", way)
                   for way in ways]
        return decide(f"Which way to {display_name(concept.table)} do you mean", options, self.chosen,
                      hand_over(f"{concept.table} can be reached from {self.table} in more than one way"),
                      self.taken)

    def _one_column(self, values: list[Value], intent: Intent) -> list[Value]:
        """A value found in several columns ("AC/DC": composer or artist) is only taken when the question
        also groups by one of those columns; otherwise the rules do not guess."""
        reachable = [v for v in values if self.catalog.path(self.table, v.table) is not None]
        for value in reachable:
            self._in_its_own_kind(value)
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

    def _in_its_own_kind(self, value: Value) -> None:
        """"California" found in a city column of a table that also keeps states: a state, by its most frequent
        sense, so the city of that name is not the rules' guess."""
        kind = english().kind_of(value.value.lower())
        if kind is None or kind in {*name_words(value.column), *name_words(value.table)}:
            return  # California in a state column, Brazil in countries.name
        if any(kind in words and "id" not in words for other in self.catalog.columns.get(value.table, ())
               if (words := name_words(other))):
            raise hand_over(f"“{value.value}” is a {kind}, but was found in {value.table}.{value.column}")

    def _join(self, path: list[Edge]) -> None:
        for edge in path:
            known = self.joins.get(edge.target)
            if known is not None and known != edge:
                raise hand_over(f"it would need {edge.target} twice, in two different roles")
            if edge.target == self.table:
                raise hand_over(f"it would need {edge.target} twice, in two different roles")
            self.joins[edge.target] = edge

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
        if intent.relation is not None:
            conditions.append(self._related(intent.relation))
        for threshold in intent.thresholds:
            measure = self._nearest(threshold.candidates, "a number to compare")
            assert isinstance(measure, Measure)  # thresholds compare numeric columns only
            conditions.append(compared(self._requalify(measure.expression), threshold))
            self.conditions.append(threshold_label(measure.label, threshold))
        if isinstance(self.base, Measure) and self.base.filter is not None:
            for node in self.base.filter.find_all(exp.Column):
                self._join(self._path_to(node.table))
            conditions.append(self._requalify(self.base.filter))
        if intent.period is not None and time_column is None and (parts := self._year_parts()):
            conditions.extend(self._by_parts(intent, parts))
        elif intent.period is not None:
            time_column = time_column or self._time_column()
            period = self._period(intent, time_column)
            conditions.extend(self._period_conditions(period, time_column))
            self.conditions.append(period.label)
        for target, edge in self._joins_in_order():
            query = query.join(self._name(target), on=exp.EQ(this=self._column(edge.table, edge.column),
                                                             expression=self._column(target, edge.target_column)))
        return query.where(exp.and_(*conditions)) if conditions else query

    def _related(self, relation: Relation) -> exp.Expr:
        """The rows below (or above) the person the values pick out, through the table's own key."""
        picked: list[exp.Expr] = []
        for values in relation.person:
            if len({v.column for v in values}) != 1:
                raise hand_over(f"“{values[0].value}” is found in more than one column of {self.table}")
            literals = [exp.Literal.string(v.value) for v in dict.fromkeys(values)]
            column = self._column(self.table, values[0].column)
            picked.append(exp.EQ(this=column, expression=literals[0]) if len(literals) == 1
                          else exp.In(this=column, expressions=literals))
        person = " ".join(values[0].value for values in relation.person)
        self.conditions.append(f"reports to {person}" if relation.below else f"the one {person} reports to")
        return related_rows(relation, self._name(self.table), self._column(self.table, relation.column),
                            self._column(self.table, relation.target), exp.and_(*picked))

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

    def _year_parts(self) -> tuple[str, str | None, str | None] | None:
        """The base table's year (quarter, month) columns, when it has no date of its own or of a table it
        reaches, and no verb named one."""
        explicit = self.base.time if isinstance(self.base, Measure) else None
        if self.dated_by or self.table not in self.catalog.year_parts or self.catalog.time_column(
                self.table, explicit) is not None or self.catalog.nearest_dates(self.table):
            return None
        return self.catalog.year_parts[self.table]

    def _by_parts(self, intent: Intent, parts: tuple[str, str | None, str | None]) -> list[exp.Expr]:
        """``year = 2024 AND quarter = 4``: a whole year, quarter or month, or whole years from one to another."""
        assert intent.period is not None
        period = resolve(intent.period, None)
        if period is None or period.start is None or period.end is None:
            raise hand_over(f"{self.table} is kept by year, so a period must be a year, quarter or month")
        year_column, quarter_column, month_column = parts
        start, end = period.start, period.end
        months = (end.year - start.year) * 12 + end.month - start.month
        year = self._column(self.table, year_column)
        number = exp.Literal.number
        self.conditions.append(period.label)
        if start.day == end.day == 1 and start.month == end.month == 1:
            return [exp.GTE(this=year, expression=number(start.year)),
                    exp.LT(this=year.copy(), expression=number(end.year))]
        part = {3: (quarter_column, (start.month - 1) // 3 + 1), 1: (month_column, start.month)}.get(months)
        if start.day != 1 or end.day != 1 or part is None or part[0] is None or (start.month - 1) % months:
            raise hand_over(f"{self.table} is kept by {' and '.join(p for p in parts if p)}, not by that period")
        return [exp.EQ(this=year, expression=number(start.year)),
                exp.EQ(this=self._column(self.table, part[0]), expression=number(part[1]))]

    def _period_conditions(self, period: Period, time_column: tuple[str, str]) -> list[exp.Expr]:
        column = self._column(*time_column)
        literal = number_date_literal if self._number_date(time_column) else date_literal
        bounds: list[exp.Expr] = []
        if period.start:
            bounds.append(exp.GTE(this=column, expression=literal(period.start)))
        if period.end:
            bounds.append(exp.LT(this=column.copy(), expression=literal(period.end)))
        return bounds

    def _number_date(self, time_column: tuple[str, str]) -> bool:
        """Days kept as numbers (20180115) compare as numbers, once the latest value proves to be such a day."""
        if time_column not in self.catalog.number_dates:
            return False
        if self.catalog.latest(*time_column) is None:
            raise hand_over(f"{time_column[0]}.{time_column[1]} holds numbers that are not days like 20180115")
        return True

    def _grain(self, unit: str, time_column: tuple[str, str]) -> exp.Expr:
        if self.dialect not in GRAIN_DIALECTS:
            raise hand_over(f"the rules group by {unit} only on PostgreSQL and SQLite")
        if self._number_date(time_column):
            raise hand_over(f"the rules do not group days kept as numbers ({time_column[1]}) by {unit}")
        column = self._column(*time_column)
        return grain_expression(self.dialect, unit, column)

    def _column(self, table_name: str, column_name: str) -> exp.Column:
        return exp.Column(this=self._name(column_name), table=self._name(table_name))

    def _name(self, name: str) -> exp.Identifier:
        safe = SAFE_NAME.get(self.dialect, SAFE_NAME["postgres"]).fullmatch(name)
        return exp.to_identifier(name, quoted=not safe or name.upper() in Tokenizer.KEYWORDS)

    def _sql(self, query: exp.Expr) -> str:
        return query.sql(dialect=self.dialect)
