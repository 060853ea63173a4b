"""Faults the answer log meets, injected for real (issue 14): processes starting at once on a fresh store, a
disk that fills during the store's first creation, the store's file deleted while nlq runs, a store that is
down. Each ends with the process alive, a message naming the cause, and as many entries as answers."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from nlq.answer import Answer
from nlq.pipeline import ask
from nlq.services import App, open_app
from nlq.settings import Settings, load_settings
from nlq.store import open_store
from nlq.store.journal import Journal
from nlq.store.log import answer_row
from tests.support.postgres import PostgresServer

ROOT = Path(__file__).resolve().parents[2]
RULES = {"NLQ_RULES": "true"}


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NLQ_")}
    return {**clean, "NLQ_DATA_DIR": str(data_dir), **RULES, **extra}


def _entries(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "app.sqlite") as connection:
        return int(connection.execute("SELECT count(*) FROM answers").fetchone()[0])


@pytest.mark.parametrize("processes", [2, 8])
def test_first_starts_at_once_lose_nothing(demo_dir: Path, tmp_path: Path, processes: int) -> None:
    """Two `nlq ask` on a fresh data folder once lost one answer ("table answers already exists")."""
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    for name in os.listdir(demo_dir):  # the demo database, but a store nobody has created yet
        if name.startswith("demo"):
            os.link(demo_dir / name, fresh / name)
    started = [subprocess.Popen([sys.executable, "-m", "nlq", "ask", "how many customers", "--json"], cwd=ROOT,
                                env=_env(fresh), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(processes)]
    outputs = [process.communicate(timeout=240) for process in started]
    assert all(process.returncode == 0 for process in started), [err for _, err in outputs]
    assert not any("not recorded" in err or "could not record" in err for _, err in outputs)
    assert _entries(fresh) == processes


def _settings(data_dir: Path, demo_dir: Path, **extra: str) -> Settings:
    env = {"NLQ_DATA_DIR": str(data_dir), "NLQ_DATABASE_URL": f"sqlite:///{demo_dir / 'demo.sqlite'}", **RULES,
           **extra}
    return load_settings(env, secrets_path=None)


def _answer(app: App, question: str = "how many customers") -> Answer:
    answer = ask(question, app.engine, mode="rules")
    assert answer.ok, answer.error
    return answer


@pytest.fixture
def small_disk(tmp_path: Path) -> object:
    """A 256 KiB tmpfs: the store's first creation runs out of space half-way. (96 KiB was enough once; the
    store and its WAL outgrew it when migrations 0005 and 0006 added columns and a table.)"""
    folder = tmp_path / "small"
    folder.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)],
                                           capture_output=True).returncode != 0:
        pytest.skip("needs root to mount a tmpfs")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_during_first_creation_leaves_no_half_store(small_disk: Path, demo_dir: Path) -> None:
    filler = small_disk / "filler"
    filler.write_bytes(b"x" * (224 * 1024))  # leaves too little for the whole schema
    url = f"sqlite:///{small_disk / 'app.sqlite'}"
    with pytest.raises(Exception, match="could not be opened"):
        open_store(url)
    filler.unlink()  # space freed: the next start creates the store whole
    store = open_store(url)
    assert store.log.count() == 0
    store.close()


def test_a_store_deleted_while_running_is_created_again(tmp_path: Path, demo_dir: Path) -> None:
    """The pooled connection once kept writing to the unlinked file: entries gone after a restart."""
    app = open_app(_settings(tmp_path, demo_dir))
    assert app.record(_answer(app), source="cli").ok
    (tmp_path / "app.sqlite").unlink()
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"app.sqlite{suffix}").unlink(missing_ok=True)
    recorded = [app.record(_answer(app), source="cli") for _ in range(3)]
    assert all(r.ok for r in recorded)
    app.close()
    assert _entries(tmp_path) == 3  # the three answered after the deletion survive a restart


@pytest.mark.pg
def test_answers_while_the_store_is_down_are_journaled_and_replayed(tmp_path: Path, demo_dir: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A PostgreSQL store stopped and started again: while it is down each answer says it was not recorded and
    waits in the journal; once it is back the journal reaches the store, in order and exactly once."""
    monkeypatch.setattr("nlq.services.RETRY_AFTER_S", 0.0)  # try the store again at once, not after 30 s
    server = PostgresServer().start()
    try:
        store_url = server.create_database("nlq_store")
        app = open_app(_settings(tmp_path, demo_dir, NLQ_APP_DB_URL=store_url))
        assert app.record(_answer(app), source="cli").ok
        server.pause()
        app.store.close()
        down = [app.record(_answer(app, q), source="cli") for q in ("how many orders", "how many products")]
        assert all(not r.ok and r.journaled and "local journal" in r.notice for r in down)
        assert app.journal.waiting() == 2
        server.resume()
        assert app.record(_answer(app), source="cli").ok
        again = open_app(_settings(tmp_path, demo_dir, NLQ_APP_DB_URL=store_url))  # nothing replayed twice
        assert again.record(_answer(again), source="cli").ok
        app.close()
        again.close()
        engine = create_engine(store_url)
        with engine.connect() as connection:
            questions = [r[0] for r in connection.execute(text("SELECT question FROM answers ORDER BY id"))]
        engine.dispose()
    finally:
        server.stop()
    assert questions == ["how many customers", "how many orders", "how many products", "how many customers",
                         "how many customers"]


