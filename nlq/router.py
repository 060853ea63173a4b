"""Which way a question is answered: rules → cache → self-hosted model → hosted fallback.

The cheapest route that is sure of itself answers. The rules tier answers only when it understood every
word; a question asked before reuses its vetted SQL until the schema changes; everything else goes to the
self-hosted model, and what that model cannot answer goes to a hosted fallback only if the owner set one.
Each answer records its route and why it took it, so an owner can see where cost and accuracy come from.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal

from nlq.answer import Answer
from nlq.cache import CachedSql
from nlq.errors import HandedOver, SettingsError
from nlq.prompt import Turn
from nlq.resources import Resources
from nlq.rules import RulesQuery, understand

Route = Literal["auto", "rules", "model"]
ROUTES: tuple[str, ...] = ("auto", "rules", "model")
log = logging.getLogger("nlq")


def check_route(route: str) -> Route:
    if route not in ROUTES:
        raise SettingsError(f"Unknown route {route!r}.", f"Use one of: {', '.join(ROUTES)}.")
    return route  # type: ignore[return-value]


def rules_apply(resources: Resources, route: Route) -> bool:
    return route == "rules" or (route == "auto" and resources.settings.rules)


def by_rules(answer: Answer, resources: Resources, route: Route) -> RulesQuery | None:
    """The rules' SQL for the question, or None (with the reason on the answer) when they hand over.
    With route "rules" a hand-over is the answer: an error saying what was not understood."""
    if not rules_apply(resources, route):
        return None
    try:
        found = understand(answer.question, resources.catalog())
    except HandedOver as handed_over:
        if route == "rules":
            raise
        answer.route_reason = handed_over.message
        return None
    answer.route, answer.model, answer.understood = "rules", None, found.understood
    answer.route_reason = f"Understood every word as: {found.understood}. Answered without a model."
    return found


def from_cache(answer: Answer, resources: Resources, route: Route, history: Sequence[Turn]) -> CachedSql | None:
    """SQL the model wrote for the same question on the same schema; follow-ups depend on their
    conversation, so they are never served from the cache."""
    cache = resources.sql_cache()
    if route != "auto" or history or cache is None:
        return None
    cached = cache.get(answer.question)
    if cached is None:
        return None
    answer.route, answer.model = "cache", None
    answer.route_reason = (f"Asked before: the SQL {cached.model or 'the model'} wrote on "
                           f"{cached.stored_at:%Y-%m-%d} was checked and run again, without a model call.")
    return cached


def forget(answer: Answer, resources: Resources) -> None:
    """A cached query that no longer runs is dropped; the model answers afresh."""
    cache = resources.sql_cache()
    if cache is not None:
        cache.forget(answer.question)


def remember(answer: Answer, resources: Resources, history: Sequence[Turn]) -> None:
    cache = resources.sql_cache()
    if cache is not None and answer.ok and answer.sql and not history and answer.route in {"model", "fallback"}:
        cache.put(answer.question, answer.sql, answer.model)
