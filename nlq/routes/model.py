"""The model routes: the self-hosted model writes SQL from the question, the linked part of the schema and the
most similar examples; SQL that fails to parse, names a table that does not exist or fails on the database
goes back to it to repair (``revise``). What it cannot answer goes to the hosted fallback only when the
owner configured one — never a security refusal, which is shown, not retried nor sent elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from nlq.errors import ModelAsleep, NlqError, NoSqlInReply, QueryFailed, SqlRefused, SqlSyntaxError
from nlq.examples import similar_examples
from nlq.extract import explanation
from nlq.prompt import Prompt
from nlq.route import Route
from nlq.routes.candidate import Candidate, Declined, Failed, Request, RouteContext
from nlq.rules.semantic_model import glossary
from nlq.schedule import model_asleep
from nlq.steps import ModelBudget
from nlq.targets import ModelTarget
from nlq.vet import vet

if TYPE_CHECKING:
    from nlq.engine import Engine
    from nlq.writer import Draft, SqlWriter

HOSTED_NOTICE = "Answered by a hosted model: your question and schema were sent to AWS Bedrock."
# NLQ_MODEL=bedrock:…, the owner's choice: every model answer says where its question went, as the fallback's does.
PRIMARY_HOSTED_NOTICE = ("Answered by a hosted model on AWS Bedrock (chosen in NLQ_MODEL): your question and schema "
                         "were sent to AWS Bedrock.")
REPAIRABLE_RULES = {"unknown_table"}  # a hallucinated table is a mistake; a forbidden one is never "repaired"
REPAIRABLE = (SqlSyntaxError, QueryFailed, SqlRefused)
BEYOND_THE_MODEL = (NoSqlInReply, SqlSyntaxError, QueryFailed, SqlRefused, ModelAsleep)  # the fallback may take these


def by_model(request: Request, context: RouteContext) -> Candidate:
    asleep = model_asleep(context.engine.settings.model_hours)
    if asleep is not None:  # scaled to zero on purpose: nothing is sent, and the fallback may take it
        return Candidate(Route.MODEL, asleep.message, problem=asleep)
    with context.clock("schema"):
        prompt = compose_prompt(request, context.engine)
    engine = context.engine
    notice = PRIMARY_HOSTED_NOTICE if engine.target.hosted else None
    return _write(Route.MODEL, _why_the_model(context), prompt, engine.target, engine.writer, context, notice)


def by_fallback(request: Request, context: RouteContext) -> Candidate | Declined:
    engine = context.engine
    fallback = engine.fallback
    failed = next((a for a in reversed(context.tried) if isinstance(a, Failed) and a.route is Route.MODEL), None)
    if fallback is None:
        return Declined(Route.FALLBACK, "No hosted fallback is configured (NLQ_FALLBACK_MODEL is empty).")
    if failed is None:
        return Declined(Route.FALLBACK, "The self-hosted model was not asked.")
    prompt = compose_prompt(request, engine)
    reason = f"The self-hosted model could not answer ({failed.error.kind}); the hosted fallback did."
    return _write(Route.FALLBACK, reason, prompt, fallback, engine.fallback_writer, context, HOSTED_NOTICE)


def could_not_answer(error: NlqError) -> bool:
    """The self-hosted model's failures that the hosted fallback may take over."""
    return isinstance(error, BEYOND_THE_MODEL) and not refused_for_security(error)


def refused_for_security(error: NlqError) -> bool:
    """A write, a forbidden table or function: shown as a refusal, never retried nor sent elsewhere."""
    return isinstance(error, SqlRefused) and error.rule not in REPAIRABLE_RULES


