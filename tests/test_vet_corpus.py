"""The vetting layer against a corpus: hostile statements refused, tricky benign ones allowed and run.

Hostile statements are vetted with no database at all (vetting never touches one), so a refusal is
also proof that nothing reached the database. Benign ones then run on real PostgreSQL as the
least-privilege role that ``python -m nlq setup-role`` created.
"""

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlq.database import Database
from nlq.errors import SqlRefused, SqlSyntaxError
from nlq.execute import run_query
from nlq.vet import VetPolicy, vet
from tests.support.postgres import SecureDatabase

CORPUS = Path(__file__).parent / "corpus"
HOSTILE = [json.loads(line) for line in (CORPUS / "hostile.jsonl").read_text().splitlines()]
BENIGN = [json.loads(line) for line in (CORPUS / "benign.jsonl").read_text().splitlines()]
DEMO_TABLES = ("regions", "countries", "customers", "sales_reps", "product_categories", "products", "orders",
               "order_lines", "returns", "sales_targets")
POLICY = VetPolicy.for_tables("postgres", DEMO_TABLES, max_rows=1000)
EXPECTED_RULES = {
    "write": {"write", "not_a_query"},
    "write_in_cte": {"write"},
    "multiple_statements": {"multiple_statements"},
    "forbidden_table": {"forbidden_table", "unknown_table"},  # POLICY knows no hidden tables
    "locking_and_into": {"lock", "into"},
    "resource": {"resource"},
}


def test_corpus_is_big_enough() -> None:
    assert len(HOSTILE) >= 150
    assert len(BENIGN) >= 80
    assert len({item["id"] for item in HOSTILE + BENIGN}) == len(HOSTILE) + len(BENIGN)


@pytest.mark.parametrize("item", HOSTILE, ids=[item["id"] for item in HOSTILE])
def test_hostile_sql_is_refused(item: dict) -> None:
    with pytest.raises((SqlRefused, SqlSyntaxError)) as caught:
        vet(item["sql"], POLICY)
    expected = EXPECTED_RULES.get(item["category"])
    if expected and isinstance(caught.value, SqlRefused):
        assert caught.value.rule in expected, caught.value.message


@pytest.fixture(scope="module")
def as_reader(secure_db: SecureDatabase) -> Database:
    database = Database(secure_db.role_url)
    yield database
    database.dispose()


@pytest.mark.parametrize("item", BENIGN, ids=[item["id"] for item in BENIGN])
def test_benign_sql_is_allowed_and_runs_as_the_reader_role(item: dict, as_reader: Database) -> None:
    query = vet(item["sql"], POLICY)
    result = run_query(as_reader, query, max_rows=1000, limits=20)
    assert len(result.frame.columns) >= 1
    assert vet(query.sql, POLICY).sql == query.sql, "what runs re-vets to itself"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200) | st.sampled_from([i["sql"] for i in HOSTILE + BENIGN]).map(lambda s: s[: len(s) // 2]))
def test_vetting_never_crashes_on_arbitrary_text(text: str) -> None:
    for policy in (POLICY, VetPolicy.for_tables("sqlite", DEMO_TABLES, max_rows=1000)):
        with contextlib.suppress(SqlRefused, SqlSyntaxError):
            vet(text, policy)
