"""Resource bounds for PostgreSQL SQL, decided from the parse tree: how many rows, how long a string.

A query over exposed tables can still ask the server for gigabytes: a series of a billion dates, a string
doubled at every step of a recursion, ``replace`` nested in ``replace``, the aggregate of a padded value
over a cross join. ``statement_timeout`` does not stop all of these (some functions are not interrupted)
and no setting bounds one backend's memory, so each is bounded where it is written: literal sizes,
no amplifier fed by another, recursion with a condition that ends it. The role's ``work_mem`` and
``temp_file_limit`` (``setup-role``) are the backstop.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pglast import ast
from pglast.enums import LimitOption, SetOperation

from nlq.vet.functions import AGGREGATES, SIZE_ARGUMENTS
from nlq.vet.policy import MAX_SERIES_ROWS, check_series_rows, check_size, refuse_resource

INTERVAL_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800,
                    "month": 2_592_000, "mon": 2_592_000, "year": 31_536_000}
# Functions whose result can be many times longer than their input; never fed by one another, never
# inside an aggregate that concatenates, never in a recursive step. Their added text must be a short literal.
AMPLIFIERS = {"replace": 2, "regexp_replace": 2, "overlay": 1}  # name: index of the text put in
MAX_INSERTED_CHARS = 100
GATHERING_AGGREGATES = frozenset({"string_agg", "array_agg", "json_agg", "jsonb_agg", "json_object_agg",
                                  "jsonb_object_agg"})
CONCATENATORS = frozenset({"concat", "concat_ws", "array_cat", "array_append", "array_prepend"})
MAX_RECURSION_BOUND = MAX_SERIES_ROWS  # a recursive step may compare its counter with at most this


def dotted(parts: tuple[Any, ...] | None) -> list[str]:
    """The words of a parsed dotted name (function, type, sampling method). The parser always gives String
    nodes; any other shape yields an empty list, which every caller refuses, so a surprise never widens what runs."""
    words = [part.sval for part in parts or () if isinstance(part, ast.String) and part.sval is not None]
    return words if parts and len(words) == len(parts) else []


def constant(node: object) -> object:
    """The Python value of a literal argument (numbers, strings, and casts of them); None otherwise."""
    if isinstance(node, ast.TypeCast):
        return constant(node.arg)
    if isinstance(node, ast.A_Expr) and dotted(node.name)[-1:] == ["-"] and node.lexpr is None:
        value = constant(node.rexpr)
        return -value if isinstance(value, int | float) else None
    if isinstance(node, ast.A_Const) and not node.isnull:
        value = node.val
        if isinstance(value, ast.Integer):
            return value.ival
        if isinstance(value, ast.Float) and value.fval is not None:
            return float(value.fval)
        if isinstance(value, ast.String):
            return value.sval
    return None


def function_name(node: ast.FuncCall) -> str:
    parts = dotted(node.funcname)
    return parts[-1] if parts else ""


def walk(node: object, into_subqueries: bool = True) -> Any:
    """Every parse node under ``node`` (itself included), depth first; without ``into_subqueries``, a
    subquery in an expression (``(SELECT min(day) …)``) is yielded but not entered."""
    if isinstance(node, tuple | list):
        for item in node:
            yield from walk(item, into_subqueries)
    elif isinstance(node, ast.Node):
        yield node
        if not into_subqueries and isinstance(node, ast.SubLink):
            return
        for attribute in node:
            yield from walk(getattr(node, attribute), into_subqueries)


def amplifies(node: object) -> bool:
    """Whether a size function or an amplifier that can lengthen its input is called anywhere under ``node``."""
    return any(isinstance(n, ast.FuncCall) and _lengthens(n) for n in walk(node))


def _lengthens(call: ast.FuncCall) -> bool:
    """``replace(s, ' Ltd', '')`` and ``regexp_replace(s, '\\s+', '', 'g')`` only shorten or keep their input:
    each match becomes text no longer than a literal, non-empty match of ``replace``, or nothing at all."""
    name = function_name(call)
    if name in SIZE_ARGUMENTS:
        return True
    if name not in AMPLIFIERS:
        return False
    args = call.args or ()
    inserted = constant(args[AMPLIFIERS[name]]) if len(args) > AMPLIFIERS[name] else None
    if name == "replace":
        found = constant(args[1]) if len(args) > 1 else None
        return not (isinstance(found, str) and isinstance(inserted, str) and len(found) > 0
                    and len(inserted) <= len(found))
    return name != "regexp_replace" or inserted != ""


def check_function(node: ast.FuncCall, name: str, sql: str) -> None:
    """Sizes, nesting and inserted text of the functions that make long values (repeat, replace, …) and of
    the aggregates that gather values into one."""
    args = node.args or ()
    if name in SIZE_ARGUMENTS:
        position = SIZE_ARGUMENTS[name]
        check_size(name, constant(args[position]) if len(args) > position else None, sql)
    if (name in SIZE_ARGUMENTS or name in AMPLIFIERS) and amplifies(args):
        raise refuse_resource(f"{name}() may not be applied to the result of repeat(), lpad(), rpad(), "
                              "replace(), regexp_replace() or overlay()", sql)
    if name in AMPLIFIERS:
        position = AMPLIFIERS[name]
        inserted = constant(args[position]) if len(args) > position else None
        if not isinstance(inserted, str) or len(inserted) > MAX_INSERTED_CHARS:
            raise refuse_resource(f"{name}() may only put in a literal text of at most {MAX_INSERTED_CHARS} "
                                  "characters", sql)
    if name in GATHERING_AGGREGATES and (amplifies(args) or amplifies(node.agg_order)):
        raise refuse_resource(f"{name}() may not gather the results of repeat(), lpad(), rpad(), replace(), "
                              "regexp_replace() or overlay()", sql)


def check_series(args: tuple, sql: str, computed_bounds: bool = False) -> None:
    """Literal bounds within MAX_SERIES_ROWS; with ``computed_bounds`` (a calendar in FROM, capped by
    ``capped_series``) only the step must be a literal that moves one way."""
    values = [constant(a) for a in args]
    if len(values) not in (2, 3):
        raise refuse_resource("generate_series needs a start, a stop and a step", sql)
    step = values[2] if len(values) == 3 else 1
    if computed_bounds:
        if step is None or (isinstance(step, int | float) and step <= 0) or (
                isinstance(step, str) and not _interval_seconds(step)):
            raise refuse_resource("generate_series over computed bounds needs a literal step that moves forward, "
                                  "such as 1 or '1 day'", sql)
        return
    if any(v is None for v in values):
        raise refuse_resource("generate_series needs literal bounds so its size is known (in FROM, a calendar "
                              "may compute its bounds: it stops after 10,000 rows)", sql)
    start, stop = values[0], values[1]
    if isinstance(start, int | float) and isinstance(stop, int | float) and isinstance(step, int | float):
        rows = (stop - start) / step + 1 if step else float("inf")
    else:
        seconds = _interval_seconds(str(step))
        try:
            span = (_timestamp(str(stop)) - _timestamp(str(start))).total_seconds()
        except (ValueError, TypeError):
            span = None
        if not seconds or span is None:
            raise refuse_resource("generate_series over dates needs literal dates and a step such as '1 day'", sql)
        rows = span / seconds + 1
    check_series_rows(rows, sql)


def has_computed_bounds(call: ast.FuncCall) -> bool:
    args = call.args or ()
    return len(args) in (2, 3) and any(constant(a) is None for a in args[:2])


def capped_series(node: ast.RangeFunction) -> ast.RangeSubselect:
    """``FROM generate_series(<computed>, <computed>, step) AS d`` as a subquery that stops after
    MAX_SERIES_ROWS: in the select list the series is made row by row, so the LIMIT ends it (in FROM it would be
    made whole first). Same rows and names whenever the series is shorter than the cap."""
    call = (node.functions or ((None,),))[0][0]
    alias = node.alias
    column = (alias.colnames[0].sval if alias is not None and alias.colnames else None) or (
        alias.aliasname if alias is not None else "generate_series")
    inner = ast.SelectStmt(targetList=(ast.ResTarget(name=column, val=call),),
                           limitCount=ast.A_Const(val=ast.Integer(ival=MAX_SERIES_ROWS)),
                           limitOption=LimitOption.LIMIT_OPTION_COUNT, op=SetOperation.SETOP_NONE)
    return ast.RangeSubselect(lateral=node.lateral, subquery=inner,
                              alias=alias or ast.Alias(aliasname="generate_series"))


def check_recursive_cte(cte: ast.CommonTableExpr, sql: str) -> None:
    """A recursive step needs a condition that can end it (a WHERE, or a join ON a table), may not grow a
    value from itself twice (``s || s`` doubles at every step), may not call an amplifier, and may not count
    past MAX_RECURSION_BOUND."""
    query = cte.ctequery
    if not isinstance(query, ast.SelectStmt) or query.op == SetOperation.SETOP_NONE:
        return
    step = query.rarg
    if not isinstance(step, ast.SelectStmt) or not _reads(step, cte.ctename):
        return
    if step.whereClause is None and not any(isinstance(n, ast.JoinExpr) and (n.quals is not None or n.usingClause)
                                            for n in walk(step.fromClause)):
        raise refuse_resource(f'the recursive query "{cte.ctename}" has no condition that ends it (add a WHERE '
                              "such as depth < 10)", sql)
    if amplifies(step):
        raise refuse_resource(f'the recursive query "{cte.ctename}" calls a function that lengthens text at each '
                              "step", sql)
    names = _own_names(cte, step)
    for node in walk(step.targetList):
        if _concatenates(node) and sum(_is_own_column(n, names) for n in walk(node)) > 1:
            raise refuse_resource(f'the recursive query "{cte.ctename}" joins a value to itself, which doubles '
                                  "it at each step", sql)
    for node in walk(step.whereClause):
        if isinstance(node, ast.A_Expr) and any(_is_own_column(n, names) for n in walk(node)):
            for side in (node.lexpr, node.rexpr):
                value = constant(side)
                if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) > MAX_RECURSION_BOUND:
                    raise refuse_resource(f'the recursive query "{cte.ctename}" may go on for more than '
                                          f"{MAX_RECURSION_BOUND:,} steps", sql)


def _reads(step: ast.SelectStmt, name: str | None) -> bool:
    return any(isinstance(n, ast.RangeVar) and n.relname == name and n.schemaname is None for n in walk(step))


def _own_names(cte: ast.CommonTableExpr, step: ast.SelectStmt) -> tuple[set[str], set[str]]:
    """The CTE's column names, and the names the recursive step reads it under (its own name, aliases)."""
    columns = {c.sval for c in cte.aliascolnames or () if isinstance(c, ast.String) and c.sval}
    first = cte.ctequery.larg if isinstance(cte.ctequery, ast.SelectStmt) else None
    while isinstance(first, ast.SelectStmt) and first.op != SetOperation.SETOP_NONE:
        first = first.larg
    for target in (first.targetList or ()) if isinstance(first, ast.SelectStmt) else ():
        if isinstance(target, ast.ResTarget) and target.name:
            columns.add(target.name)
        elif isinstance(target, ast.ResTarget) and isinstance(target.val, ast.ColumnRef):
            last = (target.val.fields or (None,))[-1]
            if isinstance(last, ast.String) and last.sval:
                columns.add(last.sval)
    tables = {cte.ctename or ""}
    tables |= {n.alias.aliasname for n in walk(step.fromClause) if isinstance(n, ast.RangeVar)
               and n.relname == cte.ctename and n.alias is not None and n.alias.aliasname}
    return columns, tables