def compose_prompt(request: Request, engine: Engine) -> Prompt:
    """The question with the part of the schema it needs (and the tables the conversation used), and the
    examples most like it."""
    schema = engine.schema()
    earlier_tables = tuple(t for turn in request.history for t in _tables_of(turn.sql, engine))
    context = " ".join([turn.question for turn in request.history] + [request.question])
    linked = engine.linking().link(context, engine.settings.prompt_tokens, must_include=earlier_tables)
    examples = tuple(similar_examples(engine.examples(), request.question))
    return Prompt(request.question, linked.text, schema.dialect, examples, request.history,
                  partial_schema=not linked.complete, tables=linked.tables,
                  glossary=glossary(engine.semantic_model(), linked.tables))


def sent_to_model(prompt: Prompt, target: ModelTarget) -> str:
    """Said with every model answer: the question and which tables' schema went where."""
    tables = len(prompt.tables)
    what = f"the question and the schema of {tables} table{'s' if tables != 1 else ''}"
    if target.hosted:
        return f"{what} to AWS Bedrock ({target.region or 'default region'}), a hosted model"
    if target.on_aws:
        return f"{what} to {target.where}, in your AWS account"
    host = urlsplit(target.url).netloc or target.url
    return f"{what} to the self-hosted model server at {host}"


def _write(route: Route, reason: str, prompt: Prompt, target: ModelTarget, writer: Callable[[], SqlWriter],
           context: RouteContext, notice: str | None = None) -> Candidate:
    """The model's first draft as a candidate; a model that cannot be reached is the candidate's problem.
    The answer says what was sent where only when the request reached the server: a refused connection, or
    no model time left, sent nothing."""
    budget = context.model_budget or ModelBudget(context.engine.settings.model_timeout_s)
    reached_before = budget.reached
    base = Candidate(route, reason, model=target.name, notice=notice, tables_in_prompt=prompt.tables)
    sent = replace(base, sent_to=sent_to_model(prompt, target))
    try:
        chosen = writer()
        with context.clock("generate"):
            draft = chosen.write(prompt, context.on_token, budget)
    except NlqError as error:
        return replace(sent if budget.reached > reached_before else base, problem=error)
    return _drafted(sent, draft, chosen, context, budget, rounds=0)


def _drafted(base: Candidate, draft: Draft, writer: SqlWriter, context: RouteContext, budget: ModelBudget,
             rounds: int) -> Candidate:
    candidate = replace(base, sql=draft.sql, problem=None if draft.sql else _no_sql(draft.reply), use=draft.use,
                        reply=draft.reply, repair_rounds=rounds)

    def revise(error: NlqError) -> Candidate | None:
        """Up to NLQ_REPAIR_ROUNDS more drafts for SQL that failed to parse, named a missing table or failed
        on the database, within the model time the answer has left. Security refusals are never repaired."""
        if not isinstance(error, REPAIRABLE) or refused_for_security(error):
            return None
        if rounds >= context.engine.settings.repair_rounds:
            return None
        try:
            with context.clock("generate"):
                redraft = writer.rewrite(draft, error.message, context.on_token, budget)
        except NlqError as model_error:
            return replace(candidate, sql=None, problem=model_error, repair_rounds=rounds + 1, revise=None)
        return _drafted(base, redraft, writer, context, budget, rounds + 1)

    return replace(candidate, revise=revise)


def _why_the_model(context: RouteContext) -> str:
    for attempt in reversed(context.tried):
        if attempt.route is Route.RULES:
            if isinstance(attempt, Declined):
                return attempt.reason
            return f"The rules' SQL failed ({attempt.error.kind}); the model answered instead."
    return "The question was sent straight to the model (route: model)."


def _tables_of(sql: str, engine: Engine) -> list[str]:
    try:
        return sorted(vet(sql, engine.policy()).tables)
    except NlqError:
        return []


def _no_sql(reply: str) -> NoSqlInReply:
    shown = " ".join(explanation(reply).split())[:300] or "(an empty reply)"
    return NoSqlInReply(
        f"The model replied without any SQL: “{shown}”",
        "Rephrase the question with the names of the things you want (e.g. 'revenue by region'), or check "
        "that the question can be answered from this database.",
        detail=reply,
    )
