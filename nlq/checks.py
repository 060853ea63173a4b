"""Trust checks on every answer, read from the SQL's tree, the schema and a few facts about the data.

Each is a short warning with its reason, shown under the answer: a measure added up across a join that
repeats it (fan-out), rows a filter or a join drops because a value is empty, a period outside the data's
dates, a capped result, money added up in floating-point columns. They speak only when sure: a join whose
direction the keys do not tell, or a fact that could not be read, gives no warning rather than a guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlglot import exp

from nlq.explain import aliases
from nlq.facts import DataFacts
from nlq.formats import MONEY_WORDS, title, words
from nlq.schema import SchemaInfo, inferred_references
from nlq.trust import TrustCheck

ADDING = (exp.Sum, exp.Avg)
FLOAT_TYPES = ("FLOAT", "REAL", "DOUBLE")


@dataclass(frozen=True)
class Period:
    """A date filter on one column, and the dates that column holds."""

    table: str
    column: str
    low: date | None
    high: date | None  # exclusive
    data: tuple[date, date] | None

    def coverage(self) -> str | None:
        if self.data is None:
            return None
        return f"{title(self.table).lower()}' {title(self.column).lower()} runs from {self.data[0]} to {self.data[1]}"


def check(select: exp.Select | None, schema: SchemaInfo, facts: DataFacts, *, truncated: bool,
          shown: int, total: int | None, period: Period | None) -> tuple[TrustCheck, ...]:
    found: list[TrustCheck] = []
    if select is not None:
        tables = aliases(select)
        found += _fan_out(select, tables, schema)
        found += _empty_values(select, tables, schema, facts)
        found += _float_money(select, tables, schema)
    if period is not None and period.data is not None and _outside(period):
        found.append(TrustCheck("outside_data", f"The question's period is outside the data: {period.coverage()}."))
    elif period is not None and period.data is not None and _partly_outside(period):
        found.append(TrustCheck("outside_data", f"Only part of the question's period has data: {period.coverage()}."))
    if truncated:
        of = f"{total:,}" if total is not None else "more"
        found.append(TrustCheck("capped", f"Only the first {shown:,} of {of} rows are shown; the chart and any "
                                          "total you make from them cover those rows alone."))
    return tuple(found)


def find_period(select: exp.Select | None, facts: DataFacts) -> Period | None:
    """The date range a WHERE asks for on one column (``d >= '2024-01-01' AND d < '2025-01-01'``, BETWEEN,
    or one bound), and what that column holds."""
    if select is None or not isinstance(select.args.get("where"), exp.Where):
        return None
    tables = aliases(select)
    bounds: dict[tuple[str, str], list[date | None]] = {}
    for node in select.args["where"].find_all(exp.GTE, exp.GT, exp.LT, exp.LTE, exp.Between, exp.EQ):
        column = node.this
        if not isinstance(column, exp.Column) or column.table not in tables:
            continue
        key = (tables[column.table], column.name)
        low_high = bounds.setdefault(key, [None, None])
        if isinstance(node, exp.Between):
            low_high[0], low_high[1] = _date(node.args.get("low")), _date(node.args.get("high"))
        elif isinstance(node, exp.GTE | exp.GT):
            low_high[0] = _date(node.expression) or low_high[0]
        elif isinstance(node, exp.LT | exp.LTE):
            low_high[1] = _date(node.expression) or low_high[1]
        elif _date(node.expression) is not None:
            low_high[0] = low_high[1] = _date(node.expression)
    for (table_name, column_name), (low, high) in bounds.items():
        if low is None and high is None:
            continue
        return Period(table_name, column_name, low, high, facts.date_range(table_name, column_name))
    return None


def _date(node: object) -> date | None:
    if isinstance(node, exp.Cast):
        node = node.this
    if isinstance(node, exp.Literal) and node.is_string:
        try:
            return date.fromisoformat(node.this[:10])
        except ValueError:
            return None
    return None


def _outside(period: Period) -> bool:
    assert period.data is not None
    first, last = period.data
    return (period.high is not None and period.high <= first) or (period.low is not None and period.low > last)


def _partly_outside(period: Period) -> bool:
    assert period.data is not None
    first, last = period.data
    return (period.low is not None and period.low < first) or (period.high is not None and period.high > last
                                                                 and period.low is not None and period.low <= last
                                                                 and (period.high - last).days > 1)


def _references(schema: SchemaInfo) -> dict[tuple[str, str], tuple[str, str]]:
    """(table, column) → the (table, column) it refers to: declared keys, and plain ones (``inferred``)."""
    found = {}
    for info in schema.tables:
        for col in info.columns:
            if col.references:
                remote_table, _, remote_column = col.references.partition(".")
                found[(info.name, col.name)] = (remote_table, remote_column)
    for (table_name, column_name), target in inferred_references(schema.tables).items():
        remote_table, _, remote_column = target.partition(".")
        found.setdefault((table_name, column_name), (remote_table, remote_column))
    return found


def _join_edges(select: exp.Select, tables: dict[str, str], schema: SchemaInfo) -> list[tuple[str, str, str]]:
    """(many-side alias, one-side alias, condition) for each join condition the keys orient."""
    references = _references(schema)
    edges = []
    for join in select.args.get("joins") or ():
        on = join.args.get("on")
        for eq in on.find_all(exp.EQ) if isinstance(on, exp.Expression) else ():
            left, right = eq.this, eq.expression
            if not (isinstance(left, exp.Column) and isinstance(right, exp.Column)):
                continue
            if left.table not in tables or right.table not in tables:
                continue
            a, b = (tables[left.table], left.name), (tables[right.table], right.name)
            if references.get(a) == b:
                edges.append((left.table, right.table, eq.sql()))
            elif references.get(b) == a:
                edges.append((right.table, left.table, eq.sql()))
    return edges


def _fan_out(select: exp.Select, tables: dict[str, str], schema: SchemaInfo) -> list[TrustCheck]:
    edges = _join_edges(select, tables, schema)
    found = []
    for aggregate in select.find_all(*ADDING):
        if aggregate.find_ancestor(exp.Select) is not select or aggregate.args.get("distinct"):
            continue
        owners = {c.table for c in aggregate.find_all(exp.Column) if c.table in tables}
        for owner in sorted(owners):
            repeated = _repeats(owner, edges)
            if repeated is not None:
                many, condition = repeated
                measure = aggregate.parent.alias_or_name if isinstance(aggregate.parent, exp.Alias) else "a total"
                found.append(TrustCheck("fan_out", f"{title(measure)} adds up values from "
                                        f"{title(tables[owner]).lower()}, which repeat once for each matching "
                                        f"row of {title(tables[many]).lower()} ({condition}): it may count them "
                                        "several times."))
                break
    return found


def _repeats(start: str, edges: list[tuple[str, str, str]]) -> tuple[str, str] | None:
    """The many-side table that repeats ``start``'s rows, reached over joins; None when none does."""
    reached, frontier = {start}, [start]
    while frontier:
        current = frontier.pop()
        for many, one, condition in edges:
            if one == current and many not in reached:
                return many, condition  # from the one side to the many side: rows multiply
            if many == current and one not in reached:
                reached.add(one)
                frontier.append(one)
    return None


