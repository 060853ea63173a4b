"""The routes a question can take, surest and cheapest first: verified → rules → cache → self-hosted model →
hosted fallback.

Each route is a function that looks at the question and either proposes SQL (a frozen ``Candidate`` saying
why this route, how the question was understood and what left the machine) or declines with a reason. The
pipeline tries them in the order below through one vet → execute → chart step; the first whose SQL runs
answers, and the others' reasons stay on the answer. A failed candidate lets the next route try only when
its step says so (``passes_on``): the model's failures pass to the fallback, a security refusal never does.
A verified answer (SQL an admin checked) comes before everything, but only with ``auto``: the pinned modes
(``rules``, ``model``) test one tier and get exactly that tier.

Adding a route is one function plus one entry in ``ORDER``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nlq.errors import NlqError
from nlq.route import Mode, Route
from nlq.routes.cache import forget, from_cache, remember
from nlq.routes.candidate import Candidate, Declined, Failed, Propose, Request, RouteContext, Settled
from nlq.routes.edited import edited
from nlq.routes.model import by_fallback, by_model, could_not_answer
from nlq.routes.rules import asks_back, by_rules, rules_failed
from nlq.routes.verified import from_verified, verified_failed, verified_ran

OnSuccess = Callable[[Request, RouteContext, Settled], None]
OnFailure = Callable[[Request, RouteContext, Failed], None]


def _always(_error: NlqError) -> bool:
    return True


def _never(_error: NlqError) -> bool:
    return False


@dataclass(frozen=True)
class RouteStep:
    route: Route
    propose: Propose
    passes_on: Callable[[NlqError], bool] = _always  # may the next route try when this one's SQL failed?
    on_success: OnSuccess | None = None
    on_failure: OnFailure | None = None


VERIFIED = RouteStep(Route.VERIFIED, from_verified, on_success=verified_ran, on_failure=verified_failed)
RULES = RouteStep(Route.RULES, by_rules, passes_on=asks_back, on_failure=rules_failed)
CACHE = RouteStep(Route.CACHE, from_cache, on_failure=forget)
MODEL = RouteStep(Route.MODEL, by_model, passes_on=could_not_answer, on_success=remember)
FALLBACK = RouteStep(Route.FALLBACK, by_fallback, passes_on=_never, on_success=remember)

ORDER: dict[Mode, tuple[RouteStep, ...]] = {
    Mode.AUTO: (VERIFIED, RULES, CACHE, MODEL, FALLBACK),
    Mode.RULES: (RULES,),
    Mode.MODEL: (MODEL, FALLBACK),
}


def by_hand(sql: str, route: Route = Route.EDITED) -> tuple[RouteStep, ...]:
    """SQL an analyst wrote (or an earlier answer's, re-run): its own one-route order."""
    return (RouteStep(route, edited(sql, route), passes_on=_never),)


__all__ = ["ORDER", "Candidate", "Declined", "Failed", "Request", "RouteContext", "RouteStep", "Settled", "by_hand"]
