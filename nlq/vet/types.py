"""Types and columns in PostgreSQL SQL: an allowlist of the types that hold data, checked wherever a type is
named (a cast, a typed literal, a column-definition list), and the system columns refused.

A type names more than a shape. ``regclass`` and its kin turn text into catalog lookups (``'{t}'::_regclass``
lists tables by name), ``aclitem`` reads privileges, a table's row type (``NULL::secret``) names that table's
columns to ``jsonb_populate_record``, and ``char(n)`` pads to n characters. A denylist of prefixes missed the
array forms (``_regclass``); an allowlist cannot. System columns (``xmin``, ``ctid``, ``tableoid``) describe
storage and transactions, not the data.
"""

from __future__ import annotations

from pglast import ast

from nlq.errors import SqlRefused
from nlq.vet.policy import MAX_REPEAT, refuse

DATA_TYPES = frozenset({
    "int2", "int4", "int8", "smallint", "integer", "int", "bigint", "numeric", "decimal", "float4", "float8",
    "real", "money", "text", "varchar", "bpchar", "char", "bool", "boolean", "date", "time", "timetz",
    "timestamp", "timestamptz", "interval", "json", "jsonb", "uuid", "bytea", "inet", "cidr", "macaddr", "bit",
    "varbit", "int4range", "int8range", "numrange", "daterange", "tsrange", "tstzrange",
})
PADDED = frozenset({"bpchar", "char", "varchar", "bit", "varbit"})  # a length that builds a string that long
SYSTEM_COLUMNS = frozenset({"xmin", "xmax", "cmin", "cmax", "ctid", "tableoid"})


def check_type_name(node: ast.TypeName, sql: str) -> None:
    """Refuse a type that is not plain data, or a length past the bound ``repeat`` has."""
    parts = [part.sval for part in node.names or () if isinstance(part, ast.String) and part.sval]
    if not parts or len(parts) != len(node.names or ()) or len(parts) > 2 or (
            len(parts) == 2 and parts[0] != "pg_catalog"):
        raise _refuse_type(".".join(parts) or "an unnamed type", sql)
    name = parts[-1]
    if name not in DATA_TYPES or node.setof or node.pct_type:
        raise _refuse_type(name, sql)
    for modifier in node.typmods or ():
        length = modifier.val.ival if isinstance(modifier, ast.A_Const) and isinstance(
            modifier.val, ast.Integer) else None
        if length is None or (name in PADDED and length > MAX_REPEAT):
            raise refuse("resource", f"it casts to {name} with a length nlq does not allow (at most "
                         f"{MAX_REPEAT:,})", sql)


def check_column_ref(node: ast.ColumnRef, sql: str) -> None:
    fields = node.fields or ()
    last = fields[-1] if fields else None
    if isinstance(last, ast.String) and last.sval in SYSTEM_COLUMNS:
        raise refuse("forbidden_column", f"it reads the system column {last.sval}, which describes how rows are "
                     "stored, not the data", sql)


def _refuse_type(name: str, sql: str) -> SqlRefused:
    return refuse("forbidden_type", f"it uses the type {name}, which is not one of the data types nlq allows "
                  "(it may look up database internals)", sql)
