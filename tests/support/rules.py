"""Asking the rules tier alone, for the tests of what it understands."""

from __future__ import annotations

from collections.abc import Sequence

from nlq.answer import Answer
from nlq.engine import Engine
from nlq.pipeline import ask


def rules_answer(question: str, engine: Engine, understood: str | None = None, choices: Sequence[str] = ()) -> Answer:
    """The rules' answer, which must be one, read as ``understood`` when that is given."""
    answer = ask(question, engine, mode="rules", choices=list(choices))
    assert answer.ok, answer.error
    if understood is not None:
        assert answer.understood == understood
    return answer
