"""What the database holds — tables, columns, types, keys, comments, sample values — read once per database.

The model writes good SQL only when it sees the real names and a few real values ("'Europe'", not
"'EU'"), so low-cardinality text columns carry their distinct values. Samples come from a bounded slice
of each table, so introspection stays fast on large production tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, Inspector, String, column, func, inspect, select, table
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.expression import ColumnClause
from sqlalchemy.types import TypeEngine

from nlq.database import Database
from nlq.secrecy import ColumnRules, HiddenColumn
from nlq.vet.policy import TableMask, excluded, with_relatives

SAMPLE_ROWS = 5000  # rows scanned per table when looking for sample values
MAX_SAMPLE_VALUES = 10  # a column with more distinct values than this gets none listed
MAX_SAMPLE_LENGTH = 40
SCHEMA_TIMEOUT_S = 20.0
UNREADABLE = "the database role nlq connects as may not read it"
# Columns that hold a person's name: their table's rows are people ("who earns most?", "how many people").
PERSON_COLUMNS = frozenset({"first_name", "firstname", "last_name", "lastname", "full_name", "fullname", "fname",
                            "lname", "surname", "given_name", "name_first", "name_last", "namefirst", "namelast"})


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: str
    nullable: bool = True
    primary_key: bool = False
    comment: str | None = None
    references: str | None = None  # "table.column" of a foreign key
    samples: tuple[str, ...] = ()
    unique: bool = False  # a one-column unique index or constraint: it can stand for its row like a key


@dataclass(frozen=True)
class TableInfo:
    name: str
    columns: tuple[ColumnInfo, ...]
    comment: str | None = None
    parent: str | None = None  # a PostgreSQL partition's or inheritance child's parent: its rows are the parent's

    def column(self, name: str) -> ColumnInfo | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True)
class SchemaInfo:
    dialect: str
    tables: tuple[TableInfo, ...] = field(default_factory=tuple)
    excluded: tuple[str, ...] = ()  # tables that exist but no question may read (NLQ_EXCLUDE_TABLES)
    default_schema: str | None = None
    schemas: tuple[str, ...] = ()  # every schema read, in search_path order (PostgreSQL)
    hidden_columns: tuple[HiddenColumn, ...] = ()  # columns of exposed tables no question may read, and why

    def masks(self) -> tuple[TableMask, ...]:
        """The tables with hidden columns, for vetting: what a query over each may see of it."""
        hidden: dict[str, list[str]] = {}
        for item in self.hidden_columns:
            hidden.setdefault(item.table, []).append(item.column)
        return tuple(TableMask(t.name, tuple(c.name for c in t.columns), frozenset(hidden[t.name]))
                     for t in self.tables if t.name in hidden)

    @property
    def table_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tables)

    def table(self, name: str) -> TableInfo | None:
        return next((t for t in self.tables if t.name == name), None)

    def whole_tables(self) -> SchemaInfo:
        """The schema without partitions and inheritance children whose parent is here: the parent holds their
        rows, so a question about payments means the parent, never one month's partition."""
        names = set(self.table_names)
        return replace(self, tables=tuple(t for t in self.tables if t.parent is None or t.parent not in names))

    def render(self) -> str:
        """Compact DDL: the form code models have seen most, with comments and samples inline."""
        return "\n\n".join(render_table(t) for t in self.tables)


def inspect_schema(database: Database, exclude: Sequence[str] = (), columns: ColumnRules | None = None
                   ) -> SchemaInfo:
    """The exposed tables of every schema on the search path (the default schema elsewhere); excluded ones
    are listed by name only, never sampled. A name in two schemas is the first one's, as PostgreSQL reads it.
    Columns that hold secrets (``nlq.secrecy``) are left out of the tables and listed with their reason."""
    rules = columns or ColumnRules()
    with database.read_only(SCHEMA_TIMEOUT_S) as connection:
        inspector = inspect(connection)
        default_schema = inspector.default_schema_name
        namespaces = _search_path(connection) or ([default_schema] if default_schema else [None])
        homes: dict[str, str | None] = {}
        for namespace in namespaces:
            for name in inspector.get_table_names(schema=namespace):
                homes.setdefault(name, namespace)
        names = sorted(homes)
        parents = inheritance_parents(connection)
        hidden = tuple(sorted(with_relatives((n for n in names if excluded(n, exclude)), parents) & set(names)))
        read = [_inspect_table(connection, inspector, n, homes[n], parents.get(n), rules)
                for n in names if n not in hidden]
    return SchemaInfo(dialect=database.dialect_name, tables=tuple(t for t, _ in read), excluded=hidden,
                      default_schema=default_schema, schemas=tuple(n for n in namespaces if n),
                      hidden_columns=tuple(c for _, found in read for c in found))


