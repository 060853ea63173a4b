"""Connections to the questioned database, opened so that they can only read where the driver allows it.

SQLite files are opened with ``mode=ro`` (the engine itself refuses writes); PostgreSQL transactions are
``READ ONLY`` with a ``statement_timeout``. These guard behind the vetting step, never instead of it: the
real barrier on PostgreSQL is a least-privilege role (``python -m nlq setup-role``; see docs/security.md).

Nothing here waits without a bound: a server that accepts the connection and never answers is given up
after the connect timeout (NLQ_CONNECT_TIMEOUT_S), and a connection that dies mid-query is told apart from
a query the database refused (``connection_lost``), since only the latter is the SQL's fault.
"""

from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, CursorResult, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, NoSuchModuleError, SQLAlchemyError

from nlq.errors import DatabaseUnreachable, SettingsError, database_lost

# SQLAlchemy dialect name -> sqlglot dialect name.
SQLGLOT_DIALECTS = {
    "postgresql": "postgres",
    "sqlite": "sqlite",
    "mysql": "mysql",
    "mariadb": "mysql",
    "mssql": "tsql",
    "oracle": "oracle",
    "snowflake": "snowflake",
    "bigquery": "bigquery",
    "duckdb": "duckdb",
    "redshift": "redshift",
    "trino": "trino",
}
# The pip package behind each SQLAlchemy driver, per backend, SQLAlchemy's default first; and the packages that
# add whole dialects. Only for "install it" messages: a driver missing here is still used when installed.
DRIVER_PACKAGES = {
    "postgresql": {"psycopg": "'psycopg[binary]'", "psycopg2": "psycopg2-binary", "pg8000": "pg8000"},
    "mysql": {"mysqldb": "mysqlclient", "pymysql": "pymysql", "mysqlconnector": "mysql-connector-python"},
    "mariadb": {"mysqldb": "mysqlclient", "pymysql": "pymysql", "mariadbconnector": "mariadb"},
    "mssql": {"pyodbc": "pyodbc", "pymssql": "pymssql"},
    "oracle": {"oracledb": "oracledb", "cx_oracle": "cx_Oracle"},
}
DIALECT_PACKAGES = {"snowflake": "snowflake-sqlalchemy", "bigquery": "sqlalchemy-bigquery", "duckdb": "duckdb-engine",
                    "redshift": "sqlalchemy-redshift", "trino": "'trino[sqlalchemy]'"}
SQLITE_PROGRESS_STEPS = 10_000  # VM instructions between deadline checks: cheap, yet a check every ~ms
DEFAULT_CONNECT_TIMEOUT_S = 10.0  # NLQ_CONNECT_TIMEOUT_S's default; psycopg's own is 130 s
LIBPQ_MIN_CONNECT_TIMEOUT_S = 2  # libpq reads 1 as 2, and 0 as "wait for ever"
# SQLSTATEs of a session ended under the query, beside class 08 (connection exception): the server terminating
# it (57P01: an administrator or a fast shutdown; 57P02: a crash) or not accepting it yet (57P03).
LOST_SQLSTATES = ("57P01", "57P02", "57P03")


@dataclass(frozen=True)
class Limits:
    """Per-transaction time limits; lock and idle limits apply where the database supports them."""

    statement_s: float
    lock_s: float = 5.0
    idle_s: float = 60.0


@dataclass(frozen=True)
class DatabaseInfo:
    """What the UI shows about the database; never the password."""

    name: str
    dialect: str
    safe_url: str


