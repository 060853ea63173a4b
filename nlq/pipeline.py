"""The one path from a question to an answer: route → SQL → vet → execute → chart → answer.

``ask`` tries the routes its mode allows, cheapest first (``nlq.routes``). Each proposes SQL or declines;
every proposal goes through the same vet → execute → chart step, whoever wrote it, and the first that runs
answers. The ``Answer`` is built once, at the end, from the candidate that succeeded (or the failure that
is the answer) and the reasons of the routes before it. An answer always comes back: failures become its
typed error, and anything unexpected is logged and reported calmly.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from nlq.answer import NOTHING_REACHED, NOTHING_SENT, Answer, RouteNote, Turn
from nlq.charts import TABLE_ONLY, choose_chart
from nlq.engine import Engine
from nlq.errors import DatabaseUnreachable, ErrorReport, HandedOver, InputError, NlqError, QuestionError
from nlq.evidence import Evidence, gather
from nlq.execute import run_query
from nlq.explain import top_n
from nlq.route import Mode, Route
from nlq.routes import ORDER, Candidate, Declined, Failed, Request, RouteContext, RouteStep, Settled, by_hand
from nlq.routes.candidate import Attempt, Once
from nlq.rules import NeedsChoice
from nlq.steps import ModelBudget, StepCallback, StepClock, TokenCallback
from nlq.vet import vet

__all__ = ["MAX_QUESTION_CHARS", "ask", "check_question", "run_sql"]

MAX_QUESTION_CHARS = 2000
log = logging.getLogger("nlq")


def ask(question: str, engine: Engine, on_step: StepCallback | None = None, on_token: TokenCallback | None = None,
        history: Sequence[Turn] = (), mode: Mode | str = Mode.AUTO, choices: Sequence[str] = ()) -> Answer:
    """A question in words, answered by the cheapest route that is sure of itself: the rules tier, the
    cache, the self-hosted model (fixing its SQL when it fails) or a configured hosted fallback. When the
    rules find a few readings, the answer asks which (``Answer.clarify``); ``choices`` are the readings
    already picked in this conversation."""
    clock = StepClock(on_step)
    try:
        request = Request(check_question(question), tuple(history), check_mode(mode), tuple(choices))
    except NlqError as error:  # refused before any route: no route, no model, nothing sent
        return Answer(question=question, database=engine.info.name, history=tuple(history),
                      error=ErrorReport.from_exception(error), timings_ms=clock.finish())
    return _first_that_answers(request, ORDER[request.mode], engine, clock, on_token)


def run_sql(sql: str, engine: Engine, question: str = "", on_step: StepCallback | None = None,
            rerun: bool = False) -> Answer:
    """SQL an analyst wrote or edited (or, with ``rerun``, an earlier answer's SQL run again unchanged): no
    model, but exactly the same gate as model-written SQL."""
    route = Route.RERUN if rerun else Route.EDITED
    return _first_that_answers(Request(question or "Edited SQL"), by_hand(sql, route), engine, StepClock(on_step),
                               None)


def check_question(question: str) -> str:
    cleaned = question.strip()
    if not cleaned:
        raise QuestionError("The question is empty.", "Type a question about your data, e.g. one of the examples.")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"The question is {len(cleaned):,} characters long; the limit is {MAX_QUESTION_CHARS:,}.",
            "Shorten it to what you want to know; nlq already knows your tables and columns.",
        )
    return cleaned


def check_mode(mode: Mode | str) -> Mode:
    try:
        return Mode(mode)
    except ValueError:
        raise InputError(f"Unknown route {mode!r}.", f"Use one of: {', '.join(m.value for m in Mode)}.") from None


def _first_that_answers(request: Request, steps: Sequence[RouteStep], engine: Engine, clock: StepClock,
                        on_token: TokenCallback | None) -> Answer:
    tried: list[Attempt] = []
    step = steps[0]
    model_budget = ModelBudget(engine.settings.model_timeout_s)  # one per answer: repair rounds share it
    once = Once()  # the rules' reading, made once for the verified and the rules route
    try:
        for step in steps:
            context = RouteContext(engine, clock, on_token, tuple(tried), model_budget, once)
            outcome = _propose(step, request, context)
            if isinstance(outcome, Declined):
                if not outcome.quiet:
                    tried.append(outcome)
                continue
            settled = _settle(outcome, engine, clock)
            if isinstance(settled, Settled):
                if step.on_success:
                    step.on_success(request, context, settled)
                return _build(request, engine, clock, tried, settled.candidate, settled=settled)
            tried.append(settled)
            if isinstance(settled.error, DatabaseUnreachable):
                break  # no route's SQL can run now; and SQL that did nothing wrong is neither forgotten nor blamed
            if step.on_failure:
                step.on_failure(request, context, settled)
            if not step.passes_on(settled.error):
                break
        return _unanswered(request, engine, clock, tried)
    except Exception as error:  # a bug: keep the traceback in the log, give the user a calm message
        log.exception("unexpected failure on the %s route", step.route.value)  # no question text: NLQ_LOG_QUESTIONS
        failing = Candidate(step.route, f"nlq failed while trying the {step.route.value} route.")
        return _build(request, engine, clock, tried, failing, failure=error)


def _propose(step: RouteStep, request: Request, context: RouteContext) -> Candidate | Declined:
    try:
        return step.propose(request, context)
    except NlqError as error:  # e.g. the database went away while the route read the schema
        return Candidate(step.route, f"The {step.route.value} route could not prepare its SQL.", problem=error)


def _settle(candidate: Candidate, engine: Engine, clock: StepClock) -> Settled | Failed:
    """Vet, run and chart the candidate's SQL; a model route may revise SQL that failed (its repair rounds),
    never SQL that failed because the database could not be reached or went away mid-query."""
    while True:
        failure = candidate.problem
        if failure is None:
            try:
                return _vet_run_chart(candidate, engine, clock)
            except NlqError as error:
                failure = error
        if isinstance(failure, DatabaseUnreachable):
            return Failed(candidate, failure)
        revised = candidate.revise(failure) if candidate.revise else None
        if revised is None:
            return Failed(candidate, failure)
        candidate = revised


def _vet_run_chart(candidate: Candidate, engine: Engine, clock: StepClock) -> Settled:
    settings = engine.settings
    with clock("vet"):
        query = vet(candidate.sql or "", engine.policy())
    with clock("execute"):
        result = run_query(engine.database, query, settings.max_rows, engine.limits(), settings.max_cost)
    with clock("chart"):
        subset = result.truncated or top_n(query.sql, query.dialect, settings.max_rows)
        chart = choose_chart(result.frame, subset=subset)
    return Settled(candidate, query.sql, result.frame, result.truncated, result.total_rows, chart,
                   (result.seconds + result.count_seconds) * 1000)


def _unanswered(request: Request, engine: Engine, clock: StepClock, tried: list[Attempt]) -> Answer:
    """No route answered: the last failure is the answer's error; when every route declined (mode ``rules``),
    the last hand-over is."""
    failures = [attempt for attempt in tried if isinstance(attempt, Failed)]
    if failures:
        return _build(request, engine, clock, tried, failures[-1].candidate, failure=failures[-1].error)
    declined = tried[-1]
    assert isinstance(declined, Declined), "a route either declines or fails"
    handed_over = HandedOver(declined.reason, declined.hint)
    return _build(request, engine, clock, tried, Candidate(declined.route, declined.reason), failure=handed_over)


def _build(request: Request, engine: Engine, clock: StepClock, tried: list[Attempt], final: Candidate, *,
           settled: Settled | None = None, failure: BaseException | None = None) -> Answer:
    """The answer, made once: the final candidate's evidence (and its result or its failure), what every
    model call cost, what left the machine for any of them, and why the routes before it did not answer."""
    used = [attempt.candidate for attempt in tried if isinstance(attempt, Failed)]
    evidence = Evidence()
    if settled is not None:
        used.append(settled.candidate)
        with clock("evidence"):
            evidence = gather(settled.sql, settled.frame, settled.chart, engine, truncated=settled.truncated,
                              total_rows=settled.total_rows)
    uses = [candidate.use for candidate in used if candidate.use is not None]
    timings = clock.finish()
    if uses:
        timings["model"] = sum(use.seconds for use in uses) * 1000
    if settled is not None:
        timings["database"] = settled.database_ms
    sent = list(dict.fromkeys(candidate.sent_to for candidate in used if candidate.sent_to))
    nothing = NOTHING_REACHED if any(candidate.model for candidate in used) else NOTHING_SENT
    failed_sql = failure.sql if isinstance(failure, NlqError) else None
    return Answer(
        question=request.question,
        route=final.route,
        route_reason=final.reason,
        understood=final.understood,
        declined=tuple(_note(attempt) for attempt in tried if attempt.route is not final.route),
        model=final.model,
        database=engine.info.name,
        sql=settled.sql if settled else failed_sql or final.sql,
        frame=settled.frame if settled else None,
        truncated=settled.truncated if settled else False,
        total_rows=settled.total_rows if settled else None,
        chart=settled.chart if settled else TABLE_ONLY,
        timings_ms=timings,
        prompt_tokens=sum(use.prompt_tokens for use in uses) if uses else None,
        completion_tokens=sum(use.completion_tokens for use in uses) if uses else None,
        model_reply=final.reply,
        repair_rounds=final.repair_rounds,
        tables_in_prompt=final.tables_in_prompt,
        notice=final.notice,
        sent_to="; then the same to ".join(sent) if sent else nothing,
        history=request.history,
        error=None if failure is None else ErrorReport.from_exception(failure),
        clarify=failure.clarification if isinstance(failure, NeedsChoice) else None,
        summary=evidence.summary,
        explanation=evidence.explanation,
        checks=evidence.checks,
        currency=evidence.currency,
        verified=final.verified if settled is not None else None,
    )


def _note(attempt: Attempt) -> RouteNote:
    if isinstance(attempt, Declined):
        return RouteNote(attempt.route, attempt.reason)
    return RouteNote(attempt.route, f"Its SQL did not work ({attempt.error.kind}): {attempt.error.message}")
