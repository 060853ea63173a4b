"""Words the schema does not name but a question uses, read through English (``beyond_the_names``):
adjectives that rank by what they measure ("tallest" → height), demonyms that point at values ("German" →
Germany), verbs that only say a table's event happened ("orders placed"), and words in capitals, which are
names ("the US"), never grammar."""

from __future__ import annotations

import difflib
import re
import unicodedata

from nlq.lexicon import LOW_ADJECTIVES, MONEY_ADJECTIVES, english
from nlq.rules.catalog import Catalog
from nlq.rules.concepts import Concept, Entity, Measure, Value
from nlq.rules.hierarchy import relation_word
from nlq.rules.intent import Item
from nlq.rules.ordering import AGES as AGE_WORDS
from nlq.rules.ordering import time_superlative
from nlq.rules.words import (
    EVENT_FILLER_VERBS,
    MONEY_VERBS,
    PEOPLE_WORDS,
    RESPONSIBLE_VERBS,
    REVENUE_WORDS,
    SALE_VERBS,
    TOKEN_RE,
    TOTAL_OF_PAY,
    american,
    lemma_forms,
    name_words,
    tokens,
)

NEAR_MIN_LETTERS = 5
NEAR_CUTOFF = 0.85
CUSTOMER_WORDS = {"customer", "client", "buyer", "account", "patient", "guest", "member", "subscriber"}
MEASURED_SUPERLATIVES = {"cheapest", "priciest", "longest", "shortest", "heaviest", "lightest", "tallest"}


