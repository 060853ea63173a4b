"""Rows that point at rows of their own table: "who reports to Nancy Edwards", "employees managed by Steven
King", "who is Neena Kochhar's manager", "how many employees report to Michael Mitchell".

A self-referencing key (``ReportsTo``, ``manager_id``, ``supervisor_id``) is reached through the words its name
is made of: a verb whose subject is the one below (``reports_to``: "A reports to B"), or a noun for the one
above (``manager_id``: "B is A's manager", "B manages A", "A is managed by B"). Which side is asked for
follows from where the named person stands in the question; anything else is handed over.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlglot import exp

from nlq.lexicon import english
from nlq.rules.concepts import Entity, Value

if TYPE_CHECKING:
    from nlq.rules.catalog import Catalog
from nlq.rules.intent import Intent, Item, Relation, hand_over
from nlq.rules.words import lemma_forms, name_words

LINK_WORDS = frozenset({"id", "to", "key", "no", "fk", "ref"})
ABOVE_NOUNS = frozenset({"manager", "boss", "supervisor", "superior"})  # the one a person reports to
ABOVE_VERBS = frozenset({"manage", "supervise"})
KINDS_BESIDE_A_RELATION = {"hierarchy", "concept", "count", "group"}


@dataclass(frozen=True)
class SelfReference:
    table: str
    column: str  # the key pointing up: reports_to, manager_id
    target: str  # the key it points at: employee_id
    verbs: frozenset[str]  # verbs whose subject is the row below ("report")
    nouns: frozenset[str]  # nouns for the row above ("manager", "supervisor")
    agent_verbs: frozenset[str]  # verbs whose subject is the row above ("manage", "supervise")


def self_reference(table: str, column: str, target: str) -> SelfReference | None:
    """The words a question may use for ``table.column`` pointing at ``table.target``, or None for a key that
    says nothing a question would use (``parent_id``: parent of what?)."""
    lexicon = english()
    words = [w for w in name_words(column) if w not in LINK_WORDS]
    if len(words) != 1:
        return None
    word = words[0]
    if lexicon.verb(word) == word:  # reports_to: "A reports to B", so B is A's manager and manages A
        return SelfReference(table, column, target, frozenset({word}), ABOVE_NOUNS, ABOVE_VERBS)
    verbs = lexicon.event_verbs(word)
    if not verbs:
        return None
    # supervisor_id: "A reports to B" as well, since B is A's supervisor
    return SelfReference(table, column, target, frozenset({"report"}), frozenset({word}), frozenset(verbs))


def relation_word(word: str, references: tuple[SelfReference, ...]) -> Item | None:
    """"reports", "managed", "manager": an item naming one of the table's self-references, and in which role."""
    forms = {word, *lemma_forms(word)}
    for reference in references:
        for role, words in (("below", reference.verbs), ("above", reference.nouns), ("agent", reference.agent_verbs)):
            if forms & words:
                return Item("hierarchy", (word,), value=(reference, role))
    return None


def relation_intent(items: list[Item], catalog: Catalog) -> Intent:
    """The rows above or below the one person the question names, listed or counted."""
    if any(item.kind not in KINDS_BESIDE_A_RELATION for item in items):
        raise hand_over("it asks about who reports to whom together with something else")
    position, relation = next((i, item) for i, item in enumerate(items) if item.kind == "hierarchy")
    assert isinstance(relation.value, tuple)  # relation_word gives (reference, role)
    reference, role = relation.value
    assert isinstance(reference, SelfReference)
    passive = position + 1 < len(items) and items[position + 1].words == ("by",)  # "managed by"
    groups = [i for i, item in enumerate(items) if item.kind == "group"]
    if groups and (groups != [position + 1] or not passive):
        raise hand_over("it groups a question about who reports to whom")
    values = [(i, Item("concept", item.words, [c for c in item.candidates if c.table == reference.table]))
              for i, item in enumerate(items) if item.kind == "concept" and item.candidates
              and all(isinstance(c, Value) for c in item.candidates)]  # "Mitchell": an employee, not a customer
    rows = [item for item in items if item.kind == "concept" and item.candidates
            and not all(isinstance(c, Value) for c in item.candidates)]
    entity = catalog.entity_of(reference.table) or Entity(reference.table, reference.table, (), ())
    strangers = [item for item in rows if not any(isinstance(c, Entity) and c.table == reference.table
                                                  for c in item.candidates)]
    if not values or any(not item.candidates for _, item in values) or strangers or len(rows) > 1:
        raise hand_over("it asks who reports to whom without naming one person of that table")
    after = all(i > position for i, _ in values)
    if not after and any(i > position for i, _ in values):
        raise hand_over("it names people on both sides of who reports to whom")
    below = {"below": after, "above": False, "agent": passive or not after}[role]
    if rows:
        entity = next(c for c in rows[0].candidates if isinstance(c, Entity) and c.table == reference.table)
    person = [[c for c in item.candidates if isinstance(c, Value)] for _, item in values]
    shape = Relation(reference.column, reference.target, below, tuple(tuple(p) for p in person))
    if any(item.kind == "count" for item in items):
        return Intent(measure=[entity], aggregation="count", relation=shape)
    return Intent(listing=[entity], relation=shape)


def related_rows(relation: Relation, table: exp.Identifier, column: exp.Column, target: exp.Column,
                 person: exp.Expr) -> exp.Expr:
    """``rows.column IN (SELECT target FROM table WHERE person)`` for the rows below the person, or the other
    way round for the row above."""
    inner_key, outer_key = (target, column) if relation.below else (column, target)
    chosen = exp.select(inner_key.copy()).from_(table.copy()).where(person)
    return exp.In(this=outer_key.copy(), query=exp.Subquery(this=chosen))
