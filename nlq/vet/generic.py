"""Vetting for SQLite and other dialects with sqlglot, by the same rules as the PostgreSQL path.

Exactly one query; nothing that writes, locks, attaches or changes settings anywhere in the tree; tables
from the policy (or a CTE name in scope); functions sqlglot knows as standard ones, or names on the
dialect's allowlist. What runs is rendered from the checked tree, with the row cap edited in.
"""

from __future__ import annotations

import logging

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from nlq.errors import SqlSyntaxError
from nlq.vet.bounds import AMPLIFIERS, MAX_INSERTED_CHARS
from nlq.vet.functions import FORMATTERS, SIZE_ARGUMENTS, allowed_functions
from nlq.vet.masking import masked_table, refuse_column_aliases
from nlq.vet.policy import (
    TableMask,
    VetPolicy,
    VettedQuery,
    check_format,
    check_series_rows,
    check_size,
    refuse,
    refuse_function,
    refuse_nested_size,
    refuse_resource,
)

QUERY_ROOTS = (exp.Select, exp.SetOperation, exp.Values, exp.Subquery)
WRITE_NODES: dict[type[exp.Expression], str] = {
    exp.Insert: "INSERT", exp.Update: "UPDATE", exp.Delete: "DELETE", exp.Merge: "MERGE",
    exp.Create: "CREATE", exp.Drop: "DROP", exp.Alter: "ALTER", exp.TruncateTable: "TRUNCATE",
}
OTHER_FORBIDDEN: dict[type[exp.Expression], tuple[str, str]] = {
    exp.Command: ("not_a_query", "it is a command, not a query"),
    exp.Transaction: ("not_a_query", "it controls transactions"),
    exp.Commit: ("not_a_query", "it controls transactions"),
    exp.Rollback: ("not_a_query", "it controls transactions"),
    exp.Set: ("not_a_query", "it changes settings"),
    exp.Copy: ("not_a_query", "it copies data in or out"),
    exp.Pragma: ("not_a_query", "it is a PRAGMA"),
    exp.Into: ("into", "SELECT ... INTO creates a table"),
    exp.Lock: ("lock", "it locks rows (FOR UPDATE/SHARE)"),
    exp.Grant: ("not_a_query", "it changes privileges"),
    exp.Analyze: ("not_a_query", "it is ANALYZE"),
    exp.Use: ("not_a_query", "it switches database"),
    exp.Describe: ("not_a_query", "it is DESCRIBE"),
    exp.Placeholder: ("not_a_query", "it has a parameter placeholder nlq cannot fill"),
}
# Standard sqlglot function classes that reach outside the data (files, system state).
FORBIDDEN_FUNCTION_CLASSES = tuple(getattr(exp, name) for name in (
    "ReadCSV", "ReadParquet", "CurrentUser", "CurrentSchema", "CurrentCatalog", "SessionUser", "Uuid",
) if hasattr(exp, name))

GATHERING = tuple(getattr(exp, name) for name in ("GroupConcat", "ArrayAgg", "JSONArrayAgg") if hasattr(exp, name))
WITH_KEY = "with_" if "with_" in exp.Select.arg_types else "with"  # renamed in sqlglot 28
logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its Command fallback warning; refused anyway


def vet_generic(sql: str, policy: VetPolicy) -> VettedQuery:
    tree = _parse_one(sql, policy.dialect)
    if not isinstance(tree, QUERY_ROOTS):
        raise _refuse_node(tree, sql, root=True)
    checker = _Checker(policy, sql)
    checker.visit(tree, frozenset())
    policy.check_columns(checker.tables, checker.names, sql)
    for node, mask in checker.masked:
        replaced = masked_table(node, mask)
        if node is tree:
            tree = replaced
        else:
            node.replace(replaced)
    original = tree.copy()
    tree, limited = _cap_rows(tree, policy.max_rows)
    dialect = policy.dialect

    def count_sql() -> str:  # wrapped by hand: a bare VALUES root has no .subquery()
        rows = exp.Subquery(this=original.copy(), alias=exp.TableAlias(this=exp.to_identifier("nlq_rows")))
        return exp.select(exp.Count(this=exp.Star())).from_(rows).sql(dialect=dialect)

    return VettedQuery(sql=tree.sql(dialect=dialect, pretty=True), dialect=dialect, limited=limited,
                       tables=frozenset(checker.tables), _count_sql=count_sql)


