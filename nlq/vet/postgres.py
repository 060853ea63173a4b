"""Vetting for PostgreSQL with PostgreSQL's own parser (pglast wraps libpg_query).

Three allowlists decide: node types (anything the walker does not know is refused), functions (after the
parser has decoded quoting, ``U&`` escapes and the ``pg_catalog.`` prefix) and tables (exposed tables, or a
CTE name where it is in scope). The row cap is applied by editing the tree, and the SQL that runs is
deparsed from that tree.
"""

from __future__ import annotations

import copy
from enum import Enum

from pglast import ast, parse_sql
from pglast.enums import LimitOption, SetOperation, SQLValueFunctionOp
from pglast.parser import ParseError
from pglast.stream import IndentedStream, RawStream

from nlq.errors import SqlSyntaxError
from nlq.vet.bounds import (
    cap_select_list_series,
    capped_series,
    capped_series_call,
    check_function,
    check_recursive_cte,
    check_series,
    constant,
    dotted,
    function_name,
    has_computed_bounds,
    swap_nodes,
)
from nlq.vet.functions import FORMATTERS, POSTGRES
from nlq.vet.masking import already_masked, masked_relation, refuse_column_aliases
from nlq.vet.policy import VetPolicy, VettedQuery, check_format, refuse, refuse_function
from nlq.vet.types import check_column_ref, check_type_name

MAX_DEPTH = 120  # nodes nested in one another; ordinary analyst SQL stays well under 40
SAFE_NODES = frozenset({
    "A_ArrayExpr", "A_Const", "A_Expr", "A_Indices", "A_Indirection", "A_Star", "Alias", "BitString",
    "BoolExpr", "Boolean", "BooleanTest", "CaseExpr", "CaseWhen", "CoalesceExpr", "CollateClause",
    "ColumnDef", "ColumnRef", "CommonTableExpr", "CTECycleClause", "CTESearchClause", "Float", "FuncCall",
    "GroupingFunc", "GroupingSet", "Integer", "JoinExpr", "MinMaxExpr", "NamedArgExpr", "NullTest", "RangeFunction",
    "RangeSubselect", "RangeTableSample", "RangeVar", "ResTarget", "RowExpr", "SelectStmt", "SortBy",
    "SQLValueFunction", "String", "SubLink", "TypeCast", "TypeName", "WindowDef", "WithClause",
    "JsonAggConstructor", "JsonArgument", "JsonArrayAgg", "JsonArrayConstructor", "JsonArrayQueryConstructor",
    "JsonBehavior", "JsonFormat", "JsonFuncExpr", "JsonIsPredicate", "JsonKeyValue", "JsonObjectAgg",
    "JsonObjectConstructor", "JsonOutput", "JsonParseExpr", "JsonReturning", "JsonScalarExpr",
    "JsonSerializeExpr", "JsonTable", "JsonTableColumn", "JsonTablePathSpec", "JsonValueExpr",
})
WRITES = {"InsertStmt": "INSERT", "UpdateStmt": "UPDATE", "DeleteStmt": "DELETE", "MergeStmt": "MERGE"}
SAFE_VALUE_FUNCTIONS = {SQLValueFunctionOp.SVFOP_CURRENT_DATE, SQLValueFunctionOp.SVFOP_CURRENT_TIME,
                        SQLValueFunctionOp.SVFOP_CURRENT_TIME_N, SQLValueFunctionOp.SVFOP_CURRENT_TIMESTAMP,
                        SQLValueFunctionOp.SVFOP_CURRENT_TIMESTAMP_N, SQLValueFunctionOp.SVFOP_LOCALTIME,
                        SQLValueFunctionOp.SVFOP_LOCALTIME_N, SQLValueFunctionOp.SVFOP_LOCALTIMESTAMP,
                        SQLValueFunctionOp.SVFOP_LOCALTIMESTAMP_N}
SAMPLE_METHODS = {"system", "bernoulli"}


class _SameUnderEitherSetting:
    """Literals with a backslash are written as escape strings (``E'a\\b'``), which PostgreSQL reads the same
    whatever ``standard_conforming_strings`` says; the SQL that runs cannot mean something else on a server set
    the old way, even outside nlq's own transactions (the setting is also pinned in each of those)."""

    def write_quoted_string(self, s: str) -> None:
        if "\\" not in s:
            super().write_quoted_string(s)  # type: ignore[misc]
            return
        escaped = s.replace("\\", "\\\\").replace("'", "''")
        self.write("E'" + escaped + "'")  # type: ignore[attr-defined]


class _Indented(_SameUnderEitherSetting, IndentedStream):
    pass


