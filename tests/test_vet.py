"""Vetting rules on both paths (pglast for PostgreSQL, sqlglot for SQLite), table-driven."""

import pytest

from nlq.errors import SqlRefused, SqlSyntaxError
from nlq.vet import VetPolicy, vet

TABLES = ("regions", "countries", "orders")
DIALECTS = ["postgres", "sqlite"]

ALLOWED = [
    "SELECT 1",
    "select name from regions;",
    "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
    "SELECT * FROM (SELECT 1) AS s UNION SELECT 2",
    "SELECT name, count(*) FROM regions GROUP BY name ORDER BY 2 DESC LIMIT 5",
    "SELECT 'DROP TABLE x; --' AS harmless_text",
    "WITH orders AS (SELECT * FROM orders WHERE status = 'x') SELECT count(*) FROM orders",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r",
]
REFUSED = [
    ("SELECT 1; SELECT 2", "multiple_statements"),
    ("DELETE FROM regions", "write"),
    ("WITH gone AS (DELETE FROM regions RETURNING *) SELECT * FROM gone", "write"),
    ("SELECT * INTO copy_of_regions FROM regions", "into"),
    ("SELECT * FROM regions FOR UPDATE", "lock"),
    ("SELECT * FROM app_users", "forbidden_table"),
    ("SELECT * FROM no_such_table", "unknown_table"),
    ("WITH regions AS (SELECT * FROM app_users) SELECT * FROM regions", "forbidden_table"),
    ("WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a", "unknown_table"),
    ("SELECT * FROM sqlite_master", "forbidden_table"),
    ("SELECT * FROM pg_catalog.pg_class", "forbidden_table"),
    ("SELECT load_extension('x')", "forbidden_function"),
    ("SELECT pg_sleep(1)", "forbidden_function"),
    ("SELECT count(*) FROM generate_series(1, 100000)", "resource"),
    ("SELECT repeat('x', 100000000)", "resource"),
    ("SELECT repeat(repeat('x', 10000), 10000)", "resource"),
    ("SELECT lpad('x', 10000, repeat('y', 10000))", "resource"),
    ("SELECT format('%100000000s', 'x')", "resource"),
    ("SELECT format('%*s', 100000000, 'x')", "resource"),
]
FORMATS_ALLOWED = ["SELECT format('%s-%s', name, 1) FROM regions", "SELECT format('%-10s|', name) FROM regions",
                   "SELECT format('%1$s %1$s %%', name) FROM regions"]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("sql", FORMATS_ALLOWED)
def test_ordinary_format_templates_pass(sql: str, dialect: str) -> None:
    assert vet(sql, VetPolicy.for_tables(dialect, TABLES))


@pytest.mark.parametrize(("sql", "allowed"), [("SELECT printf('%.2f', 1.234)", True),
                                              ("SELECT printf('%100000000d', 1)", False),
                                              ("SELECT printf('%.*c', 100000000, 'x')", False)])
def test_sqlite_printf_widths_are_bounded(sql: str, allowed: bool) -> None:
    policy = VetPolicy.for_tables("sqlite", TABLES)
    if allowed:
        assert vet(sql, policy)
    else:
        with pytest.raises(SqlRefused, match="width or precision"):
            vet(sql, policy)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("sql", ALLOWED)
def test_read_only_queries_pass_and_render_back(sql: str, dialect: str) -> None:
    policy = VetPolicy.for_tables(dialect, TABLES, max_rows=100)
    query = vet(sql, policy)
    assert vet(query.sql, policy).sql == query.sql  # what runs re-vets to itself


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(("sql", "rule"), REFUSED)
def test_refusals_name_their_rule(sql: str, rule: str, dialect: str) -> None:
    with pytest.raises(SqlRefused) as caught:
        vet(sql, VetPolicy.for_tables(dialect, TABLES, hidden=["app_users"]))
    assert caught.value.rule == rule
    assert caught.value.message.startswith("nlq refused to run this SQL: ")
    assert caught.value.sql == sql


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("sql", ["SELEC name FROM regions", "SELECT (1", "SELECT * FROM WHERE", "   "])
def test_unparseable_sql_is_refused(sql: str, dialect: str) -> None:
    with pytest.raises(SqlSyntaxError) as caught:
        vet(sql, VetPolicy.for_tables(dialect, TABLES))
    assert "<Token" not in caught.value.message


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(("sql", "limit", "limited"), [
    ("SELECT name FROM regions", "LIMIT 100", True),
    ("SELECT name FROM regions LIMIT 5", "LIMIT 5", False),
    ("SELECT name FROM regions LIMIT 5000", "LIMIT 100", True),
    ("SELECT name FROM regions UNION SELECT name FROM countries", "LIMIT 100", True),
])
def test_row_cap_is_edited_into_the_tree(sql: str, limit: str, limited: bool, dialect: str) -> None:
    query = vet(sql, VetPolicy.for_tables(dialect, TABLES, max_rows=100))
    assert " ".join(query.sql.split()).endswith(limit)
    assert query.limited is limited
    if limited:
        assert "count" in query.count_sql().lower() and "100" not in query.count_sql()


@pytest.mark.parametrize("dialect", DIALECTS)
def test_non_literal_limit_is_capped_from_outside(dialect: str) -> None:
    query = vet("SELECT name FROM regions LIMIT (SELECT 3)", VetPolicy.for_tables(dialect, TABLES, max_rows=100))
    assert "nlq_capped" in query.sql and query.limited


def test_postgres_names_are_matched_after_decoding() -> None:
    policy = VetPolicy.for_tables("postgres", TABLES)
    for spelling in ('"pg_sleep"(1)', "PG_SLEEP(1)", 'U&"\\0070g_sleep"(1)', "pg_catalog.pg_sleep(1)"):
        with pytest.raises(SqlRefused, match="pg_sleep"):
            vet("SELECT " + spelling, policy)
    assert vet("SELECT pg_catalog.lower(name) FROM regions", policy).tables == {"regions"}


def test_schema_qualified_tables_must_be_in_the_exposed_schema() -> None:
    policy = VetPolicy.for_tables("postgres", TABLES, schemas=["public"])
    assert vet("SELECT * FROM public.regions", policy)
    with pytest.raises(SqlRefused):
        vet("SELECT * FROM secret.regions", policy)