@pytest.fixture
def silent_server() -> object:
    """A loopback server that accepts connections and never says a word, as a hung store or database does."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                accepted.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


def test_a_store_that_never_answers_costs_the_connect_timeout(demo_dir: Path, tmp_path: Path,
                                                              silent_server: int) -> None:
    """A store that accepts connections and never replies once held an answer for 130 s (the driver's default)."""
    hung = f"postgresql://nlq@127.0.0.1:{silent_server}/store"
    app = open_app(_settings(tmp_path, demo_dir, NLQ_APP_DB_URL=hung, NLQ_CONNECT_TIMEOUT_S="2"))
    answer = _answer(app)
    started = time.monotonic()
    recorded = app.record(answer, source="cli")
    elapsed = time.monotonic() - started
    app.close()
    assert not recorded.ok and recorded.journaled and elapsed <= 2 + 1, elapsed


def test_the_cli_says_an_answer_waits_in_the_journal(demo_dir: Path, tmp_path: Path, silent_server: int) -> None:
    for name in os.listdir(demo_dir):
        if name.startswith("demo"):
            os.link(demo_dir / name, tmp_path / name)
    env = _env(tmp_path, NLQ_APP_DB_URL=f"postgresql://nlq@127.0.0.1:{silent_server}/store",
               NLQ_CONNECT_TIMEOUT_S="2")
    done = subprocess.run([sys.executable, "-m", "nlq", "ask", "how many customers", "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    answer = json.loads(done.stdout)
    assert done.returncode == 0 and answer["row_count"] == 1 and "Traceback" not in done.stderr
    assert answer["answer_id"] is None and answer["journaled"] and "local journal" in answer["not_recorded"]
    doctor = subprocess.run([sys.executable, "-m", "nlq", "doctor"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert "1 answers wait" in doctor.stdout + doctor.stderr


def test_entries_wait_for_the_store_they_were_meant_for(tmp_path: Path, demo_dir: Path) -> None:
    """Found by the browser suite: an entry journaled for one store was replayed into the next one configured
    in the same data folder, under another user's History."""
    elsewhere = f"sqlite:///{tmp_path / 'other.sqlite'}"
    Journal(tmp_path, elsewhere).append(answer_row(_answer(open_app(_settings(tmp_path, demo_dir))), "local", "cli"))
    app = open_app(_settings(tmp_path, demo_dir))
    assert app.record(_answer(app, "how many orders"), source="cli").ok
    app.close()
    with sqlite3.connect(tmp_path / "app.sqlite") as connection:
        assert [r[0] for r in connection.execute("SELECT question FROM answers")] == ["how many orders"]
    assert Journal(tmp_path, elsewhere).waiting() == 1
