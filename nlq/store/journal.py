"""The journal: answers the store could not take wait here, on the local disk, until it is back.

An audit log that drops an entry because its database was down for ten seconds is not an audit log. Each
entry is one JSON line, appended and fsynced under a file lock (several sessions and processes share it), and
carries a key: replaying inserts the lines in order, skips any whose key the store already holds (a replay cut
short is simply run again), and empties the journal only when every line is in.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any


class Journal:
    """The journal of one store: entries wait for the store they were meant for, not whichever store
    ``NLQ_APP_DB_URL`` names next (its name carries a hash of the store's URL, never the URL itself)."""

    def __init__(self, folder: Path, store_url: str) -> None:
        digest = hashlib.sha256(store_url.encode()).hexdigest()[:12]
        self.path = folder / f"answers-journal-{digest}.jsonl"

    def append(self, row: dict[str, Any]) -> bool:
        """Keep one entry; False when even the local disk refused it (then only the log line remains)."""
        entry = {**row, "entry_key": uuid.uuid4().hex}
        try:
            with self._locked("a") as journal:
                journal.write(json.dumps(entry, default=_iso) + "\n")
                journal.flush()
                os.fsync(journal.fileno())
        except OSError:
            return False
        return True

    def waiting(self) -> int:
        """How many entries wait to be replayed (the doctor reports them)."""
        try:
            with self.path.open(encoding="utf-8") as journal:
                return sum(1 for line in journal if line.strip())
        except FileNotFoundError:
            return 0

    def replay(self, insert: Callable[[dict[str, Any]], object]) -> int:
        """Every waiting entry into the store, oldest first; how many were replayed. ``insert`` must skip an
        entry whose key is already there. An entry the store refuses stops the replay, keeping the journal."""
        if not self.path.exists():
            return 0
        with self._locked("r+") as journal:
            lines = [line for line in journal.read().splitlines() if line.strip()]
            for line in lines:
                insert(_row(json.loads(line)))
            journal.seek(0)
            journal.truncate()
            journal.flush()
            os.fsync(journal.fileno())
        return len(lines)

    @contextmanager
    def _locked(self, mode: str) -> Iterator[IO[str]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open(mode, encoding="utf-8") as journal:
            fcntl.flock(journal, fcntl.LOCK_EX)
            try:
                yield journal
            finally:
                fcntl.flock(journal, fcntl.LOCK_UN)


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not kept in the journal")


def _row(entry: dict[str, Any]) -> dict[str, Any]:
    return {**entry, "asked_at": datetime.fromisoformat(entry["asked_at"])}