def _parse_one(sql: str, dialect: str) -> exp.Expr:
    try:
        statements = [s for s in sqlglot.parse(sql, dialect=dialect) if s is not None]
    except ParseError as error:
        first = error.errors[0] if error.errors else {}
        where = f" at line {first.get('line')}, column {first.get('col')}" if first.get("line") else ""
        description = (first.get("description") or str(error).splitlines()[0]).split(" <Token")[0]
        if first.get("highlight"):
            description += f" near '{first['highlight']}'"
        raise SqlSyntaxError(f"The SQL could not be parsed{where}: {description}.",
                             "Rephrase the question, or fix the SQL by hand.", sql=sql) from None
    except TokenError as error:
        raise SqlSyntaxError(f"The SQL could not be read: {error}.", "Rephrase the question.", sql=sql) from None
    if not statements:
        raise SqlSyntaxError("The SQL is empty.", "Rephrase the question.", sql=sql)
    if len(statements) > 1:
        raise refuse("multiple_statements", f"it holds {len(statements)} statements and nlq runs exactly one "
                     "query", sql)
    return statements[0]


def _refuse_node(node: exp.Expr, sql: str, root: bool = False) -> Exception:
    for node_type, label in WRITE_NODES.items():
        if isinstance(node, node_type):
            return refuse("write", f"it would change data or the schema ({label})", sql)
    for node_type, (rule, reason) in OTHER_FORBIDDEN.items():
        if isinstance(node, node_type):
            return refuse(rule, reason, sql)
    return refuse("not_a_query", f"it is a {node.key.upper()} statement, not a query" if root else
                  f"it uses {node.key.upper()}, which nlq does not run", sql)


class _Checker:
    def __init__(self, policy: VetPolicy, sql: str) -> None:
        self.policy = policy
        self.sql = sql
        self.functions = allowed_functions(policy.dialect)
        self.tables: set[str] = set()
        self.names: set[str] = set()  # every column name the statement writes (hidden ones are refused)
        self.masked: list[tuple[exp.Table, TableMask]] = []  # tables read as a subquery of their visible columns

    def visit(self, node: exp.Expression, scope: frozenset[str]) -> None:
        if isinstance(node, tuple(WRITE_NODES) + tuple(OTHER_FORBIDDEN)):
            raise _refuse_node(node, self.sql)
        with_clause = node.args.get(WITH_KEY) if isinstance(node, exp.Query) else None
        if isinstance(with_clause, exp.With):
            names = [cte.alias_or_name for cte in with_clause.expressions]
            for index, cte in enumerate(with_clause.expressions):
                visible = scope | set(names if with_clause.args.get("recursive") else names[:index])
                self.visit(cte.this, frozenset(visible))
            scope = scope | set(names)
        if isinstance(node, exp.Column):
            self.names.update(part.name for part in node.parts)
        if isinstance(node, exp.Join):
            self.names.update(item.name for item in node.args.get("using") or ())
        if isinstance(node, exp.Table):
            self._table(node, scope)
        elif isinstance(node, exp.Func):
            self._function(node)
        for key, child in node.args.items():
            if key == WITH_KEY:
                continue
            for item in child if isinstance(child, list) else [child]:
                if isinstance(item, exp.Expression):
                    self.visit(item, scope)

    def _table(self, node: exp.Table, scope: frozenset[str]) -> None:
        if isinstance(node.this, exp.Func):  # a table-valued function: checked as a function
            return
        name, schema = node.name, node.text("db") or None
        if not schema and not node.text("catalog") and name in scope:
            return
        if node.text("catalog") or name.lower().startswith(("sqlite_", "pg_")) or not self.policy.allows_table(
                schema, name):
            qualified = ".".join(p for p in (node.text("catalog"), schema, name) if p)
            raise self.policy.refuse_table(qualified, name, self.sql)
        self.tables.add(name)
        mask = self.policy.mask(name)
        if mask is not None:
            alias = node.args.get("alias")
            if isinstance(alias, exp.TableAlias) and alias.columns:
                raise refuse_column_aliases(name, self.sql)
            self.masked.append((node, mask))

    def _function(self, node: exp.Func) -> None:
        if isinstance(node, FORBIDDEN_FUNCTION_CLASSES):
            raise refuse_function(node.sql_name().lower(), self.sql)
        name = node.name.lower() if isinstance(node, exp.Anonymous) else node.sql_name().lower()
        if name in FORMATTERS:
            template = node.this if isinstance(node, exp.Format) else (node.expressions or [None])[0]
            check_format(name, template.this if isinstance(template, exp.Literal) and template.is_string else None,
                         self.sql)
        if _is_size_function(node) and any(
                _is_size_function(inner) for child in node.iter_expressions() for inner in child.walk()
                if isinstance(inner, exp.Func)):
            raise refuse_nested_size(name, self.sql)
        _check_amplifier(node, self.sql)
        if isinstance(node, exp.Anonymous):
            name = node.name.lower()
            if name not in self.functions:
                raise refuse_function(node.name, self.sql)
            if name in SIZE_ARGUMENTS:
                _check_size(name, node.expressions, SIZE_ARGUMENTS[name], self.sql)
            if name == "generate_series":
                _check_series(node.expressions, self.sql)
        elif isinstance(node, exp.Repeat | exp.Pad):
            _check_size(node.sql_name().lower(), [node.this, node.args.get("times") or
                                                  node.args.get("expression")], 1, self.sql)
        elif isinstance(node, exp.GenerateSeries):
            _check_series([node.args.get("start"), node.args.get("end"), node.args.get("step")], self.sql)


