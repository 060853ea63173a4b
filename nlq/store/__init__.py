"""nlq's application store: every answer (an append-only log), feedback, the examples it learns from, the
question cache, the HTTP API's tokens and its shared rate-limit count, dashboards and verified answers.

One SQLAlchemy database — a SQLite file in ``NLQ_DATA_DIR`` by default, PostgreSQL (``NLQ_APP_DB_URL``)
when several app instances share it — whose schema is kept by Alembic migrations run at start. It is
separate from the database people ask about: nlq only ever reads that one. Every failure to reach it is a
``StoreUnavailable`` (see ``nlq.store.boundary``): the store is a record beside the answers, never a
reason not to answer.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError as AlembicError
from sqlalchemy import Connection, Engine, NullPool, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from nlq.database import DEFAULT_CONNECT_TIMEOUT_S, connect_args
from nlq.store.boundary import unavailable
from nlq.store.cache import CacheTable
from nlq.store.dashboards import DashboardBook
from nlq.store.examples import ExampleBook, StoredExample
from nlq.store.log import AnswerLog, LogEntry
from nlq.store.rate import RateBook
from nlq.store.tokens import StoredToken, TokenBook
from nlq.store.verified import StoredVerified, VerifiedBook

__all__ = ["AnswerLog", "AppStore", "CacheTable", "DashboardBook", "ExampleBook", "LogEntry", "RateBook",
           "StoredExample", "StoredToken", "StoredVerified", "TokenBook", "VerifiedBook", "open_store", "shared_engine",
           "store_file_identity"]

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 4_242_001  # PostgreSQL advisory lock: two instances starting at once migrate one at a time
BUSY_TIMEOUT_S = 30.0  # how long a SQLite writer waits for another (a migration on another process's first start)


class AppStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.log = AnswerLog(engine)
        self.examples = ExampleBook(engine)
        self.cache = CacheTable(engine)
        self.tokens = TokenBook(engine)
        self.rates = RateBook(engine)
        self.verified = VerifiedBook(engine)
        self.dashboards = DashboardBook(engine)

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str, connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S) -> AppStore:
    """Connect and bring the schema up to date; the same call for a new or an existing store."""
    try:
        engine = shared_engine(url, connect_timeout_s)
        migrate(engine)
    except (SQLAlchemyError, OSError, AlembicError) as error:
        raise unavailable(error, "opened") from error
    return AppStore(engine)


def migrate(engine: Engine) -> None:
    """All migrations in one transaction that other starting processes wait for: a disk that fills half-way
    leaves no half-made store, and two first starts never both create the tables."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    migrating = _exclusive_sqlite(engine) if engine.dialect.name == "sqlite" else engine
    try:
        with migrating.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        if migrating is not engine:
            migrating.dispose()


def _exclusive_sqlite(engine: Engine) -> Engine:
    """pysqlite commits before DDL on its own; this engine leaves transactions to SQLAlchemy and begins each
    with ``BEGIN EXCLUSIVE``, so the whole migration is one transaction that holds the write lock."""
    exclusive = create_engine(engine.url, connect_args={"timeout": BUSY_TIMEOUT_S}, poolclass=NullPool)

    @event.listens_for(exclusive, "connect")
    def _manual(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.isolation_level = None
        _sqlite_for_many_writers(dbapi_connection, _record)

    @event.listens_for(exclusive, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN EXCLUSIVE")

    return exclusive


def store_file_identity(url: str) -> tuple[int, int] | None:
    """The device and inode of a SQLite store's file (None for a server, or a file that is gone): a file deleted
    or replaced under a running nlq is noticed instead of written to in vain."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    try:
        found = os.stat(parsed.database)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def shared_engine(url: str, connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S) -> Engine:
    """An engine for a database several sessions write to at once (SQLite in WAL mode, or a server)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args(parsed, connect_timeout_s))
    if parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_S})
    event.listen(engine, "connect", _sqlite_for_many_writers)
    return engine


def _sqlite_for_many_writers(dbapi_connection: object, _record: object) -> None:
    """WAL lets readers work while one session writes; the busy timeout makes writers wait their turn."""
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")  # first: switching to WAL takes a lock
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
