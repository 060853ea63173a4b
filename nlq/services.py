"""The app's services around the engine: nlq's own store (answer log, feedback, approved examples, question
cache, verified answers), wired into the engine through its three small interfaces, and the answer log's
``record``.

The engine answers without any of this. A store that cannot be reached costs a warning, the approved
examples, the cache and verified answers — never an answer — and the answer says it was not recorded.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from nlq.access import LOCAL_USER_ID
from nlq.answer import Answer
from nlq.cache import CachedSql, CacheKey
from nlq.dashboards.cache import TileCache
from nlq.database import DEFAULT_CONNECT_TIMEOUT_S
from nlq.engine import Engine, open_engine
from nlq.errors import StoreUnavailable
from nlq.examples import Example
from nlq.logs import answer_fields
from nlq.settings import Settings
from nlq.store import AppStore, open_store, store_file_identity
from nlq.store.examples import APPROVED
from nlq.store.journal import Journal
from nlq.store.log import answer_row
from nlq.verified import VERIFIED, VerifiedSql

log = logging.getLogger("nlq")
RETRY_AFTER_S = 30.0  # a store that failed to open is not tried again sooner: it must not slow every answer


class StoreHandle:
    """nlq's store, opened and migrated on first use and shared by every session."""

    def __init__(self, url: str, connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S) -> None:
        self.url = url
        self.connect_timeout_s = connect_timeout_s
        self._store: AppStore | None = None
        self._failed: tuple[float, StoreUnavailable] | None = None
        self._identity: tuple[int, int] | None = None
        self._lock = threading.Lock()

    def get(self) -> AppStore:
        """The open store, or ``StoreUnavailable`` saying why not and which setting to check."""
        with self._lock:
            if self._store is not None and self._file_replaced():
                self._store.close()  # its pooled connections would write on into a deleted file
                self._store = None
            if self._store is not None:
                return self._store
            if self._failed is not None and time.monotonic() - self._failed[0] < RETRY_AFTER_S:
                raise self._failed[1]
            try:
                self._store = open_store(self.url, self.connect_timeout_s)
            except StoreUnavailable as error:
                self._failed = (time.monotonic(), error)
                raise
            self._failed = None
            self._identity = store_file_identity(self.url)
            return self._store

    def _file_replaced(self) -> bool:
        """A SQLite store file deleted or replaced while nlq runs is created again, with a warning."""
        if self._identity is None or self._identity == (now := store_file_identity(self.url)):
            return False
        log.warning("nlq's store file was %s while nlq ran; starting a new one (%s)",
                    "deleted" if now is None else "replaced", self.url)
        return True

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None


class StoreExamples:
    """The examples people approved, for the engine's prompts (``nlq.engine.ExampleSource``)."""

    def __init__(self, store: StoreHandle) -> None:
        self.store = store

    def approved(self, fingerprint: str) -> tuple[Example, ...] | None:
        try:
            found = self.store.get().examples.all(APPROVED)
        except StoreUnavailable as error:
            log.warning("approved examples left out of the prompt: %s", error.message)
            return None
        return tuple(Example(e.question, e.sql) for e in found if e.fingerprint == fingerprint)


class StoreCache:
    """The question cache in the store (``nlq.cache.SqlCache``): a store that cannot be reached is a miss."""

    def __init__(self, store: StoreHandle) -> None:
        self.store = store

    def get(self, key: CacheKey) -> CachedSql | None:
        try:
            return self.store.get().cache.get(key)
        except StoreUnavailable as error:
            log.warning("question cache not read: %s", error.message)
            return None

    def put(self, key: CacheKey, sql: str, model: str | None) -> None:
        try:
            self.store.get().cache.put(key, sql, model)
        except StoreUnavailable as error:
            log.warning("question cache not written: %s", error.message)

    def forget(self, key: CacheKey) -> None:
        try:
            self.store.get().cache.forget(key)
        except StoreUnavailable as error:
            log.warning("question cache not written: %s", error.message)