def _is_own_column(node: object, names: tuple[set[str], set[str]]) -> bool:
    if not isinstance(node, ast.ColumnRef):
        return False
    fields = [f.sval for f in node.fields or () if isinstance(f, ast.String)]
    if not fields:
        return False
    columns, tables = names
    return fields[-1] in columns and (len(fields) == 1 or fields[-2] in tables)


def _concatenates(node: object) -> bool:
    if isinstance(node, ast.A_Expr):
        return dotted(node.name)[-1:] == ["||"]
    return isinstance(node, ast.FuncCall) and function_name(node) in CONCATENATORS


def _timestamp(text: str) -> datetime:
    """An ISO date or time; anything with words ("4713-01-01 BC", "infinity", "epoch") is refused, never read
    as the nearest ISO date."""
    if any(c.isalpha() for c in text.replace("T", " ")):
        raise ValueError(text)
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        return datetime.combine(date.fromisoformat(text.strip()[:10]), datetime.min.time())


def _interval_seconds(text: str) -> float | None:
    words = text.lower().replace("s ", " ").split()
    total, index = 0.0, 0
    if len(words) == 1:
        words = ["1", words[0]]
    while index + 1 < len(words):
        try:
            amount = float(words[index])
        except ValueError:
            return None
        unit = INTERVAL_SECONDS.get(words[index + 1].rstrip("s"))
        if unit is None or amount < 0:  # '1 mon -29 days': parts that pull apart, walked by the calendar
            return None
        total += amount * unit
        index += 2
    return total if total > 0 and index == len(words) else None


