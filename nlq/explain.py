"""What a query does, in words, read from its parsed tree: the measure, the rows it keeps, the grouping and the
joins it goes through, the order and the limit.

A manager who cannot read SQL can still check that "revenue" meant "sum of quantity × unit price × (1 −
discount) over order lines, for orders whose status is not 'cancelled', dated in 2024". It is made from
sqlglot's tree of the SQL that ran (never from the model's words about it), so it cannot describe something
other than what ran; what it does not recognise it leaves out rather than guesses.
"""

from __future__ import annotations

import functools
from typing import ClassVar

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from nlq.formats import title

OPERATORS = {exp.Mul: "×", exp.Add: "+", exp.Sub: "−", exp.Div: "÷"}
COMPARISONS = {exp.EQ: "is", exp.NEQ: "is not", exp.GT: "is above", exp.GTE: "is at least", exp.LT: "is below",
               exp.LTE: "is at most"}
AGGREGATES = {exp.Sum: "sum", exp.Avg: "average", exp.Min: "smallest", exp.Max: "largest"}
MAX_PARTS = 6  # conditions or measures named before "and N more"


@functools.lru_cache(maxsize=64)
def main_select(sql: str, dialect: str) -> exp.Select | None:
    """The SELECT that answers, parsed from the SQL that ran (inside nlq's own outer cap, if it added one);
    None when sqlglot cannot read it. Kept for a few answers: the chart's top-N test and the evidence step read
    the same SQL, and nothing changes the tree."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except SqlglotError:
        return None
    select = tree if isinstance(tree, exp.Select) else tree.find(exp.Select)
    while isinstance(select, exp.Select):
        source = select.args.get("from")
        subquery = source.this if isinstance(source, exp.From) else None
        if isinstance(subquery, exp.Subquery) and subquery.alias == "nlq_capped" and isinstance(subquery.this,
                                                                                                 exp.Select):
            select = subquery.this
            continue
        break
    return select if isinstance(select, exp.Select) else None


def aliases(select: exp.Select) -> dict[str, str]:
    """Alias (or name) → table name, for the tables this SELECT reads directly."""
    return {t.alias_or_name: t.name for t in select.find_all(exp.Table)
            if t.find_ancestor(exp.Select) is select and t.name}


def explain(select: exp.Select | None, cap: int | None = None) -> tuple[str, ...]:
    """Short sentences, one per part of the query; empty when the SQL could not be read (it still ran). A LIMIT
    equal to ``cap`` is nlq's own row cap, not part of the question, and goes unsaid."""
    if select is None:
        return ()
    tables = aliases(select)
    lines = [line for line in (_measures(select, tables), _rows(select, tables), _grouping(select, tables),
                               _order(select, cap)) if line]
    return tuple(lines)


def _measures(select: exp.Select, tables: dict[str, str]) -> str:
    described = []
    for expression in select.expressions:
        target = expression.this if isinstance(expression, exp.Alias) else expression
        if not isinstance(target, exp.Expression) or not target.find(exp.AggFunc):
            continue
        name = expression.alias_or_name
        words = _aggregate(target, tables)
        if words:
            described.append(f"{title(name).lower()} = {words}" if name else words)
    if not described:
        return ""
    return "Measures: " + _listed(described) + "."


def _aggregate(node: exp.Expression, tables: dict[str, str]) -> str:
    if isinstance(node, exp.Count):
        inner = node.this
        if isinstance(inner, exp.Star) or inner is None:
            source = next(iter(tables.values()), "")
            return f"number of {title(source).lower() or 'rows'}"
        if isinstance(inner, exp.Distinct):
            return "number of different " + ", ".join(_words(e, tables) for e in inner.expressions)
        return f"number of rows with a {_words(inner, tables)}"
    for kind, word in AGGREGATES.items():
        if isinstance(node, kind):
            return f"{word} of {_words(node.this, tables)}" + _over(node, tables)
    return _words(node, tables)


def _over(node: exp.Expression, tables: dict[str, str]) -> str:
    owners = sorted({tables.get(c.table, c.table) for c in node.find_all(exp.Column) if c.table})
    return f" over {', '.join(title(t).lower() for t in owners)}" if owners else ""