class StoreVerified:
    """Verified answers in the store (``nlq.verified.VerifiedSource``): a store that cannot be reached finds
    none, and the question goes on to the rules and the model."""

    def __init__(self, store: StoreHandle) -> None:
        self.store = store

    def find(self, database: str, question_key: str, understanding_key: str | None = None) -> VerifiedSql | None:
        try:
            found = self.store.get().verified.find(database, question_key, understanding_key)
        except StoreUnavailable as error:
            log.warning("verified answers not read: %s", error.message)
            return None
        return None if found is None else found.usable

    def examples(self, database: str, fingerprint: str) -> tuple[Example, ...] | None:
        try:
            found = self.store.get().verified.all(VERIFIED)
        except StoreUnavailable as error:
            log.warning("verified answers left out of the prompt: %s", error.message)
            return None
        return tuple(Example(v.question, v.sql) for v in found
                     if v.database == database and v.fingerprint == fingerprint)

    def mark_stale(self, verified_id: int, why: str) -> None:
        try:
            self.store.get().verified.mark_stale(verified_id, why)
        except StoreUnavailable as error:
            log.warning("verified answer %d not marked stale: %s", verified_id, error.message)

    def confirm(self, verified_id: int, fingerprint: str) -> None:
        try:
            self.store.get().verified.confirm(verified_id, fingerprint)
        except StoreUnavailable as error:
            log.warning("verified answer %d not confirmed: %s", verified_id, error.message)


@dataclass(frozen=True)
class Recorded:
    """Where an answer went in the log: its id, or why it could not be recorded and whether it waits in the
    journal to be added when the store is back."""

    id: int | None
    problem: StoreUnavailable | None = None
    journaled: bool = False

    @property
    def ok(self) -> bool:
        return self.id is not None

    @property
    def notice(self) -> str:
        """What the answer says when it was not recorded (a line in the app, ``not_recorded`` in ``--json``)."""
        if self.problem is None:
            return ""
        kept = ("It is kept in a local journal and will be added to History when the store is back."
                if self.journaled else "It could not be kept in the local journal either (check NLQ_DATA_DIR).")
        return f"This answer was not recorded in History yet: {self.problem.message}. {kept} {self.problem.hint}"


@dataclass(frozen=True)
class App:
    """The engine plus the store, as the app and the CLI use them."""

    engine: Engine
    store: StoreHandle
    journal: Journal
    tiles: TileCache = field(default_factory=TileCache)  # dashboard tiles' fresh results, shared by all viewers

    @property
    def settings(self) -> Settings:
        return self.engine.settings

    def record(self, answer: Answer, source: str, user: str = LOCAL_USER_ID, tile_id: int | None = None) -> Recorded:
        """Every answer goes into the log, from the app and the CLI alike, and out as one JSON log line; when
        the store cannot take it, into the journal, replayed (first, in order) once the store is back. A
        dashboard tile's run carries its tile's id (History shows "from dashboard")."""
        tile = {"tile_id": tile_id} if tile_id is not None else {}
        row = answer_row(answer, user, source) | tile
        try:
            log_table = self.store.get().log
            if replayed := self.journal.replay(log_table.insert):
                log.warning("added %d answers from the journal to the app store", replayed)
            recorded = Recorded(log_table.insert(row))
        except StoreUnavailable as error:
            log.warning("could not record the answer in the app store (%s)", error.message)
            recorded = Recorded(None, error, journaled=self.journal.append(row))
        fields = answer_fields(answer, recorded.id, self.settings.log_questions) | tile
        log.info("answer", extra={"fields": fields})
        return recorded

    def close(self) -> None:
        self.engine.close()
        self.store.close()


def open_app(settings: Settings) -> App:
    """The engine for the configured database, its examples, cache and verified answers wired to nlq's store."""
    store = StoreHandle(settings.effective_app_db_url, settings.connect_timeout_s)
    engine = open_engine(settings, taught=StoreExamples(store), cache=StoreCache(store),
                         verified=StoreVerified(store))
    return App(engine, store, Journal(settings.data_dir, settings.effective_app_db_url))
