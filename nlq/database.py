"""Connections to the questioned database, opened so that they can only read where the driver allows it.

SQLite files are opened with ``mode=ro`` (the engine itself refuses writes); PostgreSQL transactions are
``READ ONLY`` with a ``statement_timeout``. These guard behind the vetting step, never instead of it: the
real barrier on PostgreSQL is a least-privilege role (``python -m nlq setup-role``; see docs/security.md).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, CursorResult, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import NoSuchModuleError, SQLAlchemyError

from nlq.errors import DatabaseUnreachable, SettingsError

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

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.engine: Engine = _create_engine(self.url)
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
            raise DatabaseUnreachable(
                f"Could not connect to the database {self.info.safe_url}: {first_line(error)}",
                "Check NLQ_DATABASE_URL, that the database server is running, and the network path to it.",
            ) from None
        transaction = connection.begin()
        try:
            _limit_transaction(connection, self.dialect_name, limits)
            yield connection
        finally:
            transaction.rollback()  # nothing a query did may persist, even where writing were possible
            _clear_sqlite_deadline(connection)
            connection.close()

    def dispose(self) -> None:
        self.engine.dispose()


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


def _create_engine(url: URL) -> Engine:
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
        return create_engine(url, pool_pre_ping=True, execution_options={"postgresql_readonly": True})
    return create_engine(url, pool_pre_ping=True)


def _limit_transaction(connection: Connection, dialect: str, limits: Limits) -> None:
    if dialect == "postgresql":
        # set_config(..., true) is SET LOCAL with bound parameters: no SQL text is assembled here.
        connection.execute(
            text("SELECT set_config('statement_timeout', :statement, true), "
                 "set_config('lock_timeout', :lock, true), "
                 "set_config('idle_in_transaction_session_timeout', :idle, true)"),
            {"statement": _ms(limits.statement_s), "lock": _ms(limits.lock_s), "idle": _ms(limits.idle_s)},
        )
    elif dialect == "sqlite":
        raw = connection.connection.driver_connection
        if isinstance(raw, sqlite3.Connection):
            deadline = time.monotonic() + limits.statement_s
            raw.set_progress_handler(lambda: int(time.monotonic() > deadline), SQLITE_PROGRESS_STEPS)


def _ms(seconds: float) -> str:
    return str(max(1, int(seconds * 1000)))


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
