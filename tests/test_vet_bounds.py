"""Resource bounds by construction (issue 15, class 4), measured on real PostgreSQL as the reader role.

What vetting lets through in these families (a calendar with bounds computed from the data, a bounded
recursion, a short replace, a gathered aggregate) runs, and the server process that runs it stays small:
its peak memory (VmHWM of the backend, read from /proc) and the temporary files it wrote are measured.
The unbounded forms are in ``tests/corpus/hostile.jsonl`` (resource-2-*), refused without a database.
"""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from nlq.database import Database
from nlq.errors import QueryTooExpensive, SqlRefused
from nlq.execute import run_query
from nlq.vet import VetPolicy, vet
from tests.support.postgres import SecureDatabase

pytestmark = pytest.mark.pg

TABLES = ("regions", "countries", "customers", "sales_reps", "product_categories", "products", "orders",
          "order_lines", "returns", "sales_targets")
POLICY = VetPolicy.for_tables("postgres", TABLES, max_rows=1000)
MAX_BACKEND_MB = 200
BOUNDED = [
    # a calendar whose start is -infinity: without the cap it never ends
    "SELECT count(*) FROM generate_series((SELECT '-infinity'::timestamp), (SELECT max(order_date) FROM orders), "
    "interval '1 day') AS d",
    "SELECT count(*) FROM generate_series((SELECT min(order_id) FROM orders), (SELECT max(order_id)::bigint * 100000 "
    "FROM orders)) AS n",
    "WITH RECURSIVE t(n, s) AS (SELECT 1, 'x'::text UNION ALL SELECT n + 1, s || 'y' FROM t WHERE n < 10000) "
    "SELECT max(length(s)) FROM t",
    "SELECT max(length(replace(name, 'a', 'aaaaaaaaaa'))) FROM customers",
    "SELECT length(string_agg(c.name, '')) FROM customers c CROSS JOIN generate_series(1, 10) g",
]


def _connect(url: str) -> psycopg.Connection:
    parsed = make_url(url)
    return psycopg.connect(host=parsed.host, port=parsed.port, dbname=parsed.database, user=parsed.username,
                           password=parsed.password, autocommit=True)


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM for the backend")


@pytest.mark.parametrize("sql", BOUNDED)
def test_what_vetting_allows_stays_small_on_the_server(sql: str, secure_db: SecureDatabase) -> None:
    query = vet(sql, POLICY)
    with _connect(secure_db.role_url) as connection:
        pid = connection.execute("SELECT pg_backend_pid()").fetchone()[0]
        before = connection.execute("SELECT temp_bytes FROM pg_stat_database WHERE datname = current_database()"
                                    ).fetchone()[0]
        connection.execute("SET statement_timeout = '20s'")
        started = time.monotonic()
        connection.execute(query.sql).fetchall()
        elapsed = time.monotonic() - started
        peak = _peak_mb(pid)
        after = connection.execute("SELECT temp_bytes FROM pg_stat_database WHERE datname = current_database()"
                                   ).fetchone()[0]
    assert peak < MAX_BACKEND_MB, f"the backend peaked at {peak:.0f} MB"
    assert after - before < 64 * 2**20, "it wrote temporary files"
    assert elapsed < 10


def test_gathering_a_huge_value_is_refused_by_the_plan_check(secure_db: SecureDatabase) -> None:
    """Measured at 561 MB in one backend before the check: no memory setting bounds a string_agg."""
    database = Database(secure_db.role_url)
    try:
        for gather in ("string_agg(c.name, '')", "array_agg(c.name)", "json_agg(c.*)"):
            sql = f"SELECT length({gather}::text) FROM customers c CROSS JOIN generate_series(1, 10000) g"
            with pytest.raises(QueryTooExpensive, match="gather about"):
                run_query(database, vet(sql, POLICY), max_rows=100, limits=20, max_cost=10_000_000)
        small = "SELECT segment, string_agg(name, ', ') FROM customers GROUP BY segment"
        assert len(run_query(database, vet(small, POLICY), max_rows=100, limits=20, max_cost=10_000_000).frame)
    finally:
        database.dispose()


def test_a_computed_calendar_keeps_its_rows_and_names_below_the_cap(secure_db: SecureDatabase) -> None:
    sql = ("SELECT d::date AS day FROM generate_series((SELECT min(order_date) FROM orders), "
           "(SELECT min(order_date) + 6 FROM orders), '1 day') AS d ORDER BY day")
    with _connect(secure_db.role_url) as connection:
        rows = connection.execute(vet(sql, POLICY).sql).fetchall()
        plain = connection.execute(sql).fetchall()
    assert rows == plain and len(rows) == 7