class _Raw(_SameUnderEitherSetting, RawStream):
    pass


def vet_postgres(sql: str, policy: VetPolicy) -> VettedQuery:
    try:
        return _vet(sql, policy)
    except RecursionError:  # deeper than the depth check counts (a parse tree Python cannot copy or print)
        raise too_deep(sql) from None


def too_deep(sql: str) -> Exception:
    return refuse("too_complex", f"it nests expressions or queries more than {MAX_DEPTH} levels deep, more than "
                  "nlq checks", sql, "Write the query more simply (fewer nested conditions or UNIONs).")


def _vet(sql: str, policy: VetPolicy) -> VettedQuery:
    stmt = _parse_one(sql)
    checker = _Checker(policy, sql)
    checker.visit(stmt, frozenset())
    policy.check_columns(checker.tables, checker.names, sql)
    stmt = swap_nodes(stmt, checker.replacements)
    original = copy.deepcopy(stmt)
    limited = _cap_rows(stmt, policy.max_rows)
    if limited is None:  # the LIMIT is not a plain number: cap the whole query from outside
        stmt = _wrap_with_limit(stmt, policy.max_rows)
        limited = True
    return VettedQuery(
        sql=_Indented()(stmt), dialect="postgres", limited=limited, tables=frozenset(checker.tables),
        _count_sql=lambda: _Raw()(_count_of(original)),
        _explain_sql=lambda: _Raw()(ast.ExplainStmt(query=stmt, options=(
            ast.DefElem(defname="format", arg=ast.String(sval="json")),
            ast.DefElem(defname="verbose")))),
    )


def _parse_one(sql: str) -> ast.SelectStmt:
    try:
        statements = parse_sql(sql)
    except ParseError as error:
        location = getattr(error, "location", None)  # not part of ParseError's declared interface
        where = f" at character {location + 1}" if location is not None else ""
        message = str(error).split(", at index")[0]
        raise SqlSyntaxError(f"The SQL could not be parsed{where}: {message}.",
                             "Rephrase the question, or fix the SQL by hand.", sql=sql) from None
    if not statements:
        raise SqlSyntaxError("The SQL is empty.", "Rephrase the question.", sql=sql)
    if len(statements) > 1:
        raise refuse("multiple_statements", f"it holds {len(statements)} statements and nlq runs exactly one "
                     "query", sql)
    stmt = statements[0].stmt
    if not isinstance(stmt, ast.SelectStmt):
        name = type(stmt).__name__
        if name in WRITES:
            raise refuse("write", f"it would change data ({WRITES[name]})", sql)
        label = name.removesuffix("Stmt").upper()
        raise refuse("not_a_query", f"it is a {label} statement, not a query", sql)
    return stmt


