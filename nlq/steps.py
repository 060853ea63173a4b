"""The steps of making an answer, as a user watching it sees them, and the clock that times them.

Front ends pass an ``on_step`` callback to show progress ("Writing SQL…") and an ``on_token`` callback to
show the model's reply arriving; the clock adds up each step's time, since steps repeat when the model
repairs its SQL. The model's own time for one answer is a budget of its own (``ModelBudget``), so that repair
rounds cannot each start a fresh timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

STEP_LABELS = {
    "verified": "Looking for a verified answer",
    "rules": "Reading the question",
    "schema": "Reading the schema",
    "generate": "Writing SQL",
    "vet": "Checking the SQL",
    "execute": "Running the query",
    "chart": "Choosing a chart",
    "evidence": "Checking the answer",
}
StepCallback = Callable[[str, str], None]
TokenCallback = Callable[[str], None]


class StepClock:
    """Milliseconds per step for one answer, and the progress callback."""

    def __init__(self, on_step: StepCallback | None = None) -> None:
        self.on_step = on_step
        self.started = time.perf_counter()
        self._times: dict[str, float] = {}

    @contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        if self.on_step:
            self.on_step(step, STEP_LABELS[step])
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(step, (time.perf_counter() - started) * 1000)

    def add(self, step: str, milliseconds: float) -> None:
        self._times[step] = self._times.get(step, 0.0) + milliseconds

    def finish(self) -> dict[str, float]:
        """Every step's time plus the total since the clock started."""
        return {**self._times, "total": (time.perf_counter() - self.started) * 1000}


class ModelBudget:
    """The model's time for one answer (``NLQ_MODEL_TIMEOUT_S``): its first reply, every repair round and the
    fallback's calls draw on the same seconds, so a server that trickles or stalls cannot make one answer wait
    longer than the setting says. Only time spent waiting on the model counts, not the database's time
    between repair rounds, which has its own limit."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.spent = 0.0
        self.calls = 0
        self.reached = 0  # calls whose request reached the server: only those sent the question anywhere

    def remaining(self) -> float:
        return max(self.seconds - self.spent, 0.0)

    def charge(self, seconds: float, reached: bool = True) -> None:
        """One model call is over (replied, failed or given up on): what it took is gone from the budget.
        ``reached``: False when the connection failed, so nothing left this machine."""
        self.spent += seconds
        self.calls += 1
        self.reached += reached
