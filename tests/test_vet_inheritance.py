"""Exclusion follows what PostgreSQL reads (issue 15, class 3): an excluded partition or inheritance child is
read through its parent, and an excluded parent's rows are its children's. So excluding one excludes its whole
line (its ancestors and descendants; not its siblings), in the schema nlq reads (never sampled into a prompt,
never vetted as readable) and in setup-role's grants. Written before the fix, on a real PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from nlq.database import Database
from nlq.roles import plan_role
from nlq.schema import inspect_schema
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.pg


@pytest.fixture(scope="module")
def families(postgres: PostgresServer) -> str:
    url = postgres.create_database("families")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for statement in (
            "CREATE TABLE payments (id int, month int, amount numeric, note text) PARTITION BY LIST (month)",
            "CREATE TABLE payments_jan PARTITION OF payments FOR VALUES IN (1)",
            "CREATE TABLE payments_secret PARTITION OF payments FOR VALUES IN (13)",
            "INSERT INTO payments VALUES (1, 1, 10, 'ok'), (2, 13, 99, 'bonus for the CEO')",
            "CREATE TABLE accounts (id int, owner text)",
            "CREATE TABLE accounts_vip (perk text) INHERITS (accounts)",
            "INSERT INTO accounts_vip VALUES (7, 'the CEO', 'jet')",
            "CREATE TABLE staff (id int, name text)",
            "CREATE TABLE staff_contractors () INHERITS (staff)",
            "CREATE TABLE regions (id int, name text)",
        ):
            connection.exec_driver_sql(statement)
    engine.dispose()
    return url


def test_an_excluded_member_hides_its_whole_family(families: str) -> None:
    database = Database(families)
    try:
        schema = inspect_schema(database, ["payments_secret", "accounts_vip", "staff"])
    finally:
        database.dispose()
    readable = {table.name for table in schema.tables}
    assert {"payments", "accounts", "staff_contractors"} & readable == set()
    assert {"regions", "payments_jan"} <= readable  # a sibling holds none of the excluded rows
    assert {"payments", "payments_secret", "accounts", "accounts_vip", "staff", "staff_contractors"} <= set(
        schema.excluded)
    sampled = [value for table in schema.tables for column in table.columns for value in column.samples]
    assert not any("CEO" in str(value) for value in sampled)


def test_setup_role_grants_no_parent_of_an_excluded_child(families: str) -> None:
    plan = plan_role(families, "nlq_family_reader", exclude=["payments_secret", "accounts_vip"])
    assert "regions" in plan.tables and "staff" in plan.tables
    assert not {"payments", "payments_secret", "accounts", "accounts_vip"} & set(plan.tables)