class _Checker:
    def __init__(self, policy: VetPolicy, sql: str) -> None:
        self.policy = policy
        self.sql = sql
        self.tables: set[str] = set()
        self.depth = 0
        self.masked: set[int] = set()  # tables already read through their visible columns only
        self.names: set[str] = set()  # every column name the statement writes (hidden ones are refused)
        self.calendars: set[int] = set()  # generate_series calls in FROM with computed bounds (capped)
        self.replacements: dict[int, ast.Node] = {}  # nodes to swap after checking: id -> what runs instead

    def visit(self, node: object, scope: frozenset[str]) -> None:
        if node is None or isinstance(node, (str, int, float, bool, Enum)):
            return
        if isinstance(node, tuple | list):
            for item in node:
                self.visit(item, scope)
            return
        name = type(node).__name__
        if name not in SAFE_NODES or not isinstance(node, ast.Node):
            raise self._unsafe_node(name)
        if self.depth >= MAX_DEPTH:  # a hundred NOT(…) or chained UNION ALLs: refused, never a crash
            raise too_deep(self.sql)
        self.depth += 1
        handler = getattr(self, f"_visit_{name}", None)
        if handler is not None:
            handler(node, scope)
        else:
            self.children(node, scope)
        self.depth -= 1

    def children(self, node: ast.Node, scope: frozenset[str], skip: tuple[str, ...] = ()) -> None:
        for attribute in node:
            if attribute not in skip:
                self.visit(getattr(node, attribute), scope)

    def _unsafe_node(self, name: str) -> Exception:
        if name in WRITES:
            return refuse("write", f"it would change data ({WRITES[name]}), inside a WITH clause", self.sql)
        reasons = {"IntoClause": ("into", "SELECT ... INTO creates a table"),
                   "LockingClause": ("lock", "it locks rows (FOR UPDATE/SHARE)"),
                   "ParamRef": ("not_a_query", "it has a parameter placeholder ($1) nlq cannot fill"),
                   "XmlExpr": ("forbidden_function", "it uses XML functions"),
                   "XmlSerialize": ("forbidden_function", "it uses XML functions"),
                   "RangeTableFunc": ("forbidden_function", "it uses XMLTABLE")}
        rule, reason = reasons.get(name, ("not_a_query", f"it uses {name}, which nlq does not run"))
        return refuse(rule, reason, self.sql)

    def _visit_SelectStmt(self, node: ast.SelectStmt, scope: frozenset[str]) -> None:
        if node.intoClause is not None:
            raise self._unsafe_node("IntoClause")
        if node.lockingClause:
            raise self._unsafe_node("LockingClause")
        self.calendars.update(id(call) for call in cap_select_list_series(node))
        inner = scope
        if node.withClause is not None:
            ctes = node.withClause.ctes or ()
            names = [cte.ctename for cte in ctes]
            for cte in ctes:
                if type(cte.ctequery).__name__ in WRITES:
                    raise self._unsafe_node(type(cte.ctequery).__name__)
            for index, cte in enumerate(ctes):
                visible = scope | set(names if node.withClause.recursive else names[:index])
                self.children(cte, frozenset(visible))
                if node.withClause.recursive:
                    check_recursive_cte(cte, self.sql)
            inner = scope | set(names)
        self.children(node, frozenset(inner), skip=("withClause",))

    def _visit_RangeVar(self, node: ast.RangeVar, scope: frozenset[str]) -> None:
        relname = node.relname
        if node.catalogname is None and node.schemaname is None and relname in scope:
            return
        qualified = ".".join(p for p in (node.catalogname, node.schemaname, relname) if p)
        if relname is None:  # the parser always names the table; a tree without one is refused, never read
            raise self._unsafe_node("RangeVar")
        if node.catalogname is not None or not self.policy.allows_table(node.schemaname, relname):
            raise self.policy.refuse_table(qualified, relname, self.sql)
        mask = self.policy.mask(relname)
        if mask is not None and id(node) not in self.masked:
            if node.alias is not None and node.alias.colnames:
                raise refuse_column_aliases(relname, self.sql)
            self.replacements.setdefault(id(node), masked_relation(node, mask))
        if relname.startswith("pg_") and node.schemaname is None:
            # pg_catalog is searched first: an exposed table named pg_… is only read under its own schema
            if len(self.policy.schemas) != 1:
                raise self.policy.refuse_table(qualified, relname, self.sql)
            node.schemaname = next(iter(self.policy.schemas))
        self.tables.add(relname)

    def _visit_FuncCall(self, node: ast.FuncCall, scope: frozenset[str]) -> None:
        parts = dotted(node.funcname)
        name = parts[-1] if parts else ""
        if len(parts) > 2 or (len(parts) == 2 and parts[0] != "pg_catalog") or name not in POSTGRES:
            raise refuse_function(".".join(parts) or "an unnamed function", self.sql)
        if name == "generate_series":
            check_series(node.args or (), self.sql, computed_bounds=id(node) in self.calendars)
        check_function(node, name, self.sql)
        if name in FORMATTERS and node.args:
            check_format(name, constant(node.args[0]), self.sql)
        self.children(node, scope, skip=("funcname",))

    def _visit_RangeFunction(self, node: ast.RangeFunction, scope: frozenset[str]) -> None:
        """A calendar whose bounds come from the data (``generate_series((SELECT min(day) …), …, '1 day')``)
        is allowed in FROM alone, and runs as a subquery that stops after 10,000 rows."""
        calls = [item[0] for item in node.functions or () if item]
        if (len(calls) == 1 and isinstance(calls[0], ast.FuncCall) and function_name(calls[0]) == "generate_series"
                and has_computed_bounds(calls[0]) and not node.ordinality and not node.is_rowsfrom
                and not (node.alias is not None and len(node.alias.colnames or ()) > 1)):
            self.calendars.add(id(calls[0]))
            self.replacements[id(node)] = capped_series(node)
        self.children(node, scope)

    def _visit_RangeSubselect(self, node: ast.RangeSubselect, scope: frozenset[str]) -> None:
        call = capped_series_call(node)  # a calendar nlq already capped (SQL that ran, vetted again)
        if call is not None:
            self.calendars.add(id(call))
        table = already_masked(node, self.policy.masks)
        if table is not None:
            self.masked.add(id(table))
        self.children(node, scope)

    def _visit_SQLValueFunction(self, node: ast.SQLValueFunction, scope: frozenset[str]) -> None:
        if node.op not in SAFE_VALUE_FUNCTIONS:
            label = node.op.name.removeprefix("SVFOP_") if node.op is not None else "an unknown value"
            raise refuse("forbidden_function", f"it asks for {label}, which describes the session, not the data",
                         self.sql)

    def _visit_TypeName(self, node: ast.TypeName, scope: frozenset[str]) -> None:
        check_type_name(node, self.sql)  # wherever a type is named: a cast, a typed literal, a column list
        self.children(node, scope, skip=("names",))

    def _visit_ColumnRef(self, node: ast.ColumnRef, scope: frozenset[str]) -> None:
        check_column_ref(node, self.sql)
        self.names.update(f.sval for f in node.fields or () if isinstance(f, ast.String) and f.sval)
        self.children(node, scope)

    def _visit_A_Indirection(self, node: ast.A_Indirection, scope: frozenset[str]) -> None:
        self.names.update(f.sval for f in node.indirection or () if isinstance(f, ast.String) and f.sval)
        self.children(node, scope)

    def _visit_JoinExpr(self, node: ast.JoinExpr, scope: frozenset[str]) -> None:
        self.names.update(f.sval for f in node.usingClause or () if isinstance(f, ast.String) and f.sval)
        self.children(node, scope)

    def _visit_A_Expr(self, node: ast.A_Expr, scope: frozenset[str]) -> None:
        names = [part.sval or "" for part in node.name or () if isinstance(part, ast.String)]
        if len(names) > 1 and names[0] != "pg_catalog":  # OPERATOR(other_schema.+) runs that schema's function
            raise refuse_function("OPERATOR(" + ".".join(names) + ")", self.sql)
        self.children(node, scope, skip=("name",))

    def _visit_SortBy(self, node: ast.SortBy, scope: frozenset[str]) -> None:
        names = [part.sval or "" for part in node.useOp or () if isinstance(part, ast.String)]
        if len(names) > 1 and names[0] != "pg_catalog":  # ORDER BY … USING OPERATOR(other_schema.<)
            raise refuse_function("OPERATOR(" + ".".join(names) + ")", self.sql)
        self.children(node, scope, skip=("useOp",))

    def _visit_RangeTableSample(self, node: ast.RangeTableSample, scope: frozenset[str]) -> None:
        methods = dotted(node.method)
        method = methods[-1] if methods else ""
        if method not in SAMPLE_METHODS:
            raise refuse_function(method or "an unnamed sampling method", self.sql)
        self.children(node, scope, skip=("method",))
        table = node.relation
        if isinstance(table, ast.RangeVar) and id(table) in self.replacements:
            # which rows a sample picks follows how rows lie on disk, and so the lengths of the hidden values
            raise refuse("forbidden_column", f'it samples "{table.relname}", which has hidden columns', self.sql,
                         "Use WHERE random() < 0.1 to take a sample of such a table.")


