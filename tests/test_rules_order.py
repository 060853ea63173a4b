"""The rules tier on questions about order and size (issue 13): the oldest or the latest rows, a number a
column must pass ("invoices over $20"), and a list in the order asked for. Each is checked against Chinook's
own rows; each shape that would need a guess (a count compared, a unit the column does not hold, a plural
superlative with no number) must be handed over instead."""

from __future__ import annotations

import pytest

from nlq.engine import Engine
from nlq.pipeline import ask
from tests.support.rules import rules_answer


@pytest.mark.parametrize(("question", "rows"), [
    ("Who is the oldest employee?", [("Margaret", "Park")]),
    ("Who is the youngest employee?", [("Jane", "Peacock")]),  # a person's age is their birth date
    ("the two oldest employees", [("Margaret", "Park"), ("Nancy", "Edwards")]),
    ("which employee was hired most recently", [("Laura", "Callahan")]),  # the verb says which date
    ("the earliest hired employee", [("Jane", "Peacock")]),
])
def test_the_oldest_and_the_latest_rows(chinook_rules: Engine, question: str, rows: list[tuple[str, str]]) -> None:
    answer = rules_answer(question, chinook_rules)
    assert [tuple(r[:2]) for r in answer.frame.itertuples(index=False, name=None)] == rows


@pytest.mark.parametrize(("question", "value"), [
    ("What is the earliest invoice date?", "2021-01-01"),
    ("When was the first invoice issued?", "2021-01-01"),
    ("when was the most recent invoice", "2025-12-22"),
])
def test_the_first_or_last_date_itself(chinook_rules: Engine, question: str, value: str) -> None:
    answer = rules_answer(question, chinook_rules)
    assert answer.frame.shape == (1, 1)
    assert str(answer.frame.iloc[0, 0]).startswith(value)


@pytest.mark.parametrize(("question", "understood", "value"), [
    ("How many tracks have a unit price of more than $1?", "number of tracks · unit price over 1", 213),
    ("number of invoices with a total above 20", "number of invoices · total over 20", 4),
    ("How many invoices over $20?", "number of invoices · total over 20", 4),  # the invoice's own money column
    ("how many tracks are longer than 300,000 milliseconds", "number of tracks · millisecond over 300000", 1069),
    ("total sales from invoices between 10 and 15", "total · total between 10 and 15", 727.81),
])
def test_a_number_a_column_must_pass(chinook_rules: Engine, question: str, understood: str, value: float) -> None:
    answer = rules_answer(question, chinook_rules, understood)
    assert answer.frame.iloc[0, -1] == pytest.approx(value)


def test_a_list_passing_a_number_holds_only_those_rows(chinook_rules: Engine) -> None:
    answer = rules_answer("list the invoices with a total of at least 23.86", chinook_rules)
    assert sorted(answer.frame["Total"].tolist()) == [23.86, 25.86]


@pytest.mark.parametrize(("question", "first"), [
    ("List the customers from Canada sorted by last name", ("Robert", "Brown")),
    ("customers in Canada ordered by last name descending", ("François", "Tremblay")),
    ("list the employees, newest hire first", ("Laura", "Callahan")),
    ("employees sorted by birth date, oldest first", ("Margaret", "Park")),
])
def test_a_list_in_the_order_asked_for(chinook_rules: Engine, question: str, first: tuple[str, str]) -> None:
    answer = ask(question, chinook_rules, mode="rules", choices=["Customer.Country"])
    assert answer.ok, answer.error
    assert tuple(answer.frame[["FirstName", "LastName"]].iloc[0]) == first


def test_a_grouping_from_lowest_to_highest(chinook_rules: Engine) -> None:
    answer = rules_answer("number of tracks by genre from lowest to highest", chinook_rules)
    counts = answer.frame.iloc[:, -1].tolist()
    assert counts == sorted(counts) and counts[0] < counts[-1]


@pytest.mark.parametrize("question", [
    "customers with more than 5 invoices",  # a count compared: not a column of the row
    "How many tracks are longer than ten kilometres?",  # not a unit of time (minutes convert: test_rules_units)
    "invoices over 20%",  # a share, not an amount
    "billing countries with a total over 20",  # a group's total, or any one invoice's?
    "Who are our oldest employees?",  # how many of them?
    "What is the oldest track?",  # a track has no date
    "the youngest invoice",  # only people are young
    "average total over 5",  # an average compared, or the invoices compared?
    "customers sorted by favourite colour",  # nothing of that name
])
def test_what_would_need_a_guess_is_handed_over(chinook_rules: Engine, question: str) -> None:
    answer = ask(question, chinook_rules, mode="rules")
    assert not answer.ok, (answer.understood, answer.sql)