def swap_nodes(tree: ast.SelectStmt, replacements: dict[int, ast.Node]) -> ast.SelectStmt:
    """The checked tree with the nodes the checker chose to rewrite (by identity) replaced, in place."""
    if not replacements:
        return tree

    def swapped(value: object) -> object:
        if isinstance(value, tuple | list):
            return type(value)(swapped(item) for item in value)
        if isinstance(value, ast.Node):
            value = replacements.get(id(value), value)
            for attribute in value:
                setattr(value, attribute, swapped(getattr(value, attribute)))
        return value

    result = swapped(tree)
    assert isinstance(result, ast.SelectStmt)
    return result


def capped_series_call(node: ast.RangeSubselect) -> ast.FuncCall | None:
    """The generate_series call of a subquery shaped as ``capped_series`` makes it, else None."""
    query = node.subquery
    if not isinstance(query, ast.SelectStmt) or query.op != SetOperation.SETOP_NONE or len(query.targetList or ()) != 1:
        return None
    others = (query.fromClause, query.whereClause, query.groupClause, query.havingClause, query.withClause,
              query.distinctClause, query.windowClause, query.sortClause, query.limitOffset, query.valuesLists)
    limit = constant(query.limitCount)
    target = (query.targetList or (None,))[0]
    call = target.val if isinstance(target, ast.ResTarget) else None
    if (any(others) or not isinstance(limit, int) or limit > MAX_SERIES_ROWS or not isinstance(call, ast.FuncCall)
            or function_name(call) != "generate_series" or not has_computed_bounds(call)):
        return None
    return call