def _search_path(connection: Connection) -> list[str | None]:
    if connection.dialect.name != "postgresql":
        return []
    found = connection.exec_driver_sql("SELECT unnest(current_schemas(false))").scalars()
    return [str(name) for name in found]


def inheritance_parents(connection: Connection) -> dict[str, str]:
    """Partitions and inheritance children, by name, with their parent (PostgreSQL)."""
    if connection.dialect.name != "postgresql":
        return {}
    rows = connection.exec_driver_sql(
        "SELECT child.relname, parent.relname FROM pg_inherits i JOIN pg_class child ON child.oid = i.inhrelid "
        "JOIN pg_class parent ON parent.oid = i.inhparent")
    return {str(child): str(parent) for child, parent in rows}


def _inspect_table(connection: Connection, inspector: Inspector, name: str, namespace: str | None,
                   parent: str | None, rules: ColumnRules) -> tuple[TableInfo, list[HiddenColumn]]:
    primary = set(inspector.get_pk_constraint(name, schema=namespace).get("constrained_columns") or ())
    unique = _unique_columns(inspector, name, namespace)
    references = {}
    for fk in inspector.get_foreign_keys(name, schema=namespace):
        for local, remote in zip(fk["constrained_columns"], fk["referred_columns"], strict=False):
            references[local] = f"{fk['referred_table']}.{remote}"
    try:
        comment = inspector.get_table_comment(name, schema=namespace).get("text")
    except NotImplementedError:  # SQLite has no comments
        comment = None
    columns, hidden = [], []
    unreadable = _unreadable_columns(connection, name, namespace)
    for raw in inspector.get_columns(name, schema=namespace):
        column_type: TypeEngine = raw["type"]
        reason, sampled = (UNREADABLE, []) if raw["name"] in unreadable else _classify(
            connection, name, raw["name"], column_type, namespace, rules)
        if reason is not None:
            hidden.append(HiddenColumn(name, raw["name"], reason))
            continue
        samples = _shown(sampled)
        columns.append(ColumnInfo(
            name=raw["name"],
            type=_type_name(column_type),
            nullable=bool(raw.get("nullable", True)),
            primary_key=raw["name"] in primary,
            comment=raw.get("comment"),
            references=references.get(raw["name"]),
            samples=samples,
            unique=raw["name"] in unique,
        ))
    return TableInfo(name=name, columns=tuple(columns), comment=comment, parent=parent), hidden


def _classify(connection: Connection, table_name: str, column_name: str, column_type: TypeEngine,
              namespace: str | None, rules: ColumnRules) -> tuple[str | None, list[object]]:
    """Why a column is hidden (None: it is not), and its sampled values. A column hidden by name is never
    sampled at all; a text column's values are sampled once, for the secret check and for the prompt."""
    reason = rules.hidden_reason(table_name, column_name)
    if reason is not None or not isinstance(column_type, String):
        return reason, []
    sampled = _sample_values(connection, table_name, column_name, namespace)
    return rules.hidden_reason(table_name, column_name, sampled), sampled


def _unreadable_columns(connection: Connection, table_name: str, namespace: str | None) -> set[str]:
    """Columns the connection's role has no SELECT privilege on (setup-role grants none on hidden columns):
    they are hidden too, or every query over their table would fail."""
    if connection.dialect.name != "postgresql":
        return set()
    rows = connection.exec_driver_sql(
        "SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = %(table)s "
        "AND n.nspname = coalesce(%(schema)s, current_schema()) AND a.attnum > 0 AND NOT a.attisdropped "
        "AND NOT has_column_privilege(c.oid, a.attnum, 'SELECT')", {"table": table_name, "schema": namespace})
    return {str(row[0]) for row in rows}


