"""The verified route: a question that means the same as one an admin verified is answered with the verified
SQL, first, with no model — vetted and run again like any SQL, and never once it has gone stale.

Verified SQL checked against another schema is vetted on the current one before it may answer, and then run:
SQL that no longer passes, or that the database rejects on the changed schema, is marked stale (with the
reason, for the Examples page) and the question goes on to the rules and the model; SQL that runs is
confirmed for this schema. A question asked in a conversation is matched on
its own words, as the rules tier reads it: "revenue by country" means the same after any earlier question,
while "now by month" matches nothing (unlike the cache, which keeps the model's SQL for a conversation).
"""

from __future__ import annotations

import logging

from nlq.errors import ErrorKind, NlqError
from nlq.route import Mode, Route
from nlq.routes.candidate import Candidate, Declined, Failed, Request, RouteContext, Settled
from nlq.routes.rules import rules_reading
from nlq.verified import question_key, understanding_key
from nlq.vet import vet

log = logging.getLogger("nlq")
# What says verified SQL no longer fits the schema, once it changed (vetting's verdicts, the database's
# rejection), unlike a passing fault such as a timeout.
NO_LONGER_FITS = frozenset({ErrorKind.REFUSED, ErrorKind.SQL_SYNTAX, ErrorKind.DATABASE_ERROR})


def from_verified(request: Request, context: RouteContext) -> Candidate | Declined:
    engine = context.engine
    source = engine.verified
    if source is None:
        return Declined(Route.VERIFIED, "No verified answers here (nlq runs without its store).", quiet=True)
    if request.mode is not Mode.AUTO:
        return Declined(Route.VERIFIED, f"Route {request.mode.value} skips verified answers.", quiet=True)
    with context.clock("verified"):
        key = question_key(request.question)
        found = source.find(engine.identity, key)
        if found is None and (reading := _understanding(request, context)):
            found = source.find(engine.identity, key, reading)
        if found is None:
            return Declined(Route.VERIFIED, "No verified answer means the same.", quiet=True)
        if found.fingerprint != engine.fingerprint():  # the schema changed since it last ran: vet it first
            try:
                vet(found.sql, engine.policy())
            except NlqError as error:
                _stale(context, found.id, error)
                return Declined(Route.VERIFIED, f"The verified answer for “{found.question}” went stale: the "
                                                f"schema changed and its SQL no longer passes ({error.message}).")
    mark = found.mark
    return Candidate(Route.VERIFIED, f"{mark.badge}: an admin checked this SQL for “{found.question}”. Vetted and "
                                     "run again on today's data, without a model.", sql=found.sql, verified=mark)


def _understanding(request: Request, context: RouteContext) -> str | None:
    """The question's understanding key, or None when the rules tier is off or does not read it one way only;
    the reading is kept for the rules route, which answers with it when nothing verified matches."""
    if not context.engine.settings.rules:
        return None
    try:
        return understanding_key(rules_reading(request, context).sql)
    except NlqError:  # handed over, or asked which reading (NeedsChoice)
        return None


def verified_ran(_request: Request, context: RouteContext, settled: Settled) -> None:
    """Verified SQL that ran on a changed schema still fits it: remember the schema it was checked against."""
    mark = settled.candidate.verified
    source = context.engine.verified
    if mark is not None and source is not None and mark.checked_on != context.engine.fingerprint():
        source.confirm(mark.id, context.engine.fingerprint())


def verified_failed(request: Request, context: RouteContext, failed: Failed) -> None:
    """Verified SQL that vetting now refuses — or that the database rejects on a schema it was never checked
    against (a renamed column passes vetting) — goes stale rather than answering wrongly; one that failed for a
    passing reason (a timeout) stays verified. Either way the rules and the model answer."""
    mark = failed.candidate.verified
    if mark is None:
        return
    log.warning("verified answer #%s failed (%s); trying the other routes", mark.id, failed.error.kind)
    changed = mark.checked_on != context.engine.fingerprint()
    if failed.error.kind in NO_LONGER_FITS and (changed or failed.error.kind is not ErrorKind.DATABASE_ERROR):
        _stale(context, mark.id, failed.error)


def _stale(context: RouteContext, verified_id: int, error: NlqError) -> None:
    if context.engine.verified is not None:
        context.engine.verified.mark_stale(verified_id, f"no longer passes on the current schema: {error.message}")
        context.engine.forget_examples()