def _cap_rows(stmt: ast.SelectStmt, max_rows: int | None) -> bool | None:
    """Add or lower the top-level LIMIT; True when nlq capped it, None when it must wrap the query."""
    if max_rows is None:
        return False
    if stmt.limitOption == LimitOption.LIMIT_OPTION_WITH_TIES:
        return None
    current = constant(stmt.limitCount) if stmt.limitCount is not None else None
    if stmt.limitCount is not None and not (isinstance(stmt.limitCount, ast.A_Const) and stmt.limitCount.isnull):
        if not isinstance(current, int):
            return None
        if current <= max_rows:
            return False
    stmt.limitCount = ast.A_Const(val=ast.Integer(ival=max_rows))
    stmt.limitOption = LimitOption.LIMIT_OPTION_COUNT
    return True


def _wrap_with_limit(stmt: ast.SelectStmt, max_rows: int | None) -> ast.SelectStmt:
    return ast.SelectStmt(
        targetList=(ast.ResTarget(val=ast.ColumnRef(fields=(ast.A_Star(),))),),
        fromClause=(ast.RangeSubselect(subquery=stmt, alias=ast.Alias(aliasname="nlq_capped")),),
        limitCount=ast.A_Const(val=ast.Integer(ival=max_rows)), limitOption=LimitOption.LIMIT_OPTION_COUNT,
        op=SetOperation.SETOP_NONE,
    )


def _count_of(stmt: ast.SelectStmt) -> ast.SelectStmt:
    return ast.SelectStmt(
        targetList=(ast.ResTarget(val=ast.FuncCall(funcname=(ast.String(sval="count"),), agg_star=True)),),
        fromClause=(ast.RangeSubselect(subquery=stmt, alias=ast.Alias(aliasname="nlq_rows")),),
        op=SetOperation.SETOP_NONE,
    )
