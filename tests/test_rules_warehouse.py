"""A warehouse the way FoodMart keeps one (issue 13): facts split into a table per year, summary tables beside
them, a calendar table reached through ``time_id``, and dimension keys declared nowhere (``store_id`` leads
both ``store`` and ``store_ragged``). A question about one year reads that year's table; one over no year
asks which table; a summary is never read when the facts are there."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nlq.engine import Engine
from nlq.pipeline import ask
from tests.support.rules import rules_answer


@pytest.fixture
def warehouse(rules_on: Callable[[str], Engine]) -> Engine:
    return rules_on("""
        CREATE TABLE time_by_day (time_id INTEGER, the_date TIMESTAMP, the_year INTEGER);
        CREATE TABLE store (store_id INTEGER, store_name VARCHAR(30), store_country VARCHAR(30),
                            first_opened_date TIMESTAMP);
        CREATE TABLE store_ragged (store_id INTEGER, store_name VARCHAR(30), store_country VARCHAR(30));
        CREATE UNIQUE INDEX i_store_id ON store (store_id);
        CREATE UNIQUE INDEX i_store_ragged_id ON store_ragged (store_id);
        CREATE TABLE customer (customer_id INTEGER PRIMARY KEY, fullname VARCHAR(30));
        CREATE TABLE sales_fact_2023 (time_id INTEGER, store_id INTEGER, customer_id INTEGER, store_sales REAL,
                                      unit_sales REAL);
        CREATE TABLE sales_fact_2024 (time_id INTEGER, store_id INTEGER, customer_id INTEGER, store_sales REAL,
                                      unit_sales REAL);
        CREATE TABLE inventory_fact_2023 (time_id INTEGER, store_id INTEGER, warehouse_sales REAL);
        INSERT INTO customer VALUES (1, 'Ann');
        INSERT INTO inventory_fact_2023 VALUES (1, 1, 500);
        CREATE TABLE agg_sales_fact_2023 (time_id INTEGER, store_sales REAL, unit_sales REAL);
        INSERT INTO time_by_day VALUES (1, '2023-03-01 00:00:00', 2023), (2, '2024-05-01 00:00:00', 2024);
        INSERT INTO store VALUES (1, 'Store 1', 'USA', '1990-01-01 00:00:00'),
            (2, 'Store 2', 'Mexico', '1995-01-01 00:00:00');
        INSERT INTO store_ragged VALUES (1, 'Store 1', 'USA'), (2, 'Store 2', 'Mexico');
        INSERT INTO sales_fact_2023 VALUES (1, 1, 1, 10.5, 3), (1, 2, 1, 4.0, 1), (1, 1, 1, 2.0, 1);
        INSERT INTO sales_fact_2024 VALUES (2, 1, 1, 7.0, 2), (2, 2, 1, 1.0, 1);
        INSERT INTO agg_sales_fact_2023 VALUES (1, 99, 99);
    """)


@pytest.mark.parametrize(("question", "rows"), [
    ("store sales by store in 2023", {("Store 1", 12.5), ("Store 2", 4.0)}),
    ("unit sales by store country in 2024", {("USA", 2.0), ("Mexico", 1.0)}),
    ("unit sales in 2023", {(5.0,)}),
    # revenue is the money customers pay: not units, not a warehouse's transfers to its stores
    ("revenue by store in 2023", {("Store 1", 12.5), ("Store 2", 4.0)}),
    ("sales in 2023", {(16.5,)}),
])
def test_one_years_table_answers_for_that_year(warehouse: Engine, question: str, rows: set[tuple]) -> None:
    answer = rules_answer(question, warehouse)
    assert "agg_" not in answer.sql and "store_ragged" not in answer.sql
    assert set(answer.frame.itertuples(index=False, name=None)) == rows


def test_no_year_asks_which_table(warehouse: Engine) -> None:
    answer = ask("unit sales by store", warehouse, mode="rules")
    assert not answer.ok and answer.clarify is not None


COPIED = """
    CREATE TABLE department (department_id INTEGER PRIMARY KEY, department_description TEXT);
    CREATE TABLE employee (employee_id INTEGER PRIMARY KEY, full_name TEXT, position_title TEXT, salary REAL,
                           education_level TEXT, department_id INTEGER REFERENCES department(department_id));
    CREATE TABLE reserve_employee (employee_id INTEGER PRIMARY KEY, full_name TEXT, position_title TEXT,
                                   salary REAL, education_level TEXT, department_id INTEGER);
    INSERT INTO employee VALUES (1, 'Ann', 'Clerk', 10, 'College', 1), (2, 'Bo', 'Clerk', 20, 'College', 1),
        (3, 'Cy', 'Manager', 60, 'Graduate', 1);
    INSERT INTO reserve_employee VALUES (1, 'Di', 'Clerk', 99, 'College', 1);
    INSERT INTO department VALUES (1, 'HQ');
"""


@pytest.mark.parametrize(("question", "rows"), [
    ("average salary by position title", {("Clerk", 15), ("Manager", 60)}),
    ("employees by education level", {("College", 2), ("Graduate", 1)}),
])
def test_a_copy_of_a_table_does_not_make_its_names_ambiguous(rules_on: Callable[[str], Engine], question: str,
                                                              rows: set[tuple[str, float]]) -> None:
    """FoodMart's reserve_employee has employee's columns under employee's name plus a word: "Which salary do you
    mean: employee · salary / reserve employee · salary" was asked of every question about staff."""
    answer = rules_answer(question, rules_on(COPIED))
    assert set(answer.frame.itertuples(index=False, name=None)) == rows


def test_a_copy_is_still_reached_by_its_own_name(rules_on: Callable[[str], Engine]) -> None:
    engine = rules_on(COPIED)
    assert rules_answer("how many reserve employees are there", engine).frame.iloc[0, -1] == 1
    salary = ask("average salary of reserve employees", engine, mode="rules")  # never the employees' salary
    assert not salary.ok or salary.frame.iloc[0, -1] == 99


def test_a_lookup_table_named_by_its_description(rules_on: Callable[[str], Engine]) -> None:
    """FoodMart's department has only an id and department_description: "headcount by department" was handed
    over ("it is not clear which column of department names each row")."""
    answer = rules_answer("headcount by department", rules_on(COPIED))
    assert set(answer.frame.itertuples(index=False, name=None)) == {("HQ", 3)}
