"""Who reports to whom (issue 13): a key pointing at its own table, reached through the words of its name
("ReportsTo": "A reports to B"; "manager_id": "B manages A", "A's manager"), with the side asked for read
from where the named person stands. "which employees report to Andrew Adams" was once answered with Adams's
own row; each of these failed before the self-reference was understood."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nlq.engine import Engine
from nlq.pipeline import ask
from tests.support.rules import rules_answer


@pytest.fixture
def company(rules_on: Callable[[str], Engine]) -> Engine:
    """Oracle HR's shape: a manager_id naming the one above."""
    return rules_on("""
        CREATE TABLE employees (employee_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
                                manager_id INTEGER REFERENCES employees(employee_id));
        INSERT INTO employees VALUES (100, 'Steven', 'King', NULL), (101, 'Neena', 'Kochhar', 100),
            (102, 'Lex', 'De Haan', 100), (103, 'Alexander', 'Hunold', 102);
    """)


def _names(engine: Engine, question: str, first: str, last: str) -> set[tuple[str, str]]:
    answer = rules_answer(question, engine)
    return set(answer.frame[[first, last]].itertuples(index=False, name=None))


@pytest.mark.parametrize(("question", "names"), [
    ("Who reports to Nancy Edwards?", {("Jane", "Peacock"), ("Margaret", "Park"), ("Steve", "Johnson")}),
    ("which employees report to Andrew Adams", {("Nancy", "Edwards"), ("Michael", "Mitchell")}),
    ("Who does Jane Peacock report to?", {("Nancy", "Edwards")}),
])
def test_who_reports_to_whom_on_chinook(chinook_rules: Engine, question: str, names: set[tuple[str, str]]) -> None:
    assert _names(chinook_rules, question, "FirstName", "LastName") == names


def test_counting_the_people_below_someone(chinook_rules: Engine) -> None:
    answer = rules_answer("How many employees report to Michael Mitchell?", chinook_rules,
                          "number of employees · reports to Michael Mitchell")
    assert answer.frame.iloc[0, 0] == 2


@pytest.mark.parametrize(("question", "names"), [
    ("employees managed by Steven King", {("Neena", "Kochhar"), ("Lex", "De Haan")}),
    ("who manages Alexander Hunold", {("Lex", "De Haan")}),
    ("Who is Neena Kochhar's manager?", {("Steven", "King")}),
    ("the manager of Lex De Haan", {("Steven", "King")}),
    ("Who does Lex De Haan manage?", {("Alexander", "Hunold")}),
])
def test_a_manager_key(company: Engine, question: str, names: set[tuple[str, str]]) -> None:
    assert _names(company, question, "first_name", "last_name") == names


@pytest.mark.parametrize("question", [
    "who reports to",  # nobody named
    "Who reports to Nancy Edwards by country?",  # grouped
    "Jane Peacock reports to Nancy Edwards",  # people on both sides
    "Who is Jane Peacock's mentor?",  # a role the key does not say (her manager it does: test_rules_wording)
])
def test_what_it_cannot_place_is_handed_over(chinook_rules: Engine, question: str) -> None:
    answer = ask(question, chinook_rules, mode="rules")
    assert not answer.ok, (answer.understood, answer.sql)


@pytest.mark.parametrize("question", [
    "Who reports directly to Ann Boss?",  # held-out: a manager key is reported to, as a reports_to key is
    "which employees report to Ann Boss",
])
def test_reporting_to_the_one_a_manager_key_names(rules_on: Callable[[str], Engine], question: str) -> None:
    engine = rules_on("""
        CREATE TABLE employee (employee_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
                               supervisor_id INTEGER REFERENCES employee (employee_id));
        INSERT INTO employee VALUES (1, 'Ann', 'Boss', NULL), (2, 'Bo', 'Wu', 1), (3, 'Cy', 'Ng', 1),
            (4, 'Di', 'Li', 2);
    """)
    answer = rules_answer(question, engine)
    assert sorted(answer.frame["first_name"]) == ["Bo", "Cy"]


@pytest.fixture
def undeclared(rules_on: Callable[[str], Engine]) -> Engine:
    """FoodMart's shape: no key declared at all, a supervisor_id beside the person's own employee_id, and a
    badge_id that points nowhere (no table owns it, and a badge is not a role)."""
    return rules_on("""
        CREATE TABLE employee (employee_id INTEGER, full_name TEXT, first_name TEXT, last_name TEXT,
                               store_id INTEGER, supervisor_id INTEGER, badge_id INTEGER);
        CREATE TABLE store (store_id INTEGER, store_name TEXT);
        INSERT INTO store VALUES (1, 'HQ');
        INSERT INTO employee VALUES (1, 'Sheri Nowmer', 'Sheri', 'Nowmer', 1, 0, 7),
            (2, 'Derrick Whelply', 'Derrick', 'Whelply', 1, 1, 8), (4, 'Michael Spence', 'Michael', 'Spence', 1, 1, 9),
            (5, 'Maya Gutierrez', 'Maya', 'Gutierrez', 1, 2, 1);
    """)


@pytest.mark.parametrize(("question", "names"), [
    ("Who reports directly to Sheri Nowmer?", {("Derrick", "Whelply"), ("Michael", "Spence")}),
    ("Who is Maya Gutierrez's supervisor?", {("Derrick", "Whelply")}),
])
def test_a_supervisor_key_nobody_declared(undeclared: Engine, question: str, names: set[tuple[str, str]]) -> None:
    """These were handed over ("report" unknown): FoodMart declares no keys, so the self-reference is inferred from
    a person table's ``<role>_id`` that no other table owns."""
    assert _names(undeclared, question, "first_name", "last_name") == names


def test_a_key_that_names_no_role_is_no_hierarchy(undeclared: Engine) -> None:
    assert not ask("Who badges Sheri Nowmer?", undeclared, mode="rules").ok