def _empty_values(select: exp.Select, tables: dict[str, str], schema: SchemaInfo, facts: DataFacts
                  ) -> list[TrustCheck]:
    found = []
    where = select.args.get("where")
    negations: Iterable[exp.Expression] = where.find_all(exp.NEQ, exp.Not) if isinstance(where, exp.Where) else ()
    for node in negations:
        column = node.this.this if isinstance(node, exp.Not) and isinstance(node.this, exp.In | exp.Like) else (
            node.this if isinstance(node, exp.NEQ) else None)
        if (isinstance(column, exp.Column) and column.table in tables
                and _nullable(schema, tables[column.table], column.name)
                and facts.has_nulls(tables[column.table], column.name)):
                found.append(TrustCheck("empty_values", f"Rows whose {title(column.name).lower()} is empty are left "
                                        "out too: a condition like “is not …” never keeps empty values."))
    for join in select.args.get("joins") or ():
        if join.side or not isinstance(join.args.get("on"), exp.Expression):
            continue  # LEFT/RIGHT/FULL joins keep their rows
        for eq in join.args["on"].find_all(exp.EQ):
            for column in (eq.this, eq.expression):
                if (isinstance(column, exp.Column) and column.table in tables
                        and _nullable(schema, tables[column.table], column.name)
                        and facts.has_nulls(tables[column.table], column.name)):
                    found.append(TrustCheck("empty_values", f"{title(tables[column.table])} rows with no "
                                            f"{title(column.name).lower()} are left out by the join."))
    return found


def _nullable(schema: SchemaInfo, table_name: str, column_name: str) -> bool:
    info = schema.table(table_name)
    col = info.column(column_name) if info else None
    return bool(col and col.nullable and not col.primary_key)


def _float_money(select: exp.Select, tables: dict[str, str], schema: SchemaInfo) -> list[TrustCheck]:
    found = []
    for aggregate in select.find_all(*ADDING):
        for column in aggregate.find_all(exp.Column):
            info = schema.table(tables.get(column.table, ""))
            col = info.column(column.name) if info else None
            if col and any(t in col.type.upper() for t in FLOAT_TYPES) and set(words(column.name)) & (
                    MONEY_WORDS | {"price", "amount"}):
                found.append(TrustCheck("float_money", f"{title(column.name)} is stored as a floating-point number, "
                                        "so sums of it can be off by fractions of a cent."))
                return found
    return found