def split_columns(connection: Connection, tables: Sequence[str], namespace: str | None, rules: ColumnRules
                  ) -> tuple[dict[str, tuple[str, ...]], list[HiddenColumn]]:
    """For setup-role: each table's readable columns, and the hidden ones with their reasons, decided as the
    schema nlq reads decides them."""
    inspector = inspect(connection)
    visible: dict[str, tuple[str, ...]] = {}
    hidden: list[HiddenColumn] = []
    for name in tables:
        kept = []
        for raw in inspector.get_columns(name, schema=namespace):
            reason, _ = _classify(connection, name, raw["name"], raw["type"], namespace, rules)
            if reason is None:
                kept.append(str(raw["name"]))
            else:
                hidden.append(HiddenColumn(name, raw["name"], reason))
        visible[name] = tuple(kept)
    return visible, hidden


def _unique_columns(inspector: Inspector, name: str, namespace: str | None) -> set[str]:
    """Columns unique on their own: warehouses often declare unique indexes where others declare keys."""
    found = set()
    for index in inspector.get_indexes(name, schema=namespace):
        if index.get("unique") and len(index["column_names"]) == 1 and index["column_names"][0]:
            found.add(str(index["column_names"][0]))
    try:
        for constraint in inspector.get_unique_constraints(name, schema=namespace):
            if len(constraint["column_names"]) == 1:
                found.add(str(constraint["column_names"][0]))
    except NotImplementedError:
        pass
    return found


def inferred_references(tables: Sequence[TableInfo], skip: Callable[[str], bool] = lambda _name: False
                        ) -> dict[tuple[str, str], str]:
    """Keys a table does not declare but plainly has, for tables that declare none: ``sales_fact.store_id`` is
    ``store.store_id`` when exactly one table has ``store_id`` as its key, as a unique column, or as its first
    column while named after it (``time_id`` leads ``time_by_day``). ``skip`` leaves tables out as owners."""
    owners = _key_owners(tables, skip)
    names = {t.name.lower() for t in tables}
    found = {}
    for info in tables:
        if any(c.references for c in info.columns):
            continue
        own_key = _own_key(info)
        for col in info.columns:
            owner = owners.get(col.name.lower())
            if owner and owner[0] != info.name and not col.primary_key and not col.unique:
                found[(info.name, col.name)] = f"{owner[0]}.{owner[1]}"
            elif not owner and own_key and col.name != own_key and _role_key(col, names):
                found[(info.name, col.name)] = f"{info.name}.{own_key}"  # employee.supervisor_id: one above
    return found


def _own_key(info: TableInfo) -> str | None:
    """A table of people's own key, named after it (``employee_id`` leading ``employee``), or None for a table
    of anything else: only people have someone above them."""
    if not {c.name.lower() for c in info.columns} & PERSON_COLUMNS:
        return None
    first = info.columns[0].name if info.columns else ""
    prefix = first.lower().removesuffix("id").rstrip("_")
    if prefix and info.name.lower() in {prefix, prefix + "s"}:
        return first
    return None


def _role_key(col: ColumnInfo, tables: set[str]) -> bool:
    """``supervisor_id``, ``manager_id``: one word naming a role (an agent noun), owned by no table of that name."""
    name = col.name.lower()
    word = name.removesuffix("id").rstrip("_")
    return (name.endswith("_id") and word.isalpha() and word.endswith(("er", "or")) and word not in tables
            and word + "s" not in tables and "INT" in col.type.upper())


