"""The Chinook music store (tests/data/chinook, MIT licence in LICENSE.md): a schema nlq was not written
for, in SQLite (CamelCase names) and PostgreSQL (snake_case names), with questions and gold SQL for both."""

from __future__ import annotations

from pathlib import Path

import psycopg

from tests.support.postgres import PostgresServer

CHINOOK = Path(__file__).parent.parent / "data" / "chinook"
SQLITE_FILE = CHINOOK / "chinook.sqlite"
QUESTIONS = {"sqlite": CHINOOK / "questions_sqlite.jsonl", "postgres": CHINOOK / "questions_postgres.jsonl"}
CONNECT_LINE = "\\c chinook;"


def sqlite_url() -> str:
    return f"sqlite:///{SQLITE_FILE}"


def load_postgres(server: PostgresServer) -> str:
    """The original script without its DROP/CREATE DATABASE header, into a fresh database; returns its URL."""
    url = server.create_database("chinook")
    script = (CHINOOK / "Chinook_PostgreSql.sql").read_text(encoding="utf-8")
    body = script.split(CONNECT_LINE, 1)[1]
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("SET client_min_messages = warning")
        connection.execute(body)  # no parameters: the script is sent as it is
    return url
