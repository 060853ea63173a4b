import pytest

from nlq.errors import SqlRefused, SqlSyntaxError
from nlq.vet import vet

ALLOWED = [
    "SELECT 1",
    "select name from regions;",
    "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
    "SELECT * FROM (SELECT 1) AS s UNION SELECT 2",
    "SELECT region, SUM(amount) FROM sales GROUP BY region ORDER BY 2 DESC LIMIT 5",
    "VALUES (1), (2)",
    "SELECT 'DROP TABLE x; --' AS harmless_text",
]
REFUSED = [
    "SELECT 1; SELECT 2",
    "SELECT 1; DROP TABLE regions",
    "DROP TABLE regions",
    "DELETE FROM regions",
    "UPDATE regions SET name = 'x'",
    "INSERT INTO regions VALUES (9, 'x')",
    "WITH gone AS (DELETE FROM regions RETURNING *) SELECT * FROM gone",
    "SELECT * INTO copy_of_regions FROM regions",
    "SELECT * FROM regions FOR UPDATE",
    "SELECT * FROM (SELECT * FROM regions FOR SHARE) AS s",
    "CREATE TABLE t (a INT)",
    "ALTER TABLE regions ADD COLUMN x INT",
    "TRUNCATE regions",
    "COMMIT",
    "BEGIN",
    "SET statement_timeout = 0",
    "COPY regions TO STDOUT",
    "EXPLAIN SELECT 1",
    "GRANT SELECT ON regions TO public",
]


@pytest.mark.parametrize("sql", ALLOWED)
@pytest.mark.parametrize("dialect", ["postgres", "sqlite"])
def test_read_only_queries_pass_and_render_back(sql: str, dialect: str) -> None:
    query = vet(sql, dialect)
    assert query.sql
    assert vet(query.sql, dialect).sql == query.sql  # what runs re-vets to itself


@pytest.mark.parametrize("sql", REFUSED)
def test_anything_but_one_read_only_query_is_refused(sql: str) -> None:
    with pytest.raises(SqlRefused) as caught:
        vet(sql, "postgres")
    assert "refused" in caught.value.message
    assert caught.value.sql == sql


@pytest.mark.parametrize("sql", ["SELEC name FROM regions", "SELECT (1", "SELECT * FROM WHERE", "   "])
def test_unparseable_sql_is_refused_with_position(sql: str) -> None:
    with pytest.raises(SqlSyntaxError) as caught:
        vet(sql, "postgres")
    assert caught.value.kind == "sql_syntax"
    assert "<Token" not in caught.value.message
