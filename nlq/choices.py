"""Asking back: when the rules find two or three plausible readings, the user picks one instead of nlq guessing.

A reading is named by the column it settles on (``customer.country``), so a choice is one plain string: the
chat remembers the ones made for the rest of the conversation, the CLI takes them as ``--choose``, and an
owner can make them the default with the semantic model's ``prefer`` list. Each reading offered is compiled
in full before it is offered, so a click answers at once; deterministic, no model.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from nlq.errors import ErrorKind, NlqError

MAX_READINGS = 3  # more readings than this is not a choice to offer but a question to rephrase


@dataclass(frozen=True)
class Reading:
    value: str  # what choosing it means: the column ("customer.country") the question is read with
    label: str  # in words: "customer country"
    understood: str = ""  # the whole question as read this way
    sql: str = ""


@dataclass(frozen=True)
class Clarification:
    prompt: str  # "“country” could mean"
    readings: tuple[Reading, ...]

    def to_dict(self) -> dict[str, object]:
        return {"prompt": self.prompt, "options": [
            {"choose": r.value, "label": r.label, "understood": r.understood, "sql": r.sql} for r in self.readings]}


class Ambiguous(Exception):  # internal to the rules tier: a fork in the reading, not an error
    """Raised inside the compiler at a fork; ``understand`` turns it into the readings to offer."""

    def __init__(self, what: str, options: Sequence[tuple[str, str]]) -> None:
        super().__init__(what)
        self.what = what
        self.options = tuple(options)  # (value, label)


class NeedsChoice(NlqError):
    """The question has a few readings and the rules will not pick one: the answer asks which."""

    kind = ErrorKind.CLARIFY

    def __init__(self, clarification: Clarification) -> None:
        labels = " / ".join(r.label for r in clarification.readings)
        super().__init__(f"{clarification.prompt}: {labels}?",
                         "Pick the one you mean (it is remembered for the rest of the chat), or ask the model "
                         "to decide.")
        self.clarification = clarification


def pick(options: Sequence[str], chosen: Collection[str]) -> str | None:
    """The option the user (or the owner's ``prefer`` list) already chose, when exactly one was."""
    found = [option for option in options if option in chosen]
    return found[0] if len(found) == 1 else None