def _is_size_function(node: exp.Func) -> bool:
    """Functions that make long values: repeat/pad with a size, and replace (each match becomes its
    replacement, so replace nested in replace multiplies)."""
    return isinstance(node, exp.Repeat | exp.Pad | exp.Replace) or (
        isinstance(node, exp.Anonymous) and node.name.lower() in SIZE_ARGUMENTS | AMPLIFIERS.keys())


def _check_amplifier(node: exp.Func, sql: str) -> None:
    if isinstance(node, exp.Replace):
        inserted = node.args.get("replacement")
        if not (isinstance(inserted, exp.Literal) and inserted.is_string and len(inserted.this) <= MAX_INSERTED_CHARS):
            raise refuse_resource(f"replace() may only put in a literal text of at most {MAX_INSERTED_CHARS} "
                                  "characters", sql)
    if isinstance(node, GATHERING) and any(
            _is_size_function(inner) for child in node.iter_expressions() for inner in child.walk()
            if isinstance(inner, exp.Func)):
        raise refuse_resource("an aggregate that gathers values may not gather the results of repeat(), "
                              "padding or replace()", sql)


def _literal(node: object) -> float | None:
    if isinstance(node, exp.Neg):
        value = _literal(node.this)
        return -value if value is not None else None
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            return float(node.this)
        except ValueError:
            return None
    return None


def _check_size(name: str, args: list, position: int, sql: str) -> None:
    check_size(name, _literal(args[position]) if len(args) > position else None, sql)


def _check_series(args: list, sql: str) -> None:
    present = [a for a in args if a is not None]
    values = [v for v in map(_literal, present) if v is not None]
    if len(values) < 2 or len(values) < len(present):
        raise refuse_resource("generate_series needs literal numeric bounds so its size is known", sql)
    step = values[2] if len(values) > 2 else 1.0
    rows = (values[1] - values[0]) / step + 1 if step else float("inf")
    check_series_rows(rows, sql)


def _cap_rows(tree: exp.Expression, max_rows: int | None) -> tuple[exp.Expression, bool]:
    """The tree with the LIMIT added or lowered to the cap, and whether nlq capped it."""
    if max_rows is None or not isinstance(tree, exp.Select | exp.SetOperation):
        return tree, False
    current = tree.args.get("limit")
    if current is not None:
        value = _literal(current.args.get("expression"))
        if value is None:  # LIMIT (SELECT ...): keep its meaning, cap from outside
            return exp.select("*").from_(tree.subquery("nlq_capped")).limit(max_rows), True
        if value <= max_rows:
            return tree, False
    tree.set("limit", exp.Limit(expression=exp.Literal.number(max_rows)))
    return tree, True
