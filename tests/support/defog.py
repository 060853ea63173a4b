"""The defog text-to-SQL benchmark (tests/data/defog, Apache-2.0): its 11 databases loaded into a test
PostgreSQL, and its questions with the tables each gold query reads."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg
import sqlglot
from sqlglot import exp

from tests.support.postgres import PostgresServer

DEFOG = Path(__file__).parent.parent / "data" / "defog"
BRACES = re.compile(r"\{([^}]*)\}")
SCHEMA_OF = {"ewallet": "consumer_div"}


@dataclass(frozen=True)
class Question:
    database: str
    question: str
    gold_sql: str
    tables: frozenset[str]


def database_names() -> list[str]:
    return sorted(p.stem for p in (DEFOG / "databases").glob("*.sql"))


def load_databases(server: PostgresServer) -> dict[str, str]:
    """Each database created and loaded from its SQL file; name -> URL."""
    urls = {}
    for name in database_names():
        url = server.create_database(name)
        script = (DEFOG / "databases" / f"{name}.sql").read_text()
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(script)  # no parameters: the script is sent as it is
        schema = SCHEMA_OF.get(name)
        # An operator points nlq at a non-default schema the standard way: the URL's search_path option.
        urls[name] = url + (f"?options=-csearch_path%3D{schema}" if schema else "")
    return urls


def questions() -> list[Question]:
    with (DEFOG / "questions" / "questions_gen_postgres.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [Question(r["db_name"], r["question"], r["query"], gold_tables(r["query"])) for r in rows]


def gold_tables(query: str) -> frozenset[str]:
    """Tables the first acceptable answer reads: ``{a, b}`` column choices take their first option."""
    first = query.split(";")[0]
    expanded = BRACES.sub(lambda m: m.group(1).split(",")[0].strip() or "1", first)
    expanded = re.sub(r"GROUP BY\s+1\s*$", "", expanded)
    tree = sqlglot.parse_one(expanded, dialect="postgres")
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    return frozenset(t.name.lower() for t in tree.find_all(exp.Table) if t.name and t.name.lower() not in ctes)
