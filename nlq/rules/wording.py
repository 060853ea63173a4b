"""Words the schema does not name but a question uses: adjectives that rank by what they measure ("tallest"
→ height), demonyms that point at values ("German" → Germany), verbs that only say a table's event happened
("orders placed"), and words in capitals, which are names ("the US"), never grammar."""

from __future__ import annotations

import difflib
import re
import unicodedata

from nlq.lexicon import LOW_ADJECTIVES, english
from nlq.rules.catalog import Catalog
from nlq.rules.concepts import Concept, Entity, Measure, Value
from nlq.rules.words import EVENT_FILLER_VERBS, TOKEN_RE, lemma_forms, tokens

NEAR_MIN_LETTERS = 5
NEAR_CUTOFF = 0.85
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
    measures: list[Concept] = [c for noun in sorted(lexicon.attributes(adjective)) for c in catalog.lookup((noun,))
                if isinstance(c, Measure)]
    if not measures:
        return None
    superlative = word != adjective and word.endswith("est")
    return (adjective not in LOW_ADJECTIVES if superlative else None), measures


def event_verb(word: str, named: list[list[Concept]]) -> bool:
    """A verb that only says the event of the table just named happened ("orders placed")."""
    verbs = {word, *lemma_forms(word)}
    return bool(verbs & EVENT_FILLER_VERBS) and any(isinstance(c, Entity) for found in named for c in found)
