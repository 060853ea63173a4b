"""The least-privilege PostgreSQL role nlq should connect as: the layer that holds even if the others fail.

PostgreSQL's maintainers are clear that READ ONLY transactions are no security barrier; privileges are.
The role gets SELECT on the exposed tables and nothing else, no temporary tables, no sequences, and
role-level defaults (read-only transactions, timeouts, memory and temp-file caps, a pinned search_path)
that apply even to a connection that bypasses nlq. Statements are composed with psycopg's ``sql`` module
(identifiers and literals quoted by the driver), never by string formatting.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from psycopg import sql
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from nlq.database import DEFAULT_CONNECT_TIMEOUT_S, connect_args, first_line
from nlq.errors import DatabaseUnreachable, InputError
from nlq.schema import inheritance_parents, split_columns
from nlq.secrecy import ColumnRules, HiddenColumn
from nlq.vet.policy import excluded, with_relatives

ROLE_SETTINGS = {
    "default_transaction_read_only": "on",
    "statement_timeout": "30s",
    "lock_timeout": "5s",
    "idle_in_transaction_session_timeout": "60s",
    "temp_file_limit": "256MB",
    "work_mem": "32MB",
}


@dataclass(frozen=True)
class RolePlan:
    role: str
    password: str
    database: str
    schema: str
    tables: tuple[str, ...]
    exists: bool = False
    columns: tuple[tuple[str, tuple[str, ...]], ...] = ()  # tables with hidden columns: the columns granted
    hidden: tuple[HiddenColumn, ...] = ()

    def statements(self) -> list[sql.Composed]:
        role, database, schema = sql.Identifier(self.role), sql.Identifier(self.database), sql.Identifier(self.schema)
        verb = "ALTER" if self.exists else "CREATE"
        statements = [
            sql.SQL(verb + " ROLE {} WITH LOGIN PASSWORD {} NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT "
                    "NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 20").format(role, sql.Literal(self.password)),
            sql.SQL("REVOKE ALL ON DATABASE {} FROM {}").format(database, role),
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database, role),
            # TEMP and CREATE reach every role through PUBLIC; they can only be taken away there.
            sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC").format(database),
            sql.SQL("REVOKE CREATE ON SCHEMA {} FROM PUBLIC").format(schema),
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, role),
            sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(schema, role),
            sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM {}").format(schema, role),
        ]
        granted = dict(self.columns)
        whole = [t for t in self.tables if t not in granted]
        if whole:
            names = sql.SQL(", ").join(sql.Identifier(self.schema, t) for t in whole)
            statements.append(sql.SQL("GRANT SELECT ON TABLE {} TO {}").format(names, role))
        for table, columns in self.columns:  # a column privilege: the hidden ones cannot be read at all
            listed = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
            statements.append(sql.SQL("GRANT SELECT ({}) ON TABLE {} TO {}").format(
                listed, sql.Identifier(self.schema, table), role))
        for name, value in ROLE_SETTINGS.items():
            statements.append(sql.SQL("ALTER ROLE {} SET {} = {}").format(role, sql.Identifier(name),
                                                                        sql.Literal(value)))
        statements.append(sql.SQL("ALTER ROLE {} SET search_path = {}").format(role, schema))
        return statements

    def script(self) -> str:
        lines = [f"-- Least-privilege role for nlq on database {self.database}: SELECT on {len(self.tables)} "
                 f"table(s) of schema {self.schema}, nothing else.",
                 "-- Note: TEMPORARY on the database and CREATE on the schema are revoked from PUBLIC; grant "
                 "them back to roles that need them."]
        lines += [f"-- Column {c.table}.{c.column} is not granted: {c.reason}." for c in self.hidden]
        lines += [statement.as_string(None) + ";" for statement in self.statements()]
        return "\n".join(lines) + "\n"


def plan_role(admin_url: str, role: str, tables: Sequence[str] | None = None, exclude: Sequence[str] = (),
              password: str | None = None, columns: ColumnRules | None = None) -> RolePlan:
    """Read the database (as an administrator) to plan the role; nothing is changed. Columns that hold
    secrets (by name, sampled content or NLQ_EXCLUDE_COLUMNS, as nlq hides them) are left out of the grant."""
    engine = _engine(admin_url)
    try:
        with _connected(engine) as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
            database = connection.execute(text("SELECT current_database()")).scalar_one()
            exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
            present = [r[0] for r in connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"), {"s": schema})]
            parents = inheritance_parents(connection)
            # a parent granted alone reads its excluded children's rows: exclusion follows the line of inheritance
            hidden = with_relatives((t for t in present if excluded(t, exclude)), parents)
            chosen = [t for t in (tables or present) if t in present and t not in hidden]
            visible, found = split_columns(connection, chosen, schema, columns or ColumnRules())
    finally:
        engine.dispose()
    masked = {c.table for c in found}
    return RolePlan(role=role, password=password or secrets.token_urlsafe(24), database=database,
                    schema=schema, tables=tuple(chosen), exists=exists is not None,
                    columns=tuple((t, visible[t]) for t in chosen if t in masked), hidden=tuple(found))


def apply_role(admin_url: str, plan: RolePlan) -> None:
    engine = _engine(admin_url)
    try:
        with engine.begin() as connection:
            for statement in plan.statements():
                connection.exec_driver_sql(statement.as_string(None).replace("%", "%%"))
    finally:
        engine.dispose()


def role_url(admin_url: str, plan: RolePlan) -> str:
    """The NLQ_DATABASE_URL for the new role: the admin URL with the role's name and password."""
    return make_url(admin_url).set(username=plan.role, password=plan.password).render_as_string(
        hide_password=False)


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise InputError("setup-role works on PostgreSQL only.",
                            "Other databases have their own privilege systems: give nlq a read-only user there.")
    return create_engine(parsed, connect_args=connect_args(parsed, DEFAULT_CONNECT_TIMEOUT_S))


@contextmanager
def _connected(engine: Engine) -> Iterator[Connection]:
    try:
        with engine.connect() as connection:
            yield connection
    except OperationalError as error:
        raise DatabaseUnreachable(f"Could not connect as the administrator: {first_line(error)}",
                                  "Check the --db URL and that the server is reachable.") from None
