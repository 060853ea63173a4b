"""Routes, named once: which way an answer was made (``Route``) and which ways a caller allows (``Mode``).

The answer, the app's badge, History's filter, the answer log and the cost arithmetic all read these
enums, so a route's label, colour and price class are declared here and nowhere else. Each value is the
stable string that ``--json``, the log and the tests use.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

BadgeColour = Literal["green", "blue", "orange", "gray"]  # the Streamlit badge colours routes use


@dataclass(frozen=True)
class _Look:
    label: str
    icon: str  # a Material icon name in Streamlit's :material/…: syntax
    colour: BadgeColour
    chart_colour: str  # the same colour in charts, so a route looks alike everywhere


class Route(StrEnum):
    """The route that answered (or, when nothing could, the last one tried)."""

    VERIFIED = "verified"  # an admin's verified SQL for a question that means the same: no model
    RULES = "rules"
    CACHE = "cache"
    MODEL = "model"
    FALLBACK = "fallback"
    EDITED = "edited"
    RERUN = "rerun"  # an earlier answer's SQL run again from History: no model, and not edited

    @property
    def label(self) -> str:
        return _LOOKS[self].label

    @property
    def icon(self) -> str:
        return _LOOKS[self].icon

    @property
    def colour(self) -> BadgeColour:
        return _LOOKS[self].colour

    @property
    def chart_colour(self) -> str:
        return _LOOKS[self].chart_colour

    @property
    def uses_model(self) -> bool:
        """A model wrote the SQL for this answer: it cost model time and tokens."""
        return self in (Route.MODEL, Route.FALLBACK)

    @property
    def free(self) -> bool:
        """Answered with no model at all: these answers cost nothing on either pricing."""
        return self in (Route.VERIFIED, Route.RULES, Route.CACHE, Route.RERUN)


_LOOKS = {
    Route.VERIFIED: _Look("Verified answer", ":material/verified:", "green", "#0b6e4f"),
    Route.RULES: _Look("No model: rules", ":material/bolt:", "green", "#21c354"),
    Route.CACHE: _Look("No model: asked before", ":material/history:", "green", "#0f8a3c"),
    Route.MODEL: _Look("Self-hosted model", ":material/memory:", "blue", "#1c83e1"),
    Route.FALLBACK: _Look("Hosted fallback", ":material/cloud:", "orange", "#ff8c00"),
    Route.EDITED: _Look("Your SQL", ":material/edit:", "gray", "#808495"),
    Route.RERUN: _Look("Re-run", ":material/replay:", "gray", "#5b5f72"),
}


class Mode(StrEnum):
    """Which routes a question may take: ``auto`` tries the cheapest first; the others pin one tier."""

    AUTO = "auto"
    RULES = "rules"
    MODEL = "model"

    @property
    def help(self) -> str:
        return _MODE_HELP[self]


_MODE_HELP = {
    Mode.AUTO: "verified answers, then rules, then the cache, then the model (and a hosted fallback only if "
               "configured)",
    Mode.RULES: "only the rules tier, never a model (nor a verified answer): what it does not understand is handed "
                "back",
    Mode.MODEL: "straight to the model, skipping verified answers, the rules and the cache",
}