@pytest.mark.parametrize("sql", [
    "SELECT * FROM generate_series((SELECT 1), 10, 0) AS g",  # a step of zero never moves
    "SELECT * FROM generate_series((SELECT now()), now(), '-1 day') AS g",
    "SELECT * FROM generate_series((SELECT now()), now(), '1 mon -29 days') AS g",
    "SELECT * FROM generate_series((SELECT 1), 10) WITH ORDINALITY AS g",
    "SELECT * FROM ROWS FROM (generate_series((SELECT 1), 10), generate_series(1, 2)) AS g",
    "SELECT generate_series((SELECT 1), 100000000) OFFSET 5",  # a select list may only be capped without OFFSET
    "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t, regions) SELECT count(*) FROM t",
    "WITH RECURSIVE t(s) AS (SELECT 'a'::text UNION ALL SELECT s || 'b' || s FROM t WHERE length(s) < 100) "
    "SELECT count(*) FROM t",
    "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n <= 99999) SELECT count(*) FROM t",
    "WITH RECURSIVE t(s) AS (SELECT 'a'::text UNION ALL SELECT repeat(s, 2) FROM t WHERE length(s) < 9) "
    "SELECT count(*) FROM t",
    "SELECT replace(name, 'a', repeat('b', 10)) FROM regions",
    "SELECT regexp_replace(name, 'a', name) FROM regions",
    "SELECT array_agg(lpad(name, 100, 'x')) FROM regions",
    "SELECT replace(replace(name, 'a', 'aa'), 'a', 'aa') FROM customers",
    "SELECT replace(replace(name, '', 'x'), 'a', 'b') FROM customers",
    "SELECT regexp_replace(regexp_replace(name, 'a', 'b'), 'x*', 'y', 'g') FROM customers",
    "SELECT generate_series((SELECT 1), 100000000) AS n ORDER BY n DESC",  # the sort reads every row first
    "SELECT DISTINCT generate_series((SELECT 1), 100000000)",
    "SELECT generate_series((SELECT 1), 100000000) AS n, count(*) OVER ()",
    "SELECT count(*), generate_series((SELECT 1), 100000000) FROM orders",
    "SELECT 1 + generate_series((SELECT 1), 100000000)",
])
def test_the_unbounded_forms_are_refused(sql: str) -> None:
    with pytest.raises(SqlRefused) as caught:
        vet(sql, POLICY)
    assert caught.value.rule == "resource"


def test_the_reader_role_carries_the_server_side_backstops(secure_db: SecureDatabase) -> None:
    """What no query written to nlq can change (temp_file_limit only a superuser can set): the limits hold for
    any connection as the role setup-role made, through nlq or not."""
    with _connect(secure_db.role_url) as connection:
        shown = {name: connection.execute(f"SHOW {name}").fetchone()[0]
                 for name in ("temp_file_limit", "work_mem", "statement_timeout", "default_transaction_read_only")}
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute("SET temp_file_limit = '-1'")
    assert shown == {"temp_file_limit": "256MB", "work_mem": "32MB", "statement_timeout": "30s",
                     "default_transaction_read_only": "on"}


@pytest.mark.parametrize("sql", [
    "SELECT replace(replace(name, ' Ltd', ''), '.', ' ') FROM customers",  # each match shrinks or keeps its size
    "SELECT regexp_replace(replace(name, '-', ' '), '\\s+', '', 'g') FROM customers",
    "WITH days AS (SELECT generate_series((SELECT min(order_date) FROM orders), (SELECT max(order_date) FROM orders), "
    "interval '1 day')::date AS day) SELECT days.day, count(o.order_id) FROM days LEFT JOIN orders o "
    "ON o.order_date = days.day GROUP BY days.day ORDER BY days.day",
    "SELECT count(*) FROM (SELECT generate_series((SELECT min(order_id) FROM orders), 100000000) AS n) s",
])
def test_harmless_forms_are_allowed_and_bounded(sql: str, secure_db: SecureDatabase) -> None:
    query = vet(sql, POLICY)
    assert vet(query.sql, POLICY).sql == query.sql, "what runs re-vets to itself"
    with _connect(secure_db.role_url) as connection:
        rows = connection.execute(query.sql).fetchall()
    assert rows
    if "100000000" in sql:
        assert rows == [(10_000,)]  # the series in a select list stops at the cap
