"""Safe by default (issue 15): columns that hold secrets are hidden from every question.

The proof is a differential one. Two databases hold the same data except the secrets (different values,
lengths, NULLs and order). Every statement of ``tests/corpus/secrets.jsonl`` (written before the fix) runs on
both through nlq's own path; had any of them learned anything about a secret, by reading it, filtering,
ordering, grouping or measuring it, or through an error, the two answers would differ. Run as the superuser,
so vetting alone protects. Real PostgreSQL and real SQLite.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import ProgrammingError

from nlq.engine import Engine, open_engine
from nlq.pipeline import run_sql
from nlq.roles import apply_role, plan_role, role_url
from nlq.secrecy import ColumnRules, secret_by_content, secret_by_name
from nlq.settings import load_settings
from tests.support.common import MODEL_ONLY
from tests.support.postgres import PostgresServer

SECRETS = [json.loads(line) for line in (Path(__file__).parent / "corpus" / "secrets.jsonl").read_text().splitlines()]

HIDDEN = {"password_hash", "api_token", "legacy_ref", "note"}


def _bcrypt(seed: str) -> str:
    return "$2b$12$" + (seed * 60)[:53]


def _staff_rows(twin: str) -> list[tuple]:
    """Same people in both twins; secrets that differ in value, length, NULLs and order."""
    rows = []
    for i in range(1, 31):
        secret = f"{twin}{i:02d}"
        token = None if (twin == "b" and i % 4 == 0) else ("tok_" + secret * (3 if twin == "a" else 5))
        rows.append((i, f"Person {i}", f"p{i}@example.com", _bcrypt(secret if twin == "a" else secret[::-1]), token,
                     _bcrypt("L" + secret), f"note {secret} " * (i % 3 + 1)))
    return rows


CREATE = ["CREATE TABLE staff (staff_id integer PRIMARY KEY, name text, email text, password_hash text, "
          "api_token text, legacy_ref text, note text)",
          "CREATE TABLE shifts (shift_id integer PRIMARY KEY, staff_id integer, hours integer)"]


def _fill(execute: object, twin: str, placeholder: str) -> None:
    for statement in CREATE:
        execute(statement)  # type: ignore[operator]
    marks = ", ".join([placeholder] * 7)
    for row in _staff_rows(twin):
        execute(f"INSERT INTO staff VALUES ({marks})", row)  # type: ignore[operator]
    for i in range(1, 61):
        execute(f"INSERT INTO shifts VALUES ({placeholder}, {placeholder}, {placeholder})",  # type: ignore[operator]
                (i, i % 30 + 1, i % 9))


def _secrets_of(twin: str) -> set[str]:
    return {value for row in _staff_rows(twin) for value in row[3:] if value}


@pytest.fixture(scope="module")
def pg_twins(postgres: PostgresServer) -> dict[str, str]:
    urls = {}
    for twin in ("a", "b"):
        url = postgres.create_database(f"twin_{twin}")
        engine = create_engine(url)
        with engine.begin() as connection:
            _fill(lambda sql, params=None: connection.exec_driver_sql(sql.replace("%s", "%s"), params or ()),
                  twin, "%s")
        engine.dispose()
        urls[twin] = url
    return urls


@pytest.fixture(scope="module")
def sqlite_twins(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    urls = {}
    for twin in ("a", "b"):
        path = tmp_path_factory.mktemp("twins") / f"twin_{twin}.sqlite"
        with sqlite3.connect(path) as connection:
            _fill(lambda sql, params=(), c=connection: c.execute(sql, params), twin, "?")
        urls[twin] = f"sqlite:///{path}"
    return urls


def _engines(urls: dict[str, str], tmp_path: Path, **extra: str) -> Iterator[dict[str, Engine]]:
    engines = {twin: open_engine(load_settings({"NLQ_DATABASE_URL": url, "NLQ_DATA_DIR": str(tmp_path / twin),
                                                "NLQ_EXCLUDE_COLUMNS": "staff.note", **MODEL_ONLY, **extra},
                                               secrets_path=None))
               for twin, url in urls.items()}
    yield engines
    for engine in engines.values():
        engine.close()


@pytest.fixture(params=["postgres", "sqlite"])
def twins(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Engine]]:
    urls = request.getfixturevalue("pg_twins" if request.param == "postgres" else "sqlite_twins")
    yield from _engines(urls, tmp_path)


def _outcome(engine: Engine, sql: str) -> tuple[str, str]:
    answer = run_sql(sql, engine)
    if answer.error is not None:
        return "error", answer.error.message
    assert answer.frame is not None
    return "rows", answer.frame.to_csv(index=False)


def test_every_secret_attack_learns_nothing(twins: dict[str, Engine]) -> None:
    leaks, refused = [], 0
    everything = _secrets_of("a") | _secrets_of("b")
    for item in SECRETS:
        first, second = _outcome(twins["a"], item["sql"]), _outcome(twins["b"], item["sql"])
        shown = first[1] + second[1]
        if first != second or any(secret in shown for secret in everything):
            leaks.append(item["id"])
        refused += first[0] == "error" and "refused" in first[1]
    assert not leaks, f"{len(leaks)} statements learned something about a hidden column: {leaks}"
    assert refused >= len(SECRETS) // 2  # the differential is not vacuous: most are refused outright


def test_the_hidden_columns_are_listed_with_their_reason_and_never_reach_the_prompt(
        twins: dict[str, Engine]) -> None:
    schema = twins["a"].schema()
    reasons = {(c.table, c.column): c.reason for c in schema.hidden_columns}
    assert reasons == {("staff", "password_hash"): "its name says it holds a secret",
                       ("staff", "api_token"): "its name says it holds a secret",
                       ("staff", "legacy_ref"): "its values look like password hashes",
                       ("staff", "note"): "named in NLQ_EXCLUDE_COLUMNS"}
    prompt = schema.render()
    assert not any(name in prompt for name in HIDDEN)
    assert [c.name for c in schema.table("staff").columns] == ["staff_id", "name", "email"]
    assert not any(value in str(twins["a"].values()) for value in _secrets_of("a"))


def test_select_star_expands_without_the_hidden_columns(twins: dict[str, Engine]) -> None:
    answer = run_sql("SELECT * FROM staff ORDER BY staff_id", twins["a"])
    assert answer.ok, answer.error
    assert list(answer.frame.columns) == ["staff_id", "name", "email"]
    assert len(answer.frame) == 30
    joined = run_sql("SELECT s.name, sum(h.hours) AS hours FROM staff s JOIN shifts h USING (staff_id) "
                     "GROUP BY s.name ORDER BY hours DESC", twins["a"])
    assert joined.ok and len(joined.frame) == 30


def test_the_owner_can_expose_a_column_on_purpose(pg_twins: dict[str, str], tmp_path: Path) -> None:
    for engines in _engines(pg_twins, tmp_path, NLQ_EXPOSE_COLUMNS="staff.api_token,*.note"):
        answer = run_sql("SELECT api_token FROM staff ORDER BY staff_id LIMIT 1", engines["a"])
        assert answer.ok and answer.frame.iloc[0, 0] == _staff_rows("a")[0][4]
        assert run_sql("SELECT note FROM staff", engines["a"]).error is not None  # exclusion wins over exposure
        assert run_sql("SELECT password_hash FROM staff", engines["a"]).error is not None


@pytest.mark.parametrize(("name", "secret"), [
    ("password", True), ("password_hash", True), ("userPassword", True), ("passwd", True), ("pwd", True),
    ("api_key", True), ("apiKey", True), ("APIKEY", True), ("auth_token", True), ("refreshToken", True),
    ("client_secret", True), ("salt", True), ("ssn", True), ("credit_card_number", True), ("cc_number", True),
    ("card_no", True), ("cvv", True), ("private_key", True), ("social_security_no", True), ("file_hash", True),
    ("secretary", False), ("hashtag", False), ("member_card", False), ("key", False), ("park_key", False),
    ("tokenizer_name", False), ("email", False), ("passenger", False), ("compass", False), ("pincode", False),
    ("card_type", False), ("sales", False), ("keyword", False),
])
def test_secret_names(name: str, secret: bool) -> None:
    assert (secret_by_name(name) is not None) is secret


@pytest.mark.parametrize(("values", "kind"), [
    ([_bcrypt(str(i)) for i in range(5)], "password hashes"),
    (["$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$abc" + str(i) for i in range(4)], "password hashes"),
    (["pbkdf2_sha256$600000$salt$hash" + str(i) for i in range(4)], "password hashes"),
    (["5f4dcc3b5aa765d61d8327deb882cf9" + str(i) for i in range(4)], "hex digests"),
    (["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc" + str(i) for i in range(4)], "access tokens"),
    (["sk_live_51HabcdefghijklmnopqrSTUV" + str(i) for i in range(4)], "access tokens"),
    (["AKIAIOSFODNN7EXAMPL" + c for c in "ABCD"], "access tokens"),
    (["123-45-678" + str(i) for i in range(4)], "social security numbers"),
    (["4111 1111 1111 1111", "5500-0000-0000-0004", "340000000000009", "6011000000000004"], "payment card numbers"),
    (["Europe", "Asia", "Americas", "Africa"], None),
    (["2024-01-01", "2024-02-01", "2024-03-01"], None),
    (["1234567890123", "1234567890124", "1234567890125", "1234567890126"], None),  # not Luhn-valid: ids
    (["a3f1c2e4-5b6d-4e8f-9a0b-1c2d3e4f5a6b", "b3f1c2e4-5b6d-4e8f-9a0b-1c2d3e4f5a6b",
      "c3f1c2e4-5b6d-4e8f-9a0b-1c2d3e4f5a6b"], None),  # UUIDs are identifiers, not secrets
    ([_bcrypt("x"), "plain", "text", "values", "here"], None),  # one hash among words: not the column's kind
    ([_bcrypt("1"), _bcrypt("2")], None),  # too few values to judge
])
def test_secret_content(values: list[str], kind: str | None) -> None:
    found = secret_by_content(values)
    assert found == (f"its values look like {kind}" if kind else None)


def test_owner_rules() -> None:
    rules = ColumnRules(exclude=("users.phone", "*.dob"), expose=("files.hash",))
    assert rules.hidden_reason("users", "phone") == "named in NLQ_EXCLUDE_COLUMNS"
    assert rules.hidden_reason("people", "DOB") == "named in NLQ_EXCLUDE_COLUMNS"
    assert rules.hidden_reason("customers", "phone") is None
    assert rules.hidden_reason("files", "hash") is None
    assert rules.hidden_reason("users", "hash") == "its name says it holds a secret"


def test_setup_role_grants_only_the_visible_columns(pg_twins: dict[str, str], tmp_path: Path) -> None:
    """The layer that holds if vetting fails: the reader role has no privilege on the hidden columns."""
    plan = plan_role(pg_twins["a"], "twin_reader", exclude=(), password="twin-password",
                     columns=ColumnRules(exclude=("staff.note",)))
    script = plan.script()
    assert 'GRANT SELECT ("staff_id", "name", "email") ON TABLE "public"."staff"' in script
    assert "-- Column staff.legacy_ref is not granted: its values look like password hashes." in script
    apply_role(pg_twins["a"], plan)
    url = role_url(pg_twins["a"], plan)
    raw = create_engine(url)
    try:
        with raw.connect() as connection, pytest.raises(ProgrammingError, match="permission denied"):
            connection.exec_driver_sql("SELECT password_hash FROM staff")
    finally:
        raw.dispose()
    engine = open_engine(load_settings({"NLQ_DATABASE_URL": url, "NLQ_DATA_DIR": str(tmp_path), **MODEL_ONLY},
                                       secrets_path=None))
    try:
        answer = run_sql("SELECT * FROM staff s JOIN shifts h USING (staff_id) ORDER BY shift_id", engine)
        assert answer.ok, answer.error
        assert "password_hash" not in answer.frame.columns and len(answer.frame) == 60
    finally:
        engine.close()
