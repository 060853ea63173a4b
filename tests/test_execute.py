from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.exc import DBAPIError

from nlq.database import Database
from nlq.engine import Engine
from nlq.errors import DatabaseUnreachable, QueryFailed, QueryTimeout, QueryTooExpensive
from nlq.execute import run_query
from nlq.pipeline import run_sql
from nlq.vet import VetPolicy, vet

SLOW = "SELECT COUNT(*) FROM order_lines a, order_lines b, order_lines c"
DEMO_TABLES = ("regions", "countries", "customers", "sales_reps", "product_categories", "products", "orders",
               "order_lines", "returns", "sales_targets")


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, demo_dir: Path) -> Database:
    if request.param == "sqlite":
        db = Database(f"sqlite:///{demo_dir / 'demo.sqlite'}")
    else:
        db = Database(request.getfixturevalue("pg_demo_url"))
    yield db
    db.dispose()


def _run(database: Database, sql: str, max_rows: int = 100, timeout_s: float = 10, max_cost: float = 0):
    policy = VetPolicy.for_tables(database.sqlglot_dialect, DEMO_TABLES, max_rows=max_rows)
    return run_query(database, vet(sql, policy), max_rows, timeout_s, max_cost)


def test_rows_are_capped_and_the_total_counted(database: Database) -> None:
    result = _run(database, "SELECT * FROM order_lines", max_rows=100)
    assert len(result.frame) == 100
    assert result.truncated
    assert result.total_rows == _run(database, "SELECT COUNT(*) AS n FROM order_lines").frame["n"][0]


def test_a_result_exactly_at_the_cap_is_not_truncated(database: Database) -> None:
    result = _run(database, "SELECT name FROM regions", max_rows=5)
    assert len(result.frame) == 5 and not result.truncated and result.total_rows == 5


def test_postgres_refuses_runaway_plans_before_running_them(pg_demo_url: str) -> None:
    database = Database(pg_demo_url)
    with pytest.raises(QueryTooExpensive) as caught:
        _run(database, SLOW, max_cost=1_000_000)
    assert "NLQ_MAX_COST" in caught.value.hint
    assert _run(database, "SELECT count(*) AS n FROM orders", max_cost=1_000_000).frame["n"][0] > 0
    database.dispose()


def test_small_results_are_not_truncated(database: Database) -> None:
    result = _run(database, "SELECT name FROM regions ORDER BY name", max_rows=5)
    assert not result.truncated
    assert result.total_rows == 5
    assert next(iter(result.frame["name"])) == "Asia Pacific"


def test_money_comes_back_as_plain_numbers(database: Database) -> None:
    frame = _run(database, "SELECT SUM(unit_price) AS total FROM order_lines").frame
    assert frame["total"].dtype.kind == "f"


def test_percent_and_colon_literals_reach_the_database_unchanged(database: Database) -> None:
    frame = _run(database, "SELECT 'a%b' AS p, ' :x' AS c, name FROM regions WHERE name LIKE '%ope%'").frame
    assert list(frame.iloc[0]) == ["a%b", " :x", "Europe"]


def test_repeated_column_names_are_numbered(database: Database) -> None:
    frame = _run(database, "SELECT r.name, c.name FROM regions r JOIN countries c ON c.region_id = r.region_id")
    assert list(frame.frame.columns) == ["name", "name_2"]


def test_database_errors_carry_the_database_message_and_sql(database: Database) -> None:
    with pytest.raises(QueryFailed) as caught:
        _run(database, "SELECT no_such_column FROM regions")
    assert "no_such_column" in caught.value.message
    assert "no_such_column" in caught.value.sql


def test_slow_queries_are_stopped_at_the_timeout(database: Database) -> None:
    with pytest.raises(QueryTimeout) as caught:
        _run(database, SLOW, timeout_s=0.5)
    assert "0.5 seconds" in caught.value.message


def test_the_connection_itself_refuses_writes(database: Database) -> None:
    """Behind vetting, the connection is read-only: a write that slipped through would still fail."""
    with pytest.raises(DBAPIError) as caught, database.read_only(5) as connection:
        connection.exec_driver_sql("CREATE TABLE intruder (a INTEGER)")
    assert "read" in str(caught.value).lower()


def test_missing_sqlite_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnreachable, match="does not exist"):
        Database(f"sqlite:///{tmp_path / 'nope.sqlite'}")


def test_unreachable_server_is_a_clear_error() -> None:
    database = Database("postgresql://nobody@127.0.0.1:9/none?connect_timeout=2")
    with pytest.raises(DatabaseUnreachable) as caught:
        _run(database, "SELECT 1")
    assert "NLQ_DATABASE_URL" in caught.value.hint


def test_a_capped_values_query_still_counts_its_rows(make_engine: Callable[..., Engine]) -> None:
    """Found by mypy: counting the rows of a bare VALUES query used to crash (sqlglot's Values has no
    .subquery()), so its answer lost the "first N of M rows" line."""
    answer = run_sql("VALUES (1), (2), (3)", make_engine(NLQ_MAX_ROWS="2"))
    assert answer.ok, answer.error
    assert answer.truncated and answer.row_count == 2 and answer.total_rows == 3
