"""English from well-kept resources (WordNet through NLTK, wordninja, inflect): what the rules tier and schema
linking rely on, and the cache that lets a process skip opening WordNet."""

from pathlib import Path
from typing import Any

import pytest

from nlq.lexicon import Lexicon, english


@pytest.mark.parametrize(("ask", "word", "expected"), [
    ("verb", "rented", "rent"),
    ("verb", "sold", "sell"),  # irregular, from WordNet's exception lists
    ("noun", "copies", "copy"),
    ("noun", "children", "child"),
    ("adjective", "tallest", "tall"),
    ("event_nouns", "rent", {"rental"}),  # a verb finds the table that records it
    ("event_verbs", "payment", {"pay"}),
    ("attributes", "tall", {"height"}),  # "tallest" ranks by height
    ("attributes", "expensive", {"price"}),  # money adjectives: said once in nlq, WordNet has no attribute
    ("pertainyms", "german", {"Germany"}),
    ("synonyms", "customer", {"client"}),  # the most frequent sense only
    ("split", "membercost", ("member", "cost")),
    ("split", "ipouts", ("ipouts",)),  # an abbreviation is never split into short pieces
    ("split", "customer", ("customer",)),  # a word stays whole
])
def test_what_the_lexicon_knows(ask: str, word: str, expected: Any) -> None:
    lexicon = english()
    if not lexicon.has_wordnet:
        pytest.fail("WordNet's files are missing: scripts/venv.sh installs Debian's wordnet-base")
    found = getattr(lexicon, ask)(word)
    assert found == expected if not isinstance(expected, set) else expected <= set(found)


def test_known_answers_are_kept_so_a_new_process_need_not_open_wordnet(tmp_path: Path) -> None:
    source = english().source
    first = Lexicon(english()._open_wordnet, source)
    assert first.verb("rented") == "rent" and first.split("joindate") == ("join", "date")
    first.save(tmp_path / "lexicon.json")

    def never() -> None:
        raise AssertionError("WordNet was opened although every answer was kept")

    second = Lexicon(never, source)
    second.load(tmp_path / "lexicon.json")
    assert second.verb("rented") == "rent" and second.split("joindate") == ("join", "date")
    other = Lexicon(lambda: None, "another wordnet")  # answers from another WordNet are not trusted
    other.load(tmp_path / "lexicon.json")
    assert other.verb("rented") is None


def test_without_wordnet_words_are_only_fewer() -> None:
    bare = Lexicon(lambda: None, "none")
    assert bare.verb("rented") is None and bare.synonyms("customer") == frozenset()
    assert bare.split("membercost") == ("membercost",)