def _key_owners(tables: Sequence[TableInfo], skip: Callable[[str], bool]) -> dict[str, tuple[str, str]]:
    declared: dict[str, set[tuple[str, str]]] = {}
    named: dict[str, set[tuple[str, str]]] = {}
    for info in tables:
        if skip(info.name):
            continue
        for position, col in enumerate(info.columns):
            name = col.name.lower()
            prefix = name.removesuffix("id").rstrip("_")
            if (col.primary_key or col.unique) and "_" in name.strip("_"):  # city_name, state_code: plain keys
                declared.setdefault(name, set()).add((info.name, col.name))
                continue
            if not name.endswith("id") or not prefix:
                continue
            if col.primary_key or col.unique:
                declared.setdefault(name, set()).add((info.name, col.name))
            elif position == 0 and (info.name.lower() == prefix or info.name.lower().startswith(prefix + "_")):
                named.setdefault(name, set()).add((info.name, col.name))
    owners = {name: found if len(found) == 1 else _named_exactly(name, found) for name, found in named.items()}
    owners = {name: found for name, found in owners.items() if len(found) == 1}
    declared = {name: found if len(found) == 1 else _named_exactly(name, found) for name, found in declared.items()}
    owners.update({name: found for name, found in declared.items() if len(found) == 1})
    return {name: next(iter(found)) for name, found in owners.items()}


def _named_exactly(name: str, found: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """``store_id`` leads both ``store`` and ``store_ragged``: the table named after it alone owns it."""
    prefix = name.removesuffix("id").rstrip("_")
    return {(table, column) for table, column in found if table.lower() in {prefix, prefix + "s", prefix + "es"}}


def _type_name(column_type: TypeEngine) -> str:
    try:
        return str(column_type.compile())
    except Exception:  # some dialect-specific types cannot compile without their dialect
        return type(column_type).__name__.upper()


def _sample_values(connection: Connection, table_name: str, column_name: str, namespace: str | None
                   ) -> list[object]:
    """The most frequent distinct values of a text column (one more than are ever shown, so that a column
    with many is known to have many); they also tell whether the column holds secrets."""
    target: ColumnClause[Any] = column(column_name)
    sliced = select(target).select_from(table(table_name, target, schema=namespace)).limit(SAMPLE_ROWS).subquery()
    counted = (
        select(sliced.c[column_name], func.count().label("n"))
        .where(sliced.c[column_name].is_not(None))
        .group_by(sliced.c[column_name])
        .order_by(func.count().desc(), sliced.c[column_name])
        .limit(MAX_SAMPLE_VALUES + 1)
    )
    try:
        with connection.begin_nested():
            return [row[0] for row in connection.execute(counted)]
    except SQLAlchemyError:
        return []  # a column we cannot sample is still usable; the prompt just lacks its values


def _shown(values: list[object]) -> tuple[str, ...]:
    """The sampled values the prompt lists: all of them when there are few and they are short."""
    if len(values) > MAX_SAMPLE_VALUES or any(len(str(v)) > MAX_SAMPLE_LENGTH for v in values):
        return ()
    return tuple(str(v) for v in values)


def render_table(info: TableInfo) -> str:
    header = f"CREATE TABLE {info.name} (" + (f"  -- {info.comment}" if info.comment else "")
    lines = []
    for index, col in enumerate(info.columns):
        parts = [f"  {col.name} {col.type}"]
        if col.primary_key:
            parts.append("PRIMARY KEY")
        if col.references:
            remote_table, _, remote_column = col.references.partition(".")
            parts.append(f"REFERENCES {remote_table}({remote_column})")
        line = " ".join(parts) + ("," if index < len(info.columns) - 1 else "")
        notes = [col.comment] if col.comment else []
        if col.samples:
            notes.append("values: " + ", ".join(_quote(v) for v in col.samples))
        if notes:
            line += "  -- " + "; ".join(notes)
        lines.append(line)
    return "\n".join([header, *lines, ")"])


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def base_table(tables: set[str], schema: SchemaInfo) -> str:
    """The table every other table of a metric is reached from, many-to-one (order_lines for revenue)."""
    referencing = {t: {c.references.partition(".")[0] for c in info.columns if c.references}
                   for t in tables if (info := schema.table(t))}
    for candidate in sorted(tables):
        reached, frontier = {candidate}, [candidate]
        while frontier:
            frontier = [r for t in frontier for r in _targets(schema, t) if r not in reached]
            reached.update(frontier)
        if tables <= reached:
            return candidate
    return sorted(tables, key=lambda t: -len(referencing.get(t, ())))[0]


def _targets(schema: SchemaInfo, table_name: str) -> Iterable[str]:
    info = schema.table(table_name)
    return [] if info is None else [c.references.partition(".")[0] for c in info.columns if c.references]
