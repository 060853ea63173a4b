"""What routes are given and what they give back: plain frozen data, so the pipeline can try routes in order
and build the answer once, from the one that succeeded and the reasons of those that did not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from nlq.answer import Turn, VerifiedMark
from nlq.charts import ChartSpec
from nlq.errors import NlqError
from nlq.route import Mode, Route
from nlq.steps import ModelBudget, StepClock, TokenCallback

T = TypeVar("T")

if TYPE_CHECKING:
    import pandas as pd

    from nlq.engine import Engine


@dataclass(frozen=True)
class Request:
    """A question as the routes see it: checked, with the conversation it follows up on."""

    question: str
    history: tuple[Turn, ...] = ()
    mode: Mode = Mode.AUTO
    choices: tuple[str, ...] = ()  # readings the user already picked in this conversation ("customer.country")


@dataclass(frozen=True)
class ModelUse:
    """What model calls cost: tokens both ways and seconds waited. Adds up over repair rounds and routes."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0

    def __add__(self, other: ModelUse) -> ModelUse:
        return ModelUse(self.prompt_tokens + other.prompt_tokens, self.completion_tokens + other.completion_tokens,
                        self.seconds + other.seconds)


Reviser = Callable[[NlqError], "Candidate | None"]


@dataclass(frozen=True)
class Candidate:
    """A route's proposal: the SQL it wrote, or the ``problem`` that kept it from writing any, with the
    evidence the answer will carry. ``revise`` (model routes) proposes corrected SQL after a failure, or
    returns None when the failure is not one to repair."""

    route: Route
    reason: str  # why this route answers ("understood every word as …")
    sql: str | None = None
    problem: NlqError | None = None
    understood: str | None = None
    model: str | None = None
    notice: str | None = None
    sent_to: str | None = None  # None: nothing left this machine
    tables_in_prompt: tuple[str, ...] = ()
    use: ModelUse | None = None  # None: no model was called
    reply: str | None = None
    repair_rounds: int = 0
    verified: VerifiedMark | None = None  # the verified answer whose SQL this is
    revise: Reviser | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Declined:
    """A route that does not answer this question, and why (the rules' hand-over, a cache miss …)."""

    route: Route
    reason: str
    hint: str = ""
    quiet: bool = False  # nothing worth telling (no verified answer means the same): left off the answer


@dataclass(frozen=True)
class Failed:
    """A candidate whose SQL could not be written, vetted or run."""

    candidate: Candidate
    error: NlqError

    @property
    def route(self) -> Route:
        return self.candidate.route


@dataclass(frozen=True, eq=False)
class Settled:
    """A candidate whose SQL passed vetting and ran: what the answer shows."""

    candidate: Candidate
    sql: str  # as vetted and run: rendered from the parsed tree, with nlq's row cap
    frame: pd.DataFrame
    truncated: bool
    total_rows: int | None
    chart: ChartSpec
    database_ms: float


Attempt = Declined | Failed


class Once:
    """Work that more than one route of one answer needs, done once: the rules tier's reading, which the
    verified route matches on and the rules route answers with. Errors are kept too, and raised again."""

    def __init__(self) -> None:
        self._done: dict[str, object | NlqError] = {}

    def get(self, key: str, make: Callable[[], T]) -> T:
        if key not in self._done:
            try:
                self._done[key] = make()
            except NlqError as error:
                self._done[key] = error
        found = self._done[key]
        if isinstance(found, NlqError):
            raise found
        return found  # type: ignore[return-value]  # what make() returned for this key


@dataclass(frozen=True)
class RouteContext:
    """What a route may use: the engine, the step clock, the token callback, the attempts before it, and the
    model's time for the whole answer, which every model call of every route draws on (None: each call has
    NLQ_MODEL_TIMEOUT_S to itself)."""

    engine: Engine
    clock: StepClock
    on_token: TokenCallback | None = None
    tried: tuple[Attempt, ...] = ()
    model_budget: ModelBudget | None = None
    once: Once = field(default_factory=Once)  # shared by every route of one answer


Propose = Callable[[Request, RouteContext], Candidate | Declined]