def _words(node: exp.Expression | None, tables: dict[str, str]) -> str:
    """An expression as plain words: columns by name, arithmetic with its signs, literals as written."""
    if node is None:
        return ""
    if isinstance(node, exp.Column):
        return title(node.name).lower()
    if isinstance(node, exp.Paren):
        return f"({_words(node.this, tables)})"
    for kind, sign in OPERATORS.items():
        if isinstance(node, kind):
            return f"{_words(node.this, tables)} {sign} {_words(node.expression, tables)}"
    if isinstance(node, exp.AggFunc):
        return _aggregate(node, tables)
    if isinstance(node, exp.Literal):
        return f"'{node.this}'" if node.is_string else str(node.this)
    if isinstance(node, exp.Cast) or type(node).__name__ in ("TsOrDsToTimestamp", "TsOrDsToDate"):
        return _words(node.this, tables)  # a conversion sqlglot adds around a date is not part of the meaning
    if isinstance(node, exp.Case):
        return "a case-by-case value"
    if isinstance(node, exp.Round):
        return f"{_words(node.this, tables)}, rounded"
    period = _period_of(node)
    if period:
        return f"{period} of {_words(node.this if not isinstance(node, exp.Extract) else node.expression, tables)}"
    return node.sql()


def _period_of(node: exp.Expression) -> str:
    """The calendar unit a date function takes (year of, month of), or "" for any other expression."""
    if isinstance(node, exp.Extract):
        return str(node.this.name if isinstance(node.this, exp.Expression) else node.this).lower()
    if isinstance(node, exp.DateTrunc | exp.TimestampTrunc):
        unit = node.args.get("unit")
        return (unit.name if isinstance(unit, exp.Expression) else str(unit or "")).lower()
    if isinstance(node, exp.TimeToStr):
        fmt = node.args.get("format")
        text = fmt.name if isinstance(fmt, exp.Expression) else ""
        return {"%Y": "year", "%Y-%m": "month", "%Y-%m-%d": "day", "YYYY": "year", "YYYY-MM": "month"}.get(text, "")
    return ""


def _rows(select: exp.Select, tables: dict[str, str]) -> str:
    where = select.args.get("where")
    conditions = _conditions(where.this) if isinstance(where, exp.Where) else []
    having = select.args.get("having")
    kept = [_condition(c, tables) for c in _ranges(conditions)]
    if isinstance(having, exp.Having):
        kept += [f"groups where {_condition(c, tables)}" for c in _conditions(having.this)]
    kept = [k for k in kept if k]
    return ("Rows kept: " + _listed(kept) + ".") if kept else ""


def _conditions(node: exp.Expression) -> list[exp.Expression]:
    if isinstance(node, exp.And):
        return _conditions(node.this) + _conditions(node.expression)
    if isinstance(node, exp.Paren) and isinstance(node.this, exp.And):
        return _conditions(node.this)
    return [node]


def _ranges(conditions: list[exp.Expression]) -> list[exp.Expression]:
    """``d >= '2024-01-01' AND d < '2025-01-01'`` as one range, which reads as a period."""
    merged: list[exp.Expression] = []
    for condition in conditions:
        previous = merged[-1] if merged else None
        if (isinstance(previous, exp.GTE) and isinstance(condition, exp.LT | exp.LTE)
                and previous.this == condition.this):
            # copies: the parsed tree is shared (main_select's cache) and a new parent would re-wire it
            merged[-1] = _Range(this=previous.this.copy(), low=previous.expression.copy(),
                                high=condition.expression.copy(),
                                inclusive=isinstance(condition, exp.LTE))
        else:
            merged.append(condition)
    return merged


class _Range(exp.Expression):
    arg_types: ClassVar[dict[str, bool]] = {"this": True, "low": True, "high": True, "inclusive": False}


def _column(node: exp.Expression | None, tables: dict[str, str]) -> str:
    if isinstance(node, exp.Column) and node.table:
        return f"{title(tables.get(node.table, node.table)).lower()}' {title(node.name).lower()}"
    return _words(node, tables)


