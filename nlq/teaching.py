"""Feedback that teaches, safely: 👍 proposes, a person approves, the schema keeps examples honest.

An example reaches the model's prompt only after approval, and approval re-runs its SQL through the same
vetting and read-only execution as any answer on the current schema. After a schema change each approved
example is vetted again; those that no longer pass are marked stale and left out.

Verified answers are taught the same way, by an admin and with the same check: the (possibly edited) SQL
must pass vetting and run on the current schema before it is saved. Then it answers questions that mean the
same first (``nlq.routes.verified``), joins the model's examples, and goes stale when the schema changes
under it.
"""

from __future__ import annotations

import json

from nlq.access import User, require_admin
from nlq.answer import Answer
from nlq.engine import Engine
from nlq.errors import InputError, NlqError, NotFound
from nlq.pipeline import run_sql
from nlq.routes.verified import NO_LONGER_FITS
from nlq.store import AppStore
from nlq.store.examples import APPROVED, CANDIDATE, STALE
from nlq.store.verified import NewVerified
from nlq.verified import VERIFIED, question_key, understanding_of
from nlq.vet import vet

TITLE_CHARS = 200


def give_feedback(store: AppStore, answer_id: int, answer: Answer, rating: int, comment: str, user: str) -> None:
    """Record 👍/👎; a 👍 on an answer with SQL proposes it as a candidate example (never used until approved) —
    an analyst's corrected SQL included, which is often the best example of all."""
    store.log.add_feedback(answer_id, rating, comment, user)
    if rating > 0 and answer.ok and answer.sql:
        store.examples.add(answer.question, answer.sql, user, CANDIDATE, answer_id=answer_id)


def approve(store: AppStore, engine: Engine, example_id: int, user: User) -> Answer:
    """Run the example's SQL now; approve it only if that answer came back without an error. Admins only:
    an approved example shapes every later answer, for everyone."""
    require_admin(user, "approve examples")
    example = store.examples.get(example_id)
    if example is None:
        raise NotFound(f"Example {example_id} does not exist (any more).", "Reload the Examples page.")
    answer = run_sql(example.sql, engine, question=example.question)
    if answer.ok:
        store.examples.approve(example_id, user.id, engine.fingerprint())
        engine.forget_examples()
    return answer


def edit_example(store: AppStore, engine: Engine, example_id: int, question: str, sql: str, user: User) -> None:
    """An edited example is a candidate again, out of the prompt until approved anew."""
    require_admin(user, "edit examples")
    store.examples.edit(example_id, question, sql)
    engine.forget_examples()


def delete_example(store: AppStore, engine: Engine, example_id: int, user: User) -> None:
    require_admin(user, "delete examples")
    store.examples.delete(example_id)
    engine.forget_examples()


def check_for_schema_change(store: AppStore, engine: Engine) -> list[int]:
    """Vet approved examples checked against another schema; returns the ids that became stale."""
    fingerprint = engine.fingerprint()
    stale = []
    for example in store.examples.all(APPROVED):
        if example.fingerprint == fingerprint:
            continue
        try:
            vet(example.sql, engine.policy())
        except NlqError as error:
            store.examples.mark_stale(example.id, f"no longer passes on the current schema: {error.message}")
            stale.append(example.id)
        else:
            store.examples.confirm(example.id, fingerprint)
    if stale:
        engine.forget_examples()
    return stale


def verify(store: AppStore, engine: Engine, user: User, question: str, sql: str, title: str = "",
           answer_id: int | None = None) -> Answer:
    """Mark SQL verified for a question: run it now (vetted and read-only, as any answer) and save it only if
    that answer came back without an error. Admins only: a verified answer answers everyone's questions that
    mean the same, before the rules and the model. Verifying a question again replaces its earlier SQL."""
    require_admin(user, "verify answers")
    question, sql = question.strip(), sql.strip()
    if not question or not sql:
        raise InputError("A verified answer needs its question and its SQL.", "Fill in both, then verify again.")
    answer = run_sql(sql, engine, question=question)
    if answer.ok:
        store.verified.save(NewVerified(
            question=question, question_key=question_key(question),
            understanding_key=understanding_of(question, engine), sql=sql, database=engine.identity,
            fingerprint=engine.fingerprint(), verified_by=user.id,
            title=title.strip()[:TITLE_CHARS] or None, answer_id=answer_id))
        engine.forget_examples()
    return answer


def verify_logged(store: AppStore, engine: Engine, user: User, answer_id: int, title: str = "",
                  sql: str | None = None) -> Answer:
    """Verify an answer from the log (History): its question, and its SQL unless the admin edited it."""
    require_admin(user, "verify answers")
    entry = store.log.entry(answer_id)
    if entry is None or not (sql or entry.sql):
        raise NotFound(f"Answer {answer_id} has no SQL to verify.", "Open an answer that ran, in History.")
    return verify(store, engine, user, entry.question, sql or entry.sql or "", title, answer_id)


def delete_verified(store: AppStore, engine: Engine, verified_id: int, user: User) -> None:
    require_admin(user, "delete verified answers")
    store.verified.delete(verified_id)
    engine.forget_examples()


def check_verified_for_schema_change(store: AppStore, engine: Engine) -> list[int]:
    """Run this database's verified answers checked against another schema (vetting alone would miss a renamed
    column); returns the ids that became stale. One that fails for a passing reason (a timeout) is checked
    again next time. The verified route re-checks the one it is about to use the same way, so none answers
    wrongly meanwhile."""
    fingerprint = engine.fingerprint()
    stale = []
    for verified in store.verified.all(VERIFIED):
        if verified.database != engine.identity or verified.fingerprint == fingerprint:
            continue
        answer = run_sql(verified.sql, engine, question=verified.question)
        if answer.ok:
            store.verified.confirm(verified.id, fingerprint)
        elif answer.error is not None and answer.error.kind in NO_LONGER_FITS:
            store.verified.mark_stale(verified.id, f"no longer passes on the current schema: {answer.error.message}")
            stale.append(verified.id)
    if stale:
        engine.forget_examples()
    return stale


def export_jsonl(store: AppStore, status: str | None = APPROVED) -> str:
    return "".join(json.dumps({"question": e.question, "sql": e.sql}, ensure_ascii=False) + "\n"
                   for e in store.examples.all(status))


def import_jsonl(store: AppStore, text: str, user: str) -> int:
    """Lines of ``{"question", "sql"}`` become candidates: imported SQL is approved like any other."""
    added = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            question, sql = str(item["question"]), str(item["sql"])
        except (ValueError, KeyError, TypeError):
            raise InputError(f"Line {number} is not an example.",
                                'Each line must be a JSON object with "question" and "sql".') from None
        store.examples.add(question, sql, user, CANDIDATE)
        added += 1
    return added


__all__ = ["APPROVED", "CANDIDATE", "STALE", "approve", "check_for_schema_change", "check_verified_for_schema_change",
           "delete_verified", "export_jsonl", "give_feedback", "import_jsonl", "verify", "verify_logged"]
