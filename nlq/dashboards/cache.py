"""Tile results kept for a dashboard's refresh interval, so that ten viewers of a dashboard cost one query.

Held by the shared ``App`` (one per process, every session and API call share it), never a module global: a
test or a second app in the same process gets its own. Keys are the database's identity, its schema
fingerprint and the SQL, so a schema change or another database never serves old rows. Viewers who arrive
while the same query runs wait for it instead of running it again.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from nlq.answer import Answer
from nlq.errors import ErrorKind

MAX_ENTRIES = 256  # results of this many distinct queries at most; the oldest used go first
# Failures the SQL itself causes on this schema: running it again within the interval would fail the same way
# (and a timeout would cost every viewer the whole timeout). A database that is away is tried again at once.
KEPT_FAILURES = frozenset({ErrorKind.REFUSED, ErrorKind.SQL_SYNTAX, ErrorKind.DATABASE_ERROR,
                           ErrorKind.TOO_EXPENSIVE, ErrorKind.QUERY_TIMEOUT})


@dataclass(frozen=True)
class TileKey:
    database: str  # nlq.cache.database_identity: the database, never its password
    fingerprint: str  # the schema it was vetted against
    sql: str


@dataclass(frozen=True)
class Fetched:
    answer: Answer
    from_cache: bool


class TileCache:
    """A small thread-safe TTL cache of answers: those that ran, and failures of the SQL itself (``KEPT_FAILURES``);
    any other failure (the database away, a bug) is tried again by the next viewer."""

    def __init__(self, max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[TileKey, tuple[float, Answer]] = OrderedDict()
        self._running: dict[TileKey, threading.Lock] = {}
        self._lock = threading.Lock()

    def fetch(self, key: TileKey, max_age_s: float, run: Callable[[], Answer], force: bool = False) -> Fetched:
        """The kept answer when it is younger than ``max_age_s``; else ``run()`` (once, however many callers
        ask at the same moment). ``force`` ("Refresh now") runs it whatever is kept."""
        if not force and (kept := self._fresh(key, max_age_s)) is not None:
            return Fetched(kept, True)
        with self._lock:
            running = self._running.setdefault(key, threading.Lock())
        with running:
            if not force and (kept := self._fresh(key, max_age_s)) is not None:
                return Fetched(kept, True)  # another viewer ran it while this one waited
            answer = run()
            if answer.error is None or answer.error.kind in KEPT_FAILURES:
                self._keep(key, answer)
            return Fetched(answer, False)

    def forget(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def _fresh(self, key: TileKey, max_age_s: float) -> Answer | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None or self._clock() - found[0] >= max_age_s:
                return None
            self._entries.move_to_end(key)
            return found[1]

    def _keep(self, key: TileKey, answer: Answer) -> None:
        with self._lock:
            self._entries[key] = (self._clock(), answer)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
