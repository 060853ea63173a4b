"""The cache route: a question asked before, on the same schema, answered with the SQL a model wrote for it
then — vetted and run again, without a model call. Follow-ups depend on their conversation, so they are
never served from the cache nor stored in it."""

from __future__ import annotations

import logging

from nlq.route import Mode, Route
from nlq.routes.candidate import Candidate, Declined, Failed, Request, RouteContext, Settled

log = logging.getLogger("nlq")


def from_cache(request: Request, context: RouteContext) -> Candidate | Declined:
    cache = context.engine.cache
    if cache is None:
        return Declined(Route.CACHE, "The cache is switched off (NLQ_CACHE=false).")
    if request.history:
        return Declined(Route.CACHE, "A follow-up depends on its conversation, so it is never answered from the "
                                     "cache.")
    if request.mode is not Mode.AUTO:
        return Declined(Route.CACHE, f"Route {request.mode.value} skips the cache.")
    cached = cache.get(context.engine.cache_key(request.question))
    if cached is None:
        return Declined(Route.CACHE, "Not asked before on this schema.")
    return Candidate(Route.CACHE, f"Asked before: the SQL {cached.model or 'the model'} wrote on "
                                  f"{cached.stored_at:%Y-%m-%d} was checked and run again, without a model call.",
                     sql=cached.sql)


def forget(request: Request, context: RouteContext, failed: Failed) -> None:
    """A cached query that no longer runs (the data it relied on changed) is dropped; the model answers afresh."""
    log.warning("cached SQL failed (%s); asking the model", failed.error.kind)  # no question text: NLQ_LOG_QUESTIONS
    if context.engine.cache is not None:
        context.engine.cache.forget(context.engine.cache_key(request.question))


def remember(request: Request, context: RouteContext, settled: Settled) -> None:
    """SQL a model wrote, once it passed vetting and ran, answers the same question next time."""
    cache = context.engine.cache
    if cache is not None and not request.history:
        cache.put(context.engine.cache_key(request.question), settled.sql, settled.candidate.model)