def acronyms(question: str) -> list[bool]:
    """Which words are written in capitals ("the US", "IT"): a name, never grammar, unless the whole question
    is shouted."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", question.replace("’", "'"))
                    if not unicodedata.combining(c))
    cased = re.findall(TOKEN_RE.pattern, plain, flags=re.IGNORECASE)
    upper = [len(t) >= 2 and t.isupper() for t in cased]
    return [False] * len(upper) if sum(upper) * 2 > len(upper) else upper


def pertaining(word: str, catalog: Catalog) -> list[Concept]:
    """"German customers": the value an adjective pertains to (Germany), when the data has it."""
    lexicon = english()
    adjective = lexicon.adjective(word) or word
    return [c for noun in sorted(lexicon.pertainyms(adjective)) for c in catalog.lookup(tuple(tokens(noun)))
            if isinstance(c, Value)]


def coded_values(word: str, catalog: Catalog) -> list[Concept]:
    """"female customers" → gender 'F': a one-letter code in a column named for what the adjective measures
    (WordNet's attribute of "female" is gender or sex), where the code is the adjective's first letter."""
    lexicon = english()
    adjective = lexicon.adjective(word)
    attributes = lexicon.attributes(adjective) if adjective else frozenset()
    if not adjective or not attributes:
        return []
    return [Value(table, column, code, " ".join(name_words(column))) for (table, column), codes in catalog.codes.items()
            if set(name_words(column)) & attributes for code in codes if code.upper() == adjective[0].upper()]


def synonym_values(word: str, catalog: Catalog) -> list[Concept]:
    """"the US" → USA, "the UK" → United Kingdom: a value the data spells as another name of the same thing
    (WordNet's synonyms of the word's most frequent sense)."""
    lexicon = english()
    return [c for name in sorted(lexicon.synonyms(lexicon.noun(word) or word))
            for c in catalog.lookup(tuple(tokens(name))) if isinstance(c, Value)]


def near_values(word: str, catalog: Catalog) -> list[Concept]:
    """"Brasil" → Brazil: one value spelled nearly the same (one or two letters off in a long word), when
    exactly one is that near; never for short words, where one letter makes another word."""
    if len(word) < NEAR_MIN_LETTERS or not word.isalpha() or english().is_word(word):
        return []  # "person" is a word of its own, never a misspelt "Peterson"
    close = difflib.get_close_matches(word, catalog.value_words(), n=2, cutoff=NEAR_CUTOFF)
    return [c for c in catalog.lookup((close[0],)) if isinstance(c, Value)] if len(close) == 1 else []


def measured_by(word: str, catalog: Catalog) -> tuple[bool | None, list[Concept]] | None:
    """"tallest" → (highest first, height); "expensive" after "most" → price: an adjective names the measure it
    ranks by (WordNet's attributes). A superlative brings its own direction; None when no measure fits."""
    lexicon = english()
    adjective = lexicon.adjective(word)
    if adjective is None:
        return None
    preferred = MONEY_ADJECTIVES.get(adjective, ())  # "expensive": the price first, the cost only without one
    nouns: list[tuple[str, ...]] = [(noun,) for noun in preferred] or [tuple(sorted(lexicon.attributes(adjective)))]
    measures: list[Concept] = []
    for group in nouns:
        measures = list(dict.fromkeys(c for noun in group for c in catalog.lookup((noun,)) if isinstance(c, Measure)))
        if measures:
            break
    if not measures:
        return None
    superlative = word != adjective and word.endswith("est")
    return (adjective not in LOW_ADJECTIVES if superlative else None), measures


def event_verb(word: str, named: list[list[Concept]]) -> bool:
    """A verb that only says the event of the table just named happened ("orders placed")."""
    verbs = {word, *lemma_forms(word)}  # "orders placed", and "murders happened" (rows of a value)
    return bool(verbs & EVENT_FILLER_VERBS) and any(isinstance(c, (Entity, Value)) for found in named for c in found)


def beyond_the_names(word: str, items: list[Item], catalog: Catalog) -> tuple[Item | None, list[Concept], int]:
    """A word that is no name nor grammar, read through English, surest first: its lemma or a value it names
    ("rented", "German", "the US"), a measure its superlative ranks by ("tallest"), a date it names ("hired"),
    an event verb after its table ("placed"), and last a value spelled nearly the same ("Brasil")."""
    spelled = american(word)  # "licence holders" in a schema of drivers_license
    named: list[Concept] = [c for form in (*lemma_forms(word), *([spelled] if spelled else []))
                            for c in catalog.lookup((form,)) if not isinstance(c, Value)]
    candidates = (named or pertaining(word, catalog) or synonym_values(word, catalog)  # a value is spelt as it is
                  or coded_values(word, catalog))
    if candidates:
        return None, candidates, 1
    if word == "holder" and items and items[-1].kind == "concept" and all(
            isinstance(c, Entity) for c in items[-1].candidates):  # "licence holders": the licences' rows
        return Item("filler", (word,)), [], 1
    if word in PEOPLE_WORDS:  # whichever table of persons the whole question fits (rules.verbs)
        return Item("people", (word,)), [], 1
    if word == "headcount":  # the number of people on staff, or of those named next ("headcount of sales reps")
        staff = [c for name in ("employee", "staff") for c in catalog.lookup((name,)) if isinstance(c, Entity)]
        if len({c.table for c in staff}) == 1:
            items.append(Item("count", (word,)))
            return None, list(staff[:1]), 1
        return Item("count", (word,)), [], 1
    if word in TOTAL_OF_PAY:  # "team payrolls": the salaries added up
        pay: list[Concept] = [c for c in catalog.lookup(("salary",)) if isinstance(c, Measure)]
        if len(pay) == 1:
            items.append(Item("agg", (word,), value="sum"))
            return None, pay, 1
    related = relation_word(word, catalog.self_references)  # "reports to", "managed by", "manager"
    if related is not None:
        return related, [], 1
    ranked_by_date = time_superlative(word)
    if ranked_by_date is not None and word not in AGE_WORDS and word not in catalog.date_verbs:
        # "oldest" may be an age column first, and "first" a date's own word ("first opened")
        return ranked_by_date, [], 1
    superlative = measured_by(word, catalog)
    if superlative is not None:
        highest, measures = superlative
        if highest is not None:
            items.append(Item("most", (word,), value=highest))
        return None, measures, 1
    dated = [d for form in (word, *lemma_forms(word)) for d in catalog.date_verbs.get(form, ())]
    if dated:
        return Item("dated", (word,), value=tuple(dict.fromkeys(dated))), [], 1
    if event_verb(word, [i.candidates for i in items if i.kind == "concept"]):
        return Item("filler", (word,)), [], 1
    if {word, *lemma_forms(word)} & RESPONSIBLE_VERBS and any(i.kind == "concept" for i in items):
        return Item("filler", (word,)), [], 1  # "the customers Jane handles": her customers, through the key
    if (items and items[-1].kind == "concept" and {word, *lemma_forms(word)} & SALE_VERBS
            and all(isinstance(c, Measure) for c in items[-1].candidates)):
        return Item("filler", (word,)), [], 1  # "quantity sold": the measure already says what was sold
    money = next((form for form in (word, *lemma_forms(word)) if form in MONEY_VERBS), None)
    if money is not None:  # "sold", "spent": read once the whole question is known (rules.verbs)
        return Item("money", (word,), value=money), [], 1
    if ranked_by_date is not None:
        return ranked_by_date, [], 1
    if word == "date" and any(i.kind in {"datemost", "when"} for i in items):  # "the earliest invoice date"
        return Item("datename", (word,)), [], 1
    inflected: list[Concept] = [c for form in lemma_forms(word) for c in catalog.lookup((form,))
                                if isinstance(c, Value)]
    return None, inflected or near_values(word, catalog), 1  # "completed" orders: status COMPLETE


def revenue_reading(words: tuple[str, ...], candidates: list[Concept], catalog: Catalog) -> list[Concept]:
    """"revenue", "sales" where several tables hold money: the money that comes in (not units sold), and from
    customers (a sales fact, not a warehouse's transfers to its stores) when only some tables lead to them."""
    if len(words) != 1 or not {words[0], words[0] + "s"} & set(REVENUE_WORDS):  # "sales" reads as "sale"
        return candidates
    money = [c for c in catalog.lookup(("revenue",)) if c in candidates]
    if money:  # other kinds stay: "the Sales department" is a value
        candidates = [c for c in candidates if not isinstance(c, Measure) or c in money]
    tables = {c.table for c in candidates if isinstance(c, Measure)}
    if len(tables) < 2:
        return candidates
    customers = [t for t in catalog.columns if set(name_words(t)) & CUSTOMER_WORDS]
    facing = {t for t in tables if any(catalog.path(t, c) is not None for c in customers)}
    if not facing or facing == tables:
        return candidates
    return [c for c in candidates if not isinstance(c, Measure) or c.table in facing]
