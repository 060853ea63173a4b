"""What a query may read and how much: the exposed tables, the row cap, and the refusal wording.

A policy is built from the introspected schema minus ``NLQ_EXCLUDE_TABLES``, so a table nlq does not show
to the model is also a table no SQL may name, whoever wrote it (model, rules tier or analyst).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from nlq.errors import SqlRefused

MAX_SERIES_ROWS = 10_000  # generate_series may make at most this many rows
MAX_REPEAT = 10_000  # repeat/lpad/rpad/zeroblob lengths
MAX_FORMAT_WIDTH = 100  # widths and precisions in format()/printf() templates
DEFAULT_SCHEMAS = {"postgres": frozenset({"public"}), "sqlite": frozenset({"main"})}


@dataclass(frozen=True)
class TableMask:
    """A table some of whose columns are hidden: queries read it as a subquery of the ``visible`` columns
    alone, so that ``*``, a whole-row reference or ``row_to_json(t)`` cannot reach the rest."""

    table: str
    visible: tuple[str, ...]
    hidden: frozenset[str]


@dataclass(frozen=True)
class VetPolicy:
    dialect: str  # sqlglot's name: "postgres", "sqlite", ...
    tables: frozenset[str]
    max_rows: int | None = None
    schemas: frozenset[str] = frozenset()
    hidden: frozenset[str] = frozenset()  # tables that exist but are excluded: naming one is a security refusal
    masks: tuple[TableMask, ...] = ()  # exposed tables with hidden columns

    @classmethod
    def for_tables(cls, dialect: str, tables: Iterable[str], max_rows: int | None = None,
                   schemas: Iterable[str] | None = None, hidden: Iterable[str] = (),
                   masks: Iterable[TableMask] = ()) -> VetPolicy:
        chosen = frozenset(schemas) if schemas is not None else DEFAULT_SCHEMAS.get(dialect, frozenset())
        return cls(dialect=dialect, tables=frozenset(tables), max_rows=max_rows, schemas=chosen,
                   hidden=frozenset(hidden), masks=tuple(masks))

    def mask(self, table: str) -> TableMask | None:
        return next((m for m in self.masks if m.table == table), None)

    def check_columns(self, read: Iterable[str], named: Iterable[str], sql: str) -> None:
        """Refuse a hidden column named anywhere in a statement that reads its table (by name alone: an alias
        of the same name is refused too, which is the safe side)."""
        names = {name.lower() for name in named}  # SQLite matches names in any case; the safe side elsewhere
        for table in sorted(set(read)):
            mask = self.mask(table)
            for column in sorted(c for c in mask.hidden if c.lower() in names) if mask else ():
                raise refuse("forbidden_column", f'it reads {table}.{column}, a column hidden because it holds '
                             "secrets or the owner excluded it", sql, "Ask about the columns listed in the "
                             "sidebar; an administrator decides which columns are open (NLQ_EXPOSE_COLUMNS).")

    def refuse_table(self, qualified: str, name: str, sql: str) -> SqlRefused:
        """A table nlq may not read: forbidden when it exists but is hidden (or is a system table, or sits in
        another schema); merely unknown when nothing of that name exists, which a model may correct."""
        system = name.lower().startswith(("pg_", "sqlite_")) or qualified.lower().startswith("information_schema")
        if name in self.hidden or system or qualified != name:
            return refuse_table(qualified, sql)
        return refuse("unknown_table", f'it reads "{name}", which is not a table in this database', sql,
                      "Ask about the tables listed in the sidebar.")

    def allows_table(self, schema: str | None, name: str) -> bool:
        if schema is not None and schema not in self.schemas:
            return False
        return name in self.tables


@dataclass(frozen=True)
class VettedQuery:
    """A query that passed vetting. ``sql`` is rendered from the checked tree and is exactly what runs.

    ``limited`` says nlq itself capped the rows (added or lowered a LIMIT); only then can the result have
    been cut short, and ``count_sql()`` counts the rows the query would have returned without that cap.
    """

    sql: str
    dialect: str
    limited: bool = False
    tables: frozenset[str] = frozenset()
    _count_sql: Callable[[], str] | None = field(default=None, repr=False, compare=False)
    _explain_sql: Callable[[], str] | None = field(default=None, repr=False, compare=False)

    def count_sql(self) -> str | None:
        return self._count_sql() if self._count_sql else None

    def explain_sql(self) -> str | None:
        return self._explain_sql() if self._explain_sql else None


def excluded(name: str, patterns: Iterable[str]) -> bool:
    """Whether a table matches one of NLQ_EXCLUDE_TABLES (plain names or globs such as ``audit_*``)."""
    return any(fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(name.lower(), pattern.lower())
               for pattern in patterns)


# Refusals, worded once. ``rule`` is the stable machine-readable reason (the vet CLI prints it as "kind").

HINT_READ_ONLY = "nlq only reads data. Ask a question about the data instead."


def refuse(rule: str, reason: str, sql: str, hint: str = HINT_READ_ONLY) -> SqlRefused:
    return SqlRefused(f"nlq refused to run this SQL: {reason}.", hint, sql=sql, rule=rule)


def refuse_table(name: str, sql: str) -> SqlRefused:
    return refuse("forbidden_table", f'it reads "{name}", which is not one of the tables open to questions', sql,
                  "Ask about the tables listed in the sidebar; an administrator decides which tables are open.")


def refuse_function(name: str, sql: str) -> SqlRefused:
    return refuse("forbidden_function", f"it calls {name}(), which is not on nlq's list of allowed functions",
                  sql, "Functions that compute on the data (sums, dates, text, JSON) are allowed; functions "
                  "that sleep, lock, read files or settings, or run SQL given as text are not.")


def refuse_resource(reason: str, sql: str) -> SqlRefused:
    return refuse("resource", reason, sql, "Ask for a smaller range (fewer days, a shorter text).")


def check_size(name: str, size: object, sql: str) -> None:
    """repeat/lpad/rpad lengths: a literal no larger than MAX_REPEAT (each parser extracts the literal)."""
    if not isinstance(size, int | float) or isinstance(size, bool) or size > MAX_REPEAT:
        raise refuse_resource(f"{name}() needs a literal length of at most {MAX_REPEAT:,}", sql)


def check_format(name: str, template: object, sql: str) -> None:
    """format/printf templates: a literal whose widths and precisions stay small (``%.2f`` is fine,
    ``%100000000s`` builds a huge string from nothing) and never come from an argument (``*``)."""
    if not isinstance(template, str):
        raise refuse_resource(f"{name}() needs a literal format string", sql)
    index = template.find("%")
    while index != -1:
        rest = template[index + 1:]
        if rest.startswith("%"):
            index = template.find("%", index + 2)
            continue
        position = len(rest) - len(rest.lstrip("0123456789"))
        if position and rest[position:position + 1] == "$":
            rest = rest[position + 1:]
        rest = rest.lstrip("-+ 0#,'")
        for part in _width_and_precision(rest):
            if part == "*" or int(part) > MAX_FORMAT_WIDTH:
                raise refuse_resource(f"{name}() may not use a width or precision above {MAX_FORMAT_WIDTH}", sql)
        index = template.find("%", index + 1)


def _width_and_precision(spec: str) -> list[str]:
    """The width and precision of one conversion spec (after its flags), as digit strings or "*"."""
    parts = []
    for leading in ("", "."):
        if leading and not spec.startswith("."):
            break
        spec = spec[len(leading):]
        if spec.startswith("*"):
            parts.append("*")
            spec = spec[1:]
            continue
        digits = len(spec) - len(spec.lstrip("0123456789"))
        if digits:
            parts.append(spec[:digits])
            spec = spec[digits:]
    return parts


def refuse_nested_size(name: str, sql: str) -> SqlRefused:
    return refuse_resource(f"{name}() may not be applied to the result of repeat(), lpad(), rpad() or replace()", sql)


def check_series_rows(rows: float, sql: str) -> None:
    if rows != rows or rows == float("inf") or rows > MAX_SERIES_ROWS:  # NaN, a zero step, or too many
        shown = "infinitely many" if rows != rows or rows == float("inf") else f"about {rows:,.0f}"
        raise refuse_resource(f"generate_series would make {shown} rows; the limit is {MAX_SERIES_ROWS:,}", sql)


def with_relatives(hidden: Iterable[str], parents: Mapping[str, str]) -> set[str]:
    """The excluded tables and every table PostgreSQL reads their rows through (ancestors: a parent or a
    partitioned table returns its children's rows) or that holds part of them (descendants); never siblings."""
    children: dict[str, list[str]] = {}
    for child, its_parent in parents.items():
        children.setdefault(its_parent, []).append(child)
    closed = set(hidden)
    for start in list(closed):
        above = parents.get(start)
        while above is not None and above not in closed:
            closed.add(above)
            above = parents.get(above)
        below = list(children.get(start, ()))
        while below:
            table = below.pop()
            if table not in closed:
                closed.add(table)
                below.extend(children.get(table, ()))
    return closed