class Database:
    """One SQLAlchemy engine plus the knowledge of how to run a read-only, time-limited query on it."""

    def __init__(self, url: str, connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S) -> None:
        self.url = make_url(url)
        self.connect_timeout_s = connect_timeout_s
        self.engine: Engine = _create_engine(self.url, connect_timeout_s)
        self.dialect_name = self.engine.dialect.name
        self.sqlglot_dialect = SQLGLOT_DIALECTS.get(self.dialect_name, self.dialect_name)

    @property
    def info(self) -> DatabaseInfo:
        if self.url.get_backend_name() == "sqlite":
            name = Path(self.url.database or "memory").name
        else:
            name = self.url.database or self.url.host or self.dialect_name
        return DatabaseInfo(name=name, dialect=self.dialect_name,
                            safe_url=self.url.render_as_string(hide_password=True))

    @contextmanager
    def read_only(self, limits: Limits | float) -> Iterator[Connection]:
        """A connection inside a read-only, time-limited transaction that is always rolled back."""
        if not isinstance(limits, Limits):
            limits = Limits(statement_s=limits)
        try:
            connection = self.engine.connect()
        except SQLAlchemyError as error:
            raise self._unreachable(error) from None
        transaction = connection.begin()
        try:
            try:
                _limit_transaction(connection, self.dialect_name, limits)
            except SQLAlchemyError as error:  # the first statement: the server may have gone since the pool's ping
                if connection_lost(error):
                    raise database_lost(self.info.safe_url, first_line(error)) from None
                raise
            yield connection
        finally:
            transaction.rollback()  # nothing a query did may persist, even where writing were possible
            _clear_sqlite_deadline(connection)
            connection.close()

    def limit_next_statements(self, connection: Connection, seconds: float) -> None:
        """Give the statements that follow at most ``seconds`` (what is left of an answer's time budget), so
        that a query, its fetches and its count stay within one budget together rather than one each."""
        if self.dialect_name == "postgresql":
            connection.execute(text("SELECT set_config('statement_timeout', :statement, true)"),
                               {"statement": _ms(seconds)})
        elif self.dialect_name == "sqlite":
            _set_sqlite_deadline(connection, time.monotonic() + seconds)

    def dispose(self) -> None:
        self.engine.dispose()

    def _unreachable(self, error: SQLAlchemyError) -> DatabaseUnreachable:
        hint = "Check NLQ_DATABASE_URL, that the database server is running, and the network path to it."
        if _connect_timed_out(error):
            return DatabaseUnreachable(
                f"The database server at {self.url.host}:{self.url.port or 5432} did not answer within "
                f"{_whole_seconds(self.connect_timeout_s)} seconds.",
                hint + " A server that is up but overloaded may need a longer NLQ_CONNECT_TIMEOUT_S.",
            )
        return DatabaseUnreachable(f"Could not connect to the database {self.info.safe_url}: {first_line(error)}",
                                   hint)


def connect_args(url: URL, connect_timeout_s: float) -> dict[str, object]:
    """The driver's connect timeout for this URL, for ``create_engine(connect_args=...)``: the questioned
    database's and a PostgreSQL app store's. A ``connect_timeout`` written in the URL itself wins. SQLite has
    nothing to connect to (its wait for a lock is sqlite3's own 5 s)."""
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        return {"connect_timeout": _whole_seconds(connect_timeout_s)}
    return {}


