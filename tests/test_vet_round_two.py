"""Vetting round two (issue 15), classes 5 and the usability list, written before the fixes: statements nested
past the parser's stack are refused with a reason (and never abort a batch), operators from other schemas are
refused wherever an operator is named, and ordinary analyst SQL that was refused is allowed."""

from __future__ import annotations

import pytest

from nlq.errors import SqlRefused, SqlSyntaxError
from nlq.vet import VetPolicy, vet

POLICY = VetPolicy.for_tables("postgres", ["orders", "customers", "pg_stats_daily"], max_rows=100)

NESTED = [
    "SELECT " + "NOT (" * 300 + "true" + ")" * 300,
    "SELECT " + " || ".join(["'a'"] * 3000),
    " UNION ALL ".join(["SELECT 1"] * 3000),
    "SELECT * FROM orders WHERE " + " OR ".join([f"order_id = {n}" for n in range(2000)]) + " AND " +
    "NOT (" * 150 + "true" + ")" * 150,
]


@pytest.mark.parametrize("sql", NESTED, ids=["not", "concat", "union", "mixed"])
def test_deep_nesting_is_refused_with_a_reason(sql: str) -> None:
    with pytest.raises((SqlRefused, SqlSyntaxError)) as caught:
        vet(sql, POLICY)
    assert "levels deep" in caught.value.message


def test_a_query_nested_as_analysts_write_it_is_allowed() -> None:
    sql = ("SELECT c.customer_id FROM customers c WHERE c.customer_id IN (SELECT o.customer_id FROM orders o "
           "WHERE o.order_id IN (SELECT order_id FROM orders WHERE NOT (order_id > 5 AND (order_id < 9 OR "
           "NOT (order_id = 7)))))")
    assert vet(sql, POLICY)


@pytest.mark.parametrize("sql", [
    "SELECT order_id FROM orders ORDER BY order_id USING OPERATOR(evil.<)",
    "SELECT order_id FROM orders WHERE order_id OPERATOR(evil.=) ANY(ARRAY[1, 2])",
    "SELECT order_id FROM orders WHERE order_id OPERATOR(public.=) ALL(ARRAY[1])",
])
def test_operators_of_other_schemas_are_refused_everywhere(sql: str) -> None:
    with pytest.raises(SqlRefused):
        vet(sql, POLICY)


@pytest.mark.parametrize("sql", [
    "SELECT make_interval(days => 45)",
    "SELECT order_id FROM orders WHERE CAST(order_id AS text) SIMILAR TO '1%'",
    "SELECT order_id FROM orders WHERE CAST(order_id AS text) LIKE '1!%' ESCAPE '!'",
    "SELECT date(now())",
    "SELECT count(*) FROM pg_stats_daily",
    "SELECT order_id FROM orders ORDER BY order_id USING <",
    "SELECT order_id FROM orders WHERE order_id = ANY(ARRAY[1, 2])",
])
def test_ordinary_analyst_sql_is_allowed(sql: str) -> None:
    assert vet(sql, POLICY)


def test_an_exposed_table_named_pg_is_read_under_its_own_schema() -> None:
    """pg_catalog is searched first: unqualified, "pg_class" would read the catalog even if public has one."""
    assert "public.pg_stats_daily" in vet("SELECT count(*) FROM pg_stats_daily", POLICY).sql
    exposed_clash = VetPolicy.for_tables("postgres", ["pg_class"], max_rows=10)
    assert "public.pg_class" in vet("SELECT relname FROM pg_class", exposed_clash).sql
    with pytest.raises(SqlRefused):
        vet("SELECT relname FROM pg_class", POLICY)


@pytest.mark.parametrize("sql", NESTED[:3], ids=["not", "concat", "union"])
def test_deep_nesting_is_refused_on_other_dialects_too(sql: str) -> None:
    """sqlglot parses recursively: past Python's stack the statement is refused, never a crash of the batch."""
    with pytest.raises((SqlRefused, SqlSyntaxError)):
        vet(sql, VetPolicy.for_tables("sqlite", ["orders"], max_rows=10))


@pytest.mark.parametrize("sql", [
    "SELECT * FROM generate_series('4713-01-01 BC'::timestamp, '2024-01-01'::timestamp, '1 day')",
    "SELECT * FROM generate_series('2024-01-01'::timestamp, '2024-12-31'::timestamp, '1 mon -29 days')",
    "SELECT * FROM generate_series('2024-01-01'::date, '2024-02-01'::date, '-1 day 2 days')",
    "SELECT * FROM generate_series('-infinity'::timestamp, '2024-01-01'::timestamp, '1 day')",
    "SELECT factorial(100000)",
])
def test_resource_attacks_through_literals_are_refused(sql: str) -> None:
    """Held-out corpus (issue 15, class 4): BC dates read as AD, a step of mixed signs that PostgreSQL walks
    day by day, and factorial made millions of rows or digits under a 10,000 cap."""
    with pytest.raises(SqlRefused):
        vet(sql, POLICY)


def test_a_calendar_of_a_year_stays_allowed() -> None:
    sql = "SELECT d::date FROM generate_series('2024-01-01'::timestamp, '2024-12-31'::timestamp, '1 day') AS d"
    assert vet(sql, POLICY)
