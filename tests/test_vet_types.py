"""Types and columns that read database internals (issue 15, class 2), written before the fix: casts to the
array types of the ``reg*`` family, ``reg*`` types in a column-definition list, ``aclitem``, a table's row
type, and the system columns. Types are now an allowlist checked wherever a type is named; ordinary casts an
analyst writes stay allowed."""

from __future__ import annotations

import pytest

from nlq.errors import SqlRefused
from nlq.vet import VetPolicy, vet

POLICY = VetPolicy.for_tables("postgres", ["orders", "customers"], max_rows=100, hidden=["app_users"])

HOSTILE = [
    ("SELECT '{orders}'::_regclass", "array of regclass"),
    ("SELECT ARRAY['orders']::regclass[]", "regclass array"),
    ("SELECT CAST('{1}' AS _regrole)", "array of regrole"),
    ("SELECT '{public}'::_regnamespace", "array of regnamespace"),
    ("SELECT '{now}'::_regproc", "array of regproc"),
    ("SELECT r.t FROM jsonb_to_record('{\"t\": \"orders\"}') AS r(t regclass)", "regclass in a column list"),
    ("SELECT r.t FROM jsonb_to_record('{\"t\": \"postgres\"}') AS r(t regrole)", "regrole in a column list"),
    ("SELECT '{}'::aclitem[]", "aclitem"),
    ("SELECT 'postgres=r/postgres'::aclitem", "aclitem"),
    ("SELECT jsonb_populate_record(NULL::app_users, '{}')", "an excluded table's row type"),
    ("SELECT jsonb_populate_record(NULL::orders, '{}')", "a table's row type"),
    ("SELECT CAST(NULL AS app_users)", "an excluded table's row type"),
    ("SELECT xmin FROM orders", "system column xmin"),
    ("SELECT o.ctid FROM orders o", "system column ctid"),
    ("SELECT tableoid FROM orders", "system column tableoid"),
    ("SELECT count(*) FROM orders WHERE xmax <> 0", "system column xmax"),
    ("SELECT cmin, cmax FROM orders", "system columns cmin, cmax"),
    ("SELECT 'x'::char(100000000)", "char padding of 100 MB"),
    ("SELECT 'x'::varchar(100000000) || repeat('y', 10)", "a huge varchar"),
    ("SELECT 1::pg_catalog.oid", "oid"),
    ("SELECT 'a'::txid_snapshot", "snapshot"),
    ("SELECT 'a'::\"regclass\"", "quoted regclass"),
]

BENIGN = [
    "SELECT order_id::text, CAST(order_id AS bigint), order_id::int4 FROM orders",
    "SELECT CAST('2024-01-01' AS date), '2024-01-01'::timestamp, '2024-01-01'::timestamptz, '1 day'::interval",
    "SELECT 1.5::numeric(10, 2), 1::double precision, 1::real, 1::smallint, true::boolean",
    "SELECT 'x'::varchar(20), 'x'::char(3), 'x'::character varying, '{}'::jsonb, '{}'::json",
    "SELECT '{1,2}'::int[], ARRAY[1, 2]::bigint[], '{a}'::text[]",
    "SELECT CAST('00000000-0000-0000-0000-000000000000' AS uuid), '10:00'::time",
    "SELECT r.a, r.b FROM jsonb_to_record('{\"a\": 1, \"b\": \"x\"}') AS r(a int, b text)",
    "SELECT DATE '2024-01-01', TIMESTAMP '2024-01-01 10:00', INTERVAL '2 days'",
]


@pytest.mark.parametrize(("sql", "what"), HOSTILE, ids=[h[1] + f" #{i}" for i, h in enumerate(HOSTILE)])
def test_internals_through_types_and_system_columns_are_refused(sql: str, what: str) -> None:
    with pytest.raises(SqlRefused):
        vet(sql, POLICY)


@pytest.mark.parametrize("sql", BENIGN)
def test_ordinary_casts_stay_allowed(sql: str) -> None:
    assert vet(sql, POLICY)
