"""Durations asked in another unit than their column's (issue 13): "tracks longer than ten minutes" and "average
track length in minutes" were handed over ("minute" unknown, "the rules never convert units"). A column whose
name states its unit (``Milliseconds``, ``duration_seconds``) is converted; any other unit still hands over."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nlq.engine import Engine
from nlq.pipeline import ask
from nlq.rules.units import column_unit, factor
from tests.support.rules import rules_answer


@pytest.mark.parametrize(("name", "unit"), [
    ("Milliseconds", "millisecond"), ("duration_seconds", "second"), ("run_time_minutes", "minute"),
    ("length_ms", "millisecond"), ("hours", "hour"), ("minimum_stay", None), ("unit_price", None), ("ms_id", None),
])
def test_the_unit_a_column_name_states(name: str, unit: str | None) -> None:
    assert column_unit(name) == unit


def test_factors() -> None:
    assert factor("millisecond", "minute") == 60_000 and factor("second", "hour") == 3_600
    assert factor("minute", "minute") == 1 and factor("hour", "second") == 1 / 3600


def test_tracks_longer_than_a_number_of_minutes(chinook_rules: Engine) -> None:
    answer = rules_answer("How many tracks are longer than ten minutes?", chinook_rules)
    assert answer.frame.iloc[0, -1] == 260 and "600000" in (answer.sql or "")


def test_an_average_shown_in_minutes(chinook_rules: Engine) -> None:
    answer = rules_answer("average track length in minutes for each genre", chinook_rules)
    minutes = dict(answer.frame.itertuples(index=False, name=None))
    assert round(minutes["Jazz"], 2) == 4.86 and "minute" in answer.understood


@pytest.mark.parametrize("question", [
    "How many tracks are longer than 3 kg?",  # no such unit for a duration
    "invoices over 20 minutes",  # a total has no unit of time
])
def test_a_unit_the_column_cannot_hold_is_handed_over(chinook_rules: Engine, question: str) -> None:
    assert not ask(question, chinook_rules, mode="rules").ok


def test_a_column_without_a_stated_unit_is_not_converted(rules_on: Callable[[str], Engine]) -> None:
    engine = rules_on("CREATE TABLE calls (id INTEGER PRIMARY KEY, duration INTEGER); "
                      "INSERT INTO calls VALUES (1, 90), (2, 30);")
    assert not ask("How many calls are longer than 1 minute?", engine, mode="rules").ok


@pytest.mark.parametrize(("question", "count"), [
    ("How many tracks are priced at $1.99?", 213),
    ("number of tracks priced at 0.99", 3290),
])
def test_a_price_equal_to_a_number(chinook_rules: Engine, question: str, count: int) -> None:
    """"1.99" was an unknown word: "priced at" compares for equality."""
    assert rules_answer(question, chinook_rules).frame.iloc[0, -1] == count
