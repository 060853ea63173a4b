"""The vetting step: decide from the parsed tree whether a piece of SQL is one read-only query nlq may run.

The parse tree is the only truth: a statement's first word, a regex or the model's promise decide nothing.
Anything that fails to parse is refused (fail closed), and what runs is the SQL rendered back from the
vetted tree, so the text that was checked and the text that runs cannot differ.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from nlq.errors import SqlRefused, SqlSyntaxError

# Queries may be rooted at these nodes; CTEs hang off them as their "with" argument.
QUERY_ROOTS = (exp.Select, exp.SetOperation, exp.Values, exp.Subquery)

# Nodes that write, lock, change the session or escape the query, wherever they appear in the tree.
FORBIDDEN_NODES: dict[type[exp.Expression], str] = {
    exp.Insert: "INSERT",
    exp.Update: "UPDATE",
    exp.Delete: "DELETE",
    exp.Merge: "MERGE",
    exp.Create: "CREATE",
    exp.Drop: "DROP",
    exp.Alter: "ALTER",
    exp.TruncateTable: "TRUNCATE",
    exp.Command: "a command",
    exp.Transaction: "transaction control",
    exp.Commit: "COMMIT",
    exp.Rollback: "ROLLBACK",
    exp.Set: "SET",
    exp.Copy: "COPY",
    exp.Pragma: "PRAGMA",
    exp.Into: "SELECT ... INTO",
    exp.Lock: "a locking clause (FOR UPDATE/SHARE)",
    exp.Grant: "GRANT",
    exp.Analyze: "ANALYZE",
    exp.Use: "USE",
    exp.Describe: "DESCRIBE",
}

# sqlglot logs a warning when it falls back to a generic Command; such statements are refused anyway.
logging.getLogger("sqlglot").setLevel(logging.ERROR)


@dataclass(frozen=True)
class VettedQuery:
    """A query that passed vetting: ``sql`` is rendered from ``tree`` and is exactly what will run."""

    sql: str
    tree: exp.Expression
    dialect: str


def vet(sql: str, dialect: str) -> VettedQuery:
    tree = _parse_one_statement(sql, dialect)
    if not isinstance(tree, QUERY_ROOTS):
        raise _refusal(f"it is {_describe(tree)}, not a query", sql)
    for node in tree.walk():
        for node_type, label in FORBIDDEN_NODES.items():
            if isinstance(node, node_type):
                raise _refusal(f"it contains {label}", sql)
    return VettedQuery(sql=tree.sql(dialect=dialect, pretty=True), tree=tree, dialect=dialect)


def _parse_one_statement(sql: str, dialect: str) -> exp.Expression:
    try:
        statements = [s for s in sqlglot.parse(sql, dialect=dialect) if s is not None]
    except ParseError as error:
        first = error.errors[0] if error.errors else {}
        where = f" at line {first.get('line')}, column {first.get('col')}" if first.get("line") else ""
        description = (first.get("description") or str(error).splitlines()[0]).split(" <Token")[0]
        if first.get("highlight"):
            description += f" near '{first['highlight']}'"
        raise SqlSyntaxError(
            f"The SQL could not be parsed{where}: {description}.",
            "Rephrase the question, or fix the SQL by hand.",
            sql=sql,
        ) from None
    except TokenError as error:
        raise SqlSyntaxError(f"The SQL could not be read: {error}.", "Rephrase the question.", sql=sql) from None
    if not statements:
        raise SqlSyntaxError("The SQL is empty.", "Rephrase the question.", sql=sql)
    if len(statements) > 1:
        raise _refusal(f"it holds {len(statements)} statements; nlq runs exactly one query", sql)
    return statements[0]


def _describe(tree: exp.Expression) -> str:
    for node_type, label in FORBIDDEN_NODES.items():
        if isinstance(tree, node_type):
            return label
    return f"a {tree.key.upper()} statement"


def _refusal(reason: str, sql: str) -> SqlRefused:
    return SqlRefused(
        f"nlq refused to run this SQL because {reason}. It only runs a single read-only query.",
        "Ask a question that reads data; nlq never changes the database.",
        sql=sql,
    )
