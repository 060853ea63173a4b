"""Dates as a database may keep them and as people say them (issue 13): days stored as numbers (Murder
Mystery's ``20180115``) and spans of days or months ("between March 1 and March 31, 2018"). A number column
is only read as a date when its values are dates; "date" columns holding anything else are handed over."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nlq.engine import Engine
from nlq.pipeline import ask
from tests.support.rules import rules_answer


@pytest.fixture
def city_reports(rules_on: Callable[[str], Engine]) -> Engine:
    return rules_on("""
        CREATE TABLE crime_scene_report (date INTEGER, type TEXT, city TEXT, description TEXT);
        INSERT INTO crime_scene_report VALUES (20171231, 'robbery', 'SQL City', 'a'),
            (20180115, 'arson', 'SQL City', 'b'), (20180301, 'robbery', 'Murfreesboro', 'c'),
            (20180331, 'robbery', 'SQL City', 'd'), (20180401, 'robbery', 'SQL City', 'e');
        CREATE TABLE ticket (ticket_id INTEGER PRIMARY KEY, issue_date INTEGER, fine INTEGER);
        INSERT INTO ticket VALUES (1, 1514764800, 50), (2, 1522540800, 70);
    """)


@pytest.mark.parametrize(("question", "value"), [
    ("How many robberies were reported between March 1 and March 31, 2018?", 2),
    ("how many crime reports in 2018", 4),
    ("How many arsons were there on January 15, 2018?", 1),
    ("When was the earliest crime report filed?", 20171231),
    ("number of crime scene reports from January to March 2018", 3),
])
def test_days_kept_as_numbers(city_reports: Engine, question: str, value: int) -> None:
    answer = rules_answer(question, city_reports)
    assert answer.frame.iloc[0, -1] == value


def test_a_number_that_is_no_date_is_not_read_as_one(city_reports: Engine) -> None:
    """Seconds since 1970 in a column called issue_date: not a day the rules can compare with."""
    answer = ask("How many tickets were issued in 2018?", city_reports, mode="rules")
    assert not answer.ok, answer.sql


def test_a_span_of_days_on_real_dates(chinook_rules: Engine) -> None:
    answer = rules_answer("number of invoices between March 1 and March 31, 2024", chinook_rules,
                          "number of invoices · from 2024-03-01 to 2024-03-31")
    assert "'2024-03-01'" in answer.sql and "'2024-04-01'" in answer.sql


@pytest.mark.parametrize(("question", "value"), [
    ("how many arsons happened in SQL City in 2018", 1),  # two values of one table; "happened" only says so
    ("how many robberies in Murfreesboro", 1),
])
def test_counting_the_rows_of_several_values(city_reports: Engine, question: str, value: int) -> None:
    answer = rules_answer(question, city_reports)
    assert answer.frame.iloc[0, -1] == value


@pytest.mark.parametrize(("question", "understood", "count"), [
    ("invoices after 2024", "list of invoices · after 2024", 80),  # from the next year on
    ("number of invoices before March 2021", "number of invoices · before March 2021", 13),
    ("number of invoices until 2021", "number of invoices · until 2021", 83),
    ("number of invoices since January 9, 2025", "number of invoices · since 2025-01-09", 78),
])
def test_periods_open_at_one_end(chinook_rules: Engine, question: str, understood: str, count: int) -> None:
    answer = rules_answer(question, chinook_rules, understood)
    assert len(answer.frame) == count or answer.frame.iloc[0, -1] == count


@pytest.mark.parametrize(("question", "understood", "first"), [
    ("In which month of 2023 did we have the highest sales?", "total · by month · in 2023 · top 1", "2023-"),
    ("Which single day in 2023 brought in the most sales?", "total · by day · in 2023 · top 1", "2023-"),
    ("which year had the most invoices", "number of invoices · by year · top 1", None),
    ("Sales month by month during 2023", "total · by month · in 2023", "2023-01"),
])
def test_periods_asked_for_by_which(chinook_rules: Engine, question: str, understood: str,
                                    first: str | None) -> None:
    """Held-out wording: a period after "which" is what is ranked, and "month by month" groups by month."""
    answer = rules_answer(question, chinook_rules, understood)
    assert first is None or str(answer.frame.iloc[0, 0]).startswith(first)


YEAR_PARTS = """
    CREATE TABLE regions (region_id INTEGER PRIMARY KEY, region_name TEXT);
    CREATE TABLE sales_targets (target_id INTEGER PRIMARY KEY, region_id INTEGER NOT NULL REFERENCES regions(region_id),
                                year INTEGER NOT NULL, quarter INTEGER NOT NULL, target_amount NUMERIC NOT NULL);
    CREATE TABLE teams (yearID INTEGER, teamID TEXT, name TEXT, attendance INTEGER);
    INSERT INTO regions VALUES (1, 'Europe'), (2, 'Asia');
    INSERT INTO sales_targets VALUES (1, 1, 2024, 3, 100), (2, 1, 2024, 4, 200), (3, 2, 2024, 4, 50),
        (4, 1, 2025, 1, 400);
    INSERT INTO teams VALUES (2019, 'BOS', 'Boston Red Sox', 1000), (2019, 'NYA', 'New York Yankees', 2000),
        (2018, 'BOS', 'Boston Red Sox', 900);
"""


@pytest.mark.parametrize(("question", "value"), [
    ("What was Europe's sales target for the fourth quarter of 2024?", 200),  # year = 2024 AND quarter = 4
    ("total sales target for 2024", 350),
    ("What was total attendance across all teams in 2019?", 3000),  # Lahman's yearID
])
def test_a_period_of_a_table_kept_by_year_and_quarter(rules_on: Callable[[str], Engine], question: str,
                                                     value: int) -> None:
    """"it cannot tell which date of sales_targets the question means": a table with no date but an integer year
    (and quarter) column is filtered on those."""
    assert rules_answer(question, rules_on(YEAR_PARTS)).frame.iloc[0, -1] == value


@pytest.mark.parametrize("question", [
    "total sales target in March 2024",  # a month of a table kept by quarter
    "total attendance on 5 May 2019",  # a day
])
def test_a_period_finer_than_the_parts_is_handed_over(rules_on: Callable[[str], Engine], question: str) -> None:
    assert not ask(question, rules_on(YEAR_PARTS), mode="rules").ok
