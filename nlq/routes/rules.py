"""The rules route: questions the rules tier understands word for word, answered with no model at all."""

from __future__ import annotations

import logging

from nlq.errors import HandedOver
from nlq.route import Mode, Route
from nlq.routes.candidate import Candidate, Declined, Failed, Request, RouteContext
from nlq.rules import understand

log = logging.getLogger("nlq")


def by_rules(request: Request, context: RouteContext) -> Candidate | Declined:
    """The rules' SQL, or a decline carrying their hand-over reason (with mode ``rules`` that reason is the
    answer: an error saying what was not understood)."""
    if request.mode is Mode.AUTO and not context.engine.settings.rules:
        return Declined(Route.RULES, "The rules tier is switched off (NLQ_RULES=false).")
    with context.clock("rules"):
        try:
            found = understand(request.question, context.engine.catalog())
        except HandedOver as handed_over:
            return Declined(Route.RULES, handed_over.message, handed_over.hint)
    return Candidate(Route.RULES, f"Understood every word as: {found.understood}. Answered without a model.",
                     sql=found.sql, understood=found.understood)


def rules_failed(request: Request, _context: RouteContext, failed: Failed) -> None:
    """The rules' own SQL failing is a bug in the rules worth a line in the log; the model answers instead."""
    log.warning("rules SQL for %r failed (%s); asking the model", request.question, failed.error.kind)