def cap_select_list_series(stmt: ast.SelectStmt) -> list[ast.FuncCall]:
    """The computed-bound generate_series calls standing alone (or cast) in the select list of a SELECT that
    does not sort, group, aggregate or skip rows, after lowering that SELECT's LIMIT to MAX_SERIES_ROWS: in a
    select list the series is made row by row, so the LIMIT ends it (``WITH days AS (SELECT
    generate_series((SELECT min(day) …), …, '1 day')::date AS day)``). Anything else: no calls, and the series
    is refused as unbounded."""
    calls = []
    for target in stmt.targetList or ():
        value = target.val if isinstance(target, ast.ResTarget) else None
        while isinstance(value, ast.TypeCast):
            value = value.arg
        if isinstance(value, ast.FuncCall) and function_name(value) == "generate_series" and has_computed_bounds(value):
            calls.append(value)
    reads_all_first = (stmt.sortClause, stmt.distinctClause, stmt.groupClause, stmt.havingClause, stmt.windowClause,
                       stmt.limitOffset, stmt.limitOption == LimitOption.LIMIT_OPTION_WITH_TIES)
    if not calls or any(reads_all_first) or any(
            isinstance(n, ast.FuncCall) and (n.over is not None or n.agg_star or function_name(n) in AGGREGATES)
            for n in walk(stmt.targetList, into_subqueries=False)):
        return []
    limit = constant(stmt.limitCount) if stmt.limitCount is not None else MAX_SERIES_ROWS + 1
    if not isinstance(limit, int):
        return []
    if limit > MAX_SERIES_ROWS:
        stmt.limitCount = ast.A_Const(val=ast.Integer(ival=MAX_SERIES_ROWS))
        stmt.limitOption = LimitOption.LIMIT_OPTION_COUNT
    return calls
