"""The rules route: questions the rules tier understands word for word, answered with no model at all."""

from __future__ import annotations

import logging

from nlq.errors import HandedOver, NlqError
from nlq.route import Mode, Route
from nlq.routes.candidate import Candidate, Declined, Failed, Request, RouteContext
from nlq.rules import NeedsChoice, RulesQuery, understand

log = logging.getLogger("nlq")


def by_rules(request: Request, context: RouteContext) -> Candidate | Declined:
    """The rules' SQL, or a decline carrying their hand-over reason (with mode ``rules`` that reason is the
    answer: an error saying what was not understood)."""
    if request.mode is Mode.AUTO and not context.engine.settings.rules:
        return Declined(Route.RULES, "The rules tier is switched off (NLQ_RULES=false).")
    with context.clock("rules"):
        try:
            found = rules_reading(request, context)
        except HandedOver as handed_over:
            return Declined(Route.RULES, handed_over.message, handed_over.hint)
        except NeedsChoice as fork:  # ask back rather than guess, or pass a question the rules half understood
            return Candidate(Route.RULES, "The rules found more than one reading and ask which one you mean.",
                             problem=fork)
    context.engine.keep_lexicon()  # words this question taught the lexicon, for the next process
    return Candidate(Route.RULES, f"Understood every word as: {found.understood}. Answered without a model.",
                     sql=found.sql, understood=found.understood)


def rules_reading(request: Request, context: RouteContext) -> RulesQuery:
    """The rules tier's reading of the question, made once per answer (the verified route may have made it):
    ``HandedOver`` or ``NeedsChoice`` when there is none."""
    def read() -> RulesQuery:
        model = context.engine.semantic_model()
        chosen = (*request.choices, *(model.prefer if model else ()))
        return understand(request.question, context.engine.catalog(), chosen)
    return context.once.get("rules", read)


def asks_back(error: NlqError) -> bool:
    """Whether the model may answer after the rules: not when they asked which reading the user means."""
    return not isinstance(error, NeedsChoice)


def rules_failed(request: Request, _context: RouteContext, failed: Failed) -> None:
    """The rules' own SQL failing is a bug in the rules worth a line in the log; the model answers instead."""
    if isinstance(failed.error, NeedsChoice):
        return
    log.warning("rules SQL failed (%s); asking the model", failed.error.kind)  # no question text: NLQ_LOG_QUESTIONS
