"""Feedback that teaches, safely: 👍 proposes, a person approves, the schema keeps examples honest.

An example reaches the model's prompt only after approval, and approval re-runs its SQL through the same
vetting and read-only execution as any answer on the current schema. After a schema change each approved
example is vetted again; those that no longer pass are marked stale and left out.
"""

from __future__ import annotations

import json

from nlq.access import User, require_admin
from nlq.answer import Answer
from nlq.engine import Engine
from nlq.errors import InputError, NlqError, NotFound
from nlq.pipeline import run_sql
from nlq.store import AppStore
from nlq.store.examples import APPROVED, CANDIDATE, STALE
from nlq.vet import vet


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


__all__ = ["APPROVED", "CANDIDATE", "STALE", "approve", "check_for_schema_change",
           "export_jsonl", "give_feedback", "import_jsonl"]