def connection_lost(error: BaseException) -> bool:
    """The database went away under the statement (server stopped or crashed, session terminated, network
    reset): not the SQL's fault, so never a reason to ask a model to rewrite it."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    state = getattr(getattr(error, "orig", None), "sqlstate", None) or ""
    return state.startswith("08") or state in LOST_SQLSTATES


def execute_sql(connection: Connection, sql: str, *, stream: bool = False) -> CursorResult:
    """Send vetted SQL text to the driver as it is, with no bind-parameter processing.

    Drivers with "format"/"pyformat" placeholders (psycopg) would read the ``%`` of ``LIKE '%e%'`` as a
    placeholder, so it is doubled for them, as SQLAlchemy documents for ``exec_driver_sql``.
    """
    if connection.dialect.paramstyle in ("format", "pyformat"):
        sql = sql.replace("%", "%%")
    if stream:
        connection = connection.execution_options(stream_results=True)
    return connection.exec_driver_sql(sql)


def _create_engine(url: URL, connect_timeout_s: float) -> Engine:
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database).resolve()
        if not path.exists():
            raise DatabaseUnreachable(
                f"The SQLite database file {path} does not exist.",
                "Check NLQ_DATABASE_URL, or leave it empty to use the built-in demo database.",
            )
        ro = URL.create("sqlite", database=f"file:{path}?mode=ro", query={"uri": "true"})
        engine = create_engine(ro)
        event.listen(engine, "connect", _sqlite_defensive)
        return engine
    if url.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, execution_options={"postgresql_readonly": True},
                             connect_args=connect_args(url, connect_timeout_s))
    return create_engine(url, pool_pre_ping=True)


def _limit_transaction(connection: Connection, dialect: str, limits: Limits) -> None:
    if dialect == "postgresql":
        # set_config(..., true) is SET LOCAL with bound parameters: no SQL text is assembled here. Vetting
        # reads string literals as standard SQL; a server (or database) set to read backslashes as escapes
        # would run other SQL than was vetted, so every transaction reads them as vetting did.
        connection.execute(
            text("SELECT set_config('statement_timeout', :statement, true), "
                 "set_config('lock_timeout', :lock, true), "
                 "set_config('idle_in_transaction_session_timeout', :idle, true), "
                 "set_config('standard_conforming_strings', 'on', true)"),
            {"statement": _ms(limits.statement_s), "lock": _ms(limits.lock_s), "idle": _ms(limits.idle_s)},
        )
    elif dialect == "sqlite":
        _set_sqlite_deadline(connection, time.monotonic() + limits.statement_s)


def _set_sqlite_deadline(connection: Connection, deadline: float) -> None:
    raw = connection.connection.driver_connection
    if isinstance(raw, sqlite3.Connection):
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), SQLITE_PROGRESS_STEPS)


def _ms(seconds: float) -> str:
    return str(max(1, int(seconds * 1000)))


def _whole_seconds(seconds: float) -> int:
    """What libpq waits: whole seconds, at least two."""
    return max(LIBPQ_MIN_CONNECT_TIMEOUT_S, math.ceil(seconds))


def _connect_timed_out(error: SQLAlchemyError) -> bool:
    try:
        from psycopg.errors import ConnectionTimeout  # only present, and only possible, with psycopg installed
    except ImportError:
        return False
    return isinstance(getattr(error, "orig", None), ConnectionTimeout)


def _clear_sqlite_deadline(connection: Connection) -> None:
    if connection.closed or connection.dialect.name != "sqlite":
        return
    raw = connection.connection.driver_connection
    if isinstance(raw, sqlite3.Connection):
        raw.set_progress_handler(None, 0)


def first_line(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    return str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__


def _sqlite_defensive(dbapi_connection: object, _record: object) -> None:
    """No ATTACH (no second database file) and query_only on top of the read-only file mode."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        dbapi_connection.execute("PRAGMA query_only = ON")


def require_driver(url: str | URL, setting: str) -> None:
    """Load the URL's dialect and driver as ``create_engine`` would (nothing connects), so that a driver that
    is not installed stops nlq at start as a settings error naming ``setting`` and the package to install,
    instead of a traceback at the first connection. The password is never part of the message."""
    parsed = make_url(url)
    backend, driver = parsed.get_backend_name(), parsed.drivername.partition("+")[2]
    shown = parsed.render_as_string(hide_password=True)
    try:
        create_engine(parsed).dispose()
    except NoSuchModuleError:
        known = DRIVER_PACKAGES.get(backend)
        if known is None:
            package = DIALECT_PACKAGES.get(backend)
            raise SettingsError(
                f"{setting} ({shown}) names the database kind {backend!r}, which SQLAlchemy has no dialect for here.",
                f"Install its dialect: pip install {package}, then start nlq again." if package else
                "Install the SQLAlchemy dialect package for that database, or fix the URL's scheme.",
            ) from None
        raise SettingsError(
            f"{setting} ({shown}) asks for the {backend} driver {driver!r}, which SQLAlchemy does not know.",
            f"Name one it knows: {_alternatives(backend, known)}.",
        ) from None
    except ImportError as error:
        driver = parsed.get_driver_name()  # the dialect loaded, so its default driver is known
        package = DRIVER_PACKAGES.get(backend, {}).get(driver)
        others = {name: pkg for name, pkg in DRIVER_PACKAGES.get(backend, {}).items() if name != driver}
        install = f"pip install {package}" if package else f"install the Python package of the {driver} driver"
        raise SettingsError(
            f"The {backend} driver {driver} that {setting} ({shown}) asks for is not installed ({error}).",
            f"Install it ({install}), then start nlq again"
            + (f"; or name another driver in {setting}: {_alternatives(backend, others)}." if others else "."),
        ) from None


def _alternatives(backend: str, drivers: dict[str, str]) -> str:
    return ", ".join(f"{backend}+{name}://… (pip install {package})" for name, package in drivers.items())
