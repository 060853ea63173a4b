"""Hidden columns by construction: a table with hidden columns is read as a subquery of its visible ones.

Refusing every way a statement can name a hidden column is not enough on its own: ``*``, ``t.*``, a whole-row
reference (``SELECT t FROM t``), ``row_to_json(t)``, ``NATURAL JOIN`` and a column-alias list all reach
columns without naming them. So besides refusing the names, each reference to such a table is rewritten as
``(SELECT visible, columns FROM t) AS t``: what the rest of the statement can see of the table is only what
the subquery returns. PostgreSQL and SQLite flatten such a subquery, so plans and speed do not change.
"""

from __future__ import annotations

from pglast import ast
from pglast.enums import SetOperation
from sqlglot import exp

from nlq.errors import SqlRefused
from nlq.vet.policy import TableMask, refuse


def refuse_column_aliases(table: str, sql: str) -> SqlRefused:
    return refuse("forbidden_column", f'it renames the columns of "{table}", some of which are hidden', sql,
                  "Name the columns you need in the SELECT list instead (t.column AS new_name).")


def masked_relation(table: ast.RangeVar, mask: TableMask) -> ast.RangeSubselect:
    """``t AS a`` as ``(SELECT visible FROM t) AS a``."""
    source = ast.RangeVar(catalogname=table.catalogname, schemaname=table.schemaname, relname=table.relname,
                          inh=table.inh, relpersistence=table.relpersistence)
    columns = tuple(ast.ResTarget(val=ast.ColumnRef(fields=(ast.String(sval=name),))) for name in mask.visible)
    query = ast.SelectStmt(targetList=columns, fromClause=(source,), op=SetOperation.SETOP_NONE)
    alias = table.alias or ast.Alias(aliasname=table.relname)
    return ast.RangeSubselect(subquery=query, alias=ast.Alias(aliasname=alias.aliasname))


def masked_table(node: exp.Table, mask: TableMask) -> exp.Subquery:
    """The sqlglot form of ``masked_relation``."""
    alias = node.alias or node.name
    inner = node.copy()
    inner.set("alias", None)
    query = exp.select(*(exp.column(name, quoted=True) for name in mask.visible)).from_(inner)
    return query.subquery(exp.to_identifier(alias, quoted=True))


def already_masked(node: ast.RangeSubselect, masks: tuple[TableMask, ...]) -> ast.RangeVar | None:
    """The table inside a subquery shaped as ``masked_relation`` makes it (SQL that ran, vetted again), so it
    is not wrapped twice; None for any other subquery."""
    query = node.subquery
    if not isinstance(query, ast.SelectStmt) or len(query.fromClause or ()) != 1 or query.op != SetOperation.SETOP_NONE:
        return None
    table = (query.fromClause or (None,))[0]
    if not isinstance(table, ast.RangeVar) or table.alias is not None:
        return None
    names = [_plain_column(t) for t in query.targetList or ()]
    others = (query.whereClause, query.groupClause, query.havingClause, query.withClause, query.distinctClause,
              query.windowClause, query.sortClause, query.limitCount, query.limitOffset, query.valuesLists)
    mask = next((m for m in masks if m.table == table.relname), None)
    if mask is None or any(others) or tuple(names) != mask.visible:
        return None
    return table


def _plain_column(target: object) -> str | None:
    """The name of a select-list item that is one bare column without an alias, else None."""
    if not isinstance(target, ast.ResTarget) or target.name is not None or not isinstance(target.val, ast.ColumnRef):
        return None
    fields = target.val.fields or ()
    return fields[0].sval if len(fields) == 1 and isinstance(fields[0], ast.String) else None
