"""nlq's application store: every answer (an append-only log), feedback, the examples it learns from and
the question cache.

One SQLAlchemy database — a SQLite file in ``NLQ_DATA_DIR`` by default, PostgreSQL (``NLQ_APP_DB_URL``)
when several app instances share it — whose schema is kept by Alembic migrations run at start. It is
separate from the database people ask about: nlq only ever reads that one. Every failure to reach it is a
``StoreUnavailable`` (see ``nlq.store.boundary``): the store is a record beside the answers, never a
reason not to answer.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError as AlembicError
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from nlq.store.boundary import unavailable
from nlq.store.cache import CacheTable
from nlq.store.examples import ExampleBook, StoredExample
from nlq.store.log import AnswerLog, LogEntry

__all__ = ["AnswerLog", "AppStore", "CacheTable", "ExampleBook", "LogEntry", "StoredExample", "open_store",
           "shared_engine"]

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 4_242_001  # PostgreSQL advisory lock: two instances starting at once migrate one at a time
CONNECT_TIMEOUT_S = 10  # a store that does not answer must not hold an answer up for the driver's default


class AppStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.log = AnswerLog(engine)
        self.examples = ExampleBook(engine)
        self.cache = CacheTable(engine)

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str) -> AppStore:
    """Connect and bring the schema up to date; the same call for a new or an existing store."""
    try:
        engine = shared_engine(url)
        migrate(engine)
    except (SQLAlchemyError, OSError, AlembicError) as error:
        raise unavailable(error, "opened") from error
    return AppStore(engine)


def migrate(engine: Engine) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def shared_engine(url: str) -> Engine:
    """An engine for a database several sessions write to at once (SQLite in WAL mode, or a server)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        return create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    if parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": 30})
    event.listen(engine, "connect", _sqlite_for_many_writers)
    return engine


def _sqlite_for_many_writers(dbapi_connection: object, _record: object) -> None:
    """WAL lets readers work while one session writes; the busy timeout makes writers wait their turn."""
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