def _condition(node: exp.Expression, tables: dict[str, str] | None = None) -> str:
    tables = tables or {}
    if isinstance(node, _Range):
        end = "up to and including" if node.args.get("inclusive") else "up to (not including)"
        return (f"{_column(node.this, tables)} from {_words(node.args['low'], tables)} {end} "
                f"{_words(node.args['high'], tables)}")
    for kind, verb in COMPARISONS.items():
        if isinstance(node, kind):
            return f"{_column(node.this, tables)} {verb} {_words(node.expression, tables)}"
    if isinstance(node, exp.Between):
        return (f"{_words(node.this, {})} from {_words(node.args.get('low'), {})} to "
                f"{_words(node.args.get('high'), {})}")
    if isinstance(node, exp.In):
        values = ", ".join(_words(v, {}) for v in node.expressions[:MAX_PARTS])
        return f"{_words(node.this, {})} is one of {values}" if values else f"{_words(node.this, {})} is in a list"
    if isinstance(node, exp.Like):
        return f"{_words(node.this, {})} matches {_words(node.expression, {})}"
    if isinstance(node, exp.Is):
        return f"{_words(node.this, {})} is empty" if isinstance(node.expression, exp.Null) else ""
    if isinstance(node, exp.Not):
        inner = _condition(node.this, tables)
        return f"not ({inner})" if inner else ""
    if isinstance(node, exp.Or):
        return " or ".join(part for part in (_condition(node.this, tables), _condition(node.expression, tables))
                           if part)
    return node.sql()


def _grouping(select: exp.Select, tables: dict[str, str]) -> str:
    group = select.args.get("group")
    columns = [e for e in group.expressions] if isinstance(group, exp.Group) else []
    parts = []
    for column in columns:
        if isinstance(column, exp.Column):
            owner = tables.get(column.table, column.table)
            parts.append(f"{title(owner).lower()}' {title(column.name).lower()}" if owner else
                         title(column.name).lower())
        elif isinstance(column, exp.Literal):  # GROUP BY 1: the select list's item
            index = int(column.this) - 1
            if 0 <= index < len(select.expressions):
                parts.append(title(select.expressions[index].alias_or_name).lower())
        else:
            same = [e.alias_or_name for e in select.expressions if isinstance(e, exp.Alias) and e.this == column]
            parts.append(title(same[0]).lower() if same else _words(column, tables))
    line = ("Grouped by " + _listed(parts)) if parts else ""
    joined = [table for table in tables.values()]
    if len(joined) > 1:
        path = " → ".join(title(t).lower() for t in joined)
        line = (line + f", joining {path}") if line else f"Joins {path}"
    return (line + ".") if line else ""


def _order(select: exp.Select, cap: int | None) -> str:
    order = select.args.get("order")
    parts = []
    if isinstance(order, exp.Order):
        for item in order.expressions:
            descending = bool(item.args.get("desc")) if isinstance(item, exp.Ordered) else False
            target = item.this if isinstance(item, exp.Ordered) else item
            name = title(target.name if isinstance(target, exp.Column) else target.sql()).lower()
            parts.append(f"{name}, {'highest' if descending else 'lowest'} first")
    limit = select.args.get("limit")
    count = limit.expression if isinstance(limit, exp.Limit) else None
    line = ("Sorted by " + _listed(parts)) if parts else ""
    if isinstance(count, exp.Literal) and count.is_int and int(count.this) != cap:
        line = (line + f"; the first {int(count.this):,} rows") if line else f"The first {int(count.this):,} rows"
    return (line + ".") if line else ""


def _listed(parts: list[str]) -> str:
    shown = parts[:MAX_PARTS]
    more = len(parts) - len(shown)
    text = "; ".join(shown)
    return text + (f"; and {more} more" if more > 0 else "")


def top_n(sql: str, dialect: str, cap: int) -> bool:
    """Whether the query keeps only its first rows by a LIMIT of its own (a top-N), not nlq's row cap."""
    select = main_select(sql, dialect)
    limit = select.args.get("limit") if select is not None else None
    count = limit.expression if isinstance(limit, exp.Limit) else None
    return isinstance(count, exp.Literal) and count.is_int and int(count.this) != cap
