"""The parser differential (issue 15, class 1): vetting reads a statement as PostgreSQL does with
``standard_conforming_strings = on``; a server where it is off once read the same text as a subquery on an
excluded table. Every transaction nlq opens pins the setting, so the server reads what vetting read."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from nlq.database import Database, Limits
from nlq.execute import run_query
from nlq.vet import VetPolicy, vet
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.pg

# Read as standard SQL (vetting): two literals, 'x\' and '||(SELECT password FROM app_users)||'. Read with
# backslash escapes (the server with standard_conforming_strings off): one literal 'x'', ' then a subquery
# on the excluded table, then the literal ''.
TWO_LITERALS = "SELECT 'x\\' AS a, '||(SELECT password FROM app_users LIMIT 1)||' AS b"


@pytest.fixture(scope="module")
def old_style_database(postgres: PostgresServer) -> str:
    """A database set as old installations are: backslashes in plain literals are escapes."""
    url = postgres.create_database("old_style")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("ALTER DATABASE old_style SET standard_conforming_strings = off")
        connection.exec_driver_sql("CREATE TABLE regions (region_id int, name text)")
        connection.exec_driver_sql("INSERT INTO regions VALUES (1, 'North')")
        connection.exec_driver_sql("CREATE TABLE app_users (email text, password text)")
        connection.exec_driver_sql("INSERT INTO app_users VALUES ('ceo@example.com', 'hunter2')")
    engine.dispose()
    return url


def test_the_server_reads_the_literals_vetting_read(old_style_database: str) -> None:
    query = vet(TWO_LITERALS, VetPolicy.for_tables("postgres", ["regions"], max_rows=10, hidden=["app_users"]))
    database = Database(old_style_database)
    try:
        result = run_query(database, query, max_rows=10, limits=Limits(statement_s=5))
    finally:
        database.dispose()
    values = [str(v) for v in result.frame.iloc[0].tolist()]
    assert values == ["x\\", "||(SELECT password FROM app_users LIMIT 1)||"]
    assert not any("hunter2" in v for v in values)


def test_a_regular_expression_with_backslashes_means_the_same(old_style_database: str) -> None:
    """Analysts write backslashes in patterns: allowed, and read as written whatever the server's setting."""
    sql = "SELECT name FROM regions WHERE name ~ '^\\w+$'"
    query = vet(sql, VetPolicy.for_tables("postgres", ["regions"], max_rows=10))
    database = Database(old_style_database)
    try:
        result = run_query(database, query, max_rows=10, limits=Limits(statement_s=5))
    finally:
        database.dispose()
    assert result.frame.iloc[:, 0].tolist() == ["North"]


def test_the_sql_nlq_shows_reads_the_same_on_an_old_style_server(old_style_database: str) -> None:
    """The SQL shown (and copied by analysts into their own tools) writes backslashes as escape strings: the
    same values outside nlq's transactions, where nothing pins the setting."""
    query = vet(TWO_LITERALS, VetPolicy.for_tables("postgres", ["regions"], max_rows=10, hidden=["app_users"]))
    engine = create_engine(old_style_database)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW standard_conforming_strings").scalar() == "off"
        row = connection.exec_driver_sql(query.sql).one()
    engine.dispose()
    assert list(row) == ["x\\", "||(SELECT password FROM app_users LIMIT 1)||"]
