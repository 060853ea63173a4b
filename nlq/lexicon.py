"""English that neither a schema nor a question spells out: lemmas, synonyms, the nouns of events, number
words, and run-together names split into words. Shared by the rules tier and schema linking.

Each part comes from a well-kept resource rather than a hand list:

- **WordNet 3.0** (Princeton; Debian's ``wordnet-base`` files, read with NLTK's reader): lemmas of
  inflected words ("rented" → rent, "copies" → copy, "sold" → sell), a word's synonyms in its most frequent
  sense only (film → movie; later senses are where precision is lost), and derivationally related forms,
  which connect verbs to the tables that record them (rent → rental, book → booking, ship → shipment).
- **wordninja** (English Wikipedia word frequencies): ``membercost`` → member cost, ``joindate`` → join date.
- **inflect**: the spelling of every number and ordinal a question may write out ("three", "fourth"),
  written once into ``rules/number_words.json``.

Without the WordNet files (a bare pip install), lemmas fall back to the rules tier's plural rules and there
are no synonyms or event nouns: fewer questions are understood, none is understood differently.
"""

from __future__ import annotations

import functools
import io
import json
import os
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

WORDNET_DIRS = (Path("/usr/share/wordnet"), Path("/usr/share/nltk_data/corpora/wordnet"))
WORDNET_FILES = ("adj.exc", "adv.exc", "noun.exc", "verb.exc", "data.adj", "data.adv", "data.noun", "data.verb",
                 "index.adj", "index.adv", "index.noun", "index.verb")
# WordNet's lexicographer files in their fixed order; Debian leaves this one index file out.
LEXNAMES = ("adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal", "noun.artifact",
            "noun.attribute", "noun.body", "noun.cognition", "noun.communication", "noun.event", "noun.feeling",
            "noun.food", "noun.group", "noun.location", "noun.motive", "noun.object", "noun.person",
            "noun.phenomenon", "noun.plant", "noun.possession", "noun.process", "noun.quantity", "noun.relation",
            "noun.shape", "noun.state", "noun.substance", "noun.time", "verb.body", "verb.change", "verb.cognition",
            "verb.communication", "verb.competition", "verb.consumption", "verb.contact", "verb.creation",
            "verb.emotion", "verb.motion", "verb.perception", "verb.possession", "verb.social", "verb.stative",
            "verb.weather", "adj.ppl")
NUMBER_WORDS_FILE = Path(__file__).parent / "rules" / "number_words.json"
CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}
# WordNet has no attribute for the money adjectives: what they measure, said once here.
MONEY_ADJECTIVES = {"expensive": ("price", "cost"), "cheap": ("price", "cost"), "pricey": ("price", "cost"),
                    "costly": ("price", "cost"), "inexpensive": ("price", "cost"), "rich": ("income", "wealth"),
                    "wealthy": ("income", "wealth"), "poor": ("income", "wealth")}
# Adjectives whose superlative asks for the lowest value of what they measure ("youngest", "cheapest").
LOW_ADJECTIVES = frozenset({"young", "cheap", "inexpensive", "short", "small", "little", "light", "poor", "low",
                            "slow", "thin", "narrow", "tiny", "few", "near", "close"})
CACHE_VERSION = 2
ID_SUFFIXES = frozenset({"id", "no", "nr", "cd", "num"})
MIN_SPLIT_PART = 3  # "ipouts" is not "ip outs": parts this short are abbreviations, not words
EVENT_SENSES = 3  # a verb's most frequent senses whose nouns name its event


class Lexicon:
    """Answers about English words, each cached: a question's words are looked up many times. WordNet's files
    take a second to open, so they are opened only on the first question the cache cannot answer; the cache
    can be kept on disk (``load``/``save``), so a process whose schema and question words were all seen before
    never opens them."""

    def __init__(self, open_wordnet: Callable[[], Any | None], source: str) -> None:
        self._open_wordnet = open_wordnet
        self._opened = False
        self._wordnet_reader: Any | None = None
        self.source = source  # which WordNet answered: a cache made with another is not used
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], Any] = {}
        self._saved = 0

    @property
    def has_wordnet(self) -> bool:
        return self.source != "none"

    @property
    def _wordnet(self) -> Any | None:
        with self._lock:
            if not self._opened:
                self._wordnet_reader = self._open_wordnet()
                self._opened = True
        return self._wordnet_reader

    def load(self, path: Path) -> None:
        """Answers kept by an earlier process, when they came from the same WordNet."""
        try:
            kept = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(kept, dict) or kept.get("source") != self.source or kept.get("version") != CACHE_VERSION:
            return
        with self._lock:
            for kind, word, value in kept.get("answers", []):
                self._cache.setdefault((kind, word), _thawed(kind, value))
            self._saved = len(self._cache)

    def save(self, path: Path) -> None:
        """Keep the answers for the next process (written beside and renamed; a failure only costs time)."""
        with self._lock:
            if len(self._cache) == self._saved:
                return
            answers = [[kind, word, _frozen(value)] for (kind, word), value in sorted(self._cache.items())]
            self._saved = len(self._cache)
        text = json.dumps({"version": CACHE_VERSION, "source": self.source, "answers": answers})
        try:  # a file of its own per writer: sessions and processes may save at the same moment
            handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
        except OSError:
            return
        partial = Path(name)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            partial.replace(path)
        except OSError:
            partial.unlink(missing_ok=True)

    def noun(self, word: str) -> str | None:
        """The noun a word is a form of ("copies" → copy, "people" → person), or None when it is no noun."""
        return self._cached("noun", word, lambda: self._morphy(word, "n"))

    def verb(self, word: str) -> str | None:
        """The verb a word is a form of ("rented" → rent, "sold" → sell), or None when it is no verb."""
        return self._cached("verb", word, lambda: self._morphy(word, "v"))

    def is_word(self, word: str) -> bool:
        return self.noun(word) is not None or self.verb(word) is not None or self._known(word, "a")

    def synonyms(self, noun: str) -> frozenset[str]:
        """One-word synonyms of a noun in its most frequent sense: what "catalogue" and "film" also mean."""
        def find() -> frozenset[str]:
            senses = self._synsets(noun, "n")
            names = {lemma.name().lower().replace("_", " ") for lemma in senses[0].lemmas()} if senses else set()
            return frozenset(n for n in names if n.replace(" ", "").isalpha() and n != noun)
        return self._cached("synonyms", noun, find)

    def event_nouns(self, verb: str) -> frozenset[str]:
        """Nouns of what a verb records ("rent" → rental, "book" → booking, "sell" → sale)."""
        def find() -> frozenset[str]:
            return frozenset(self._related(self._synsets(verb, "v")[:EVENT_SENSES], verb, "n"))
        return self._cached("events", verb, find)

    def event_verbs(self, noun: str) -> frozenset[str]:
        """Verbs a table's noun is the record of ("rental" → rent, "payment" → pay), the reverse of
        ``event_nouns``."""
        def find() -> frozenset[str]:
            return frozenset(self._related(self._synsets(noun, "n")[:EVENT_SENSES], noun, "v"))
        return self._cached("verbs", noun, find)

    def adjective(self, word: str) -> str | None:
        """The adjective a word is a form of ("tallest" → tall, "richest" → rich), or None."""
        return self._cached("adjective", word, lambda: self._morphy(word, "a"))

    def attributes(self, adjective: str) -> frozenset[str]:
        """The nouns an adjective measures, in its most frequent sense ("tall" → height, stature; "old" → age;
        "heavy" → weight), as WordNet's attribute relation gives them, and money words for money adjectives."""
        def find() -> frozenset[str]:
            senses = self._synsets(adjective, "a")[:1]
            found = {lemma.name().lower() for sense in senses for attribute in sense.attributes()
                     for lemma in attribute.lemmas()}
            return frozenset({n for n in found if n.isalpha()} | set(MONEY_ADJECTIVES.get(adjective, ())))
        return self._cached("attributes", adjective, find)

    def pertainyms(self, adjective: str) -> frozenset[str]:
        """The nouns an adjective pertains to ("german" → Germany, "canadian" → Canada): values in the data."""
        def find() -> frozenset[str]:
            return frozenset(p.name().replace("_", " ") for sense in self._synsets(adjective, "a")[:2]
                             for lemma in sense.lemmas() for p in lemma.pertainyms())
        return self._cached("pertainyms", adjective, find)

    def kind_of(self, name: str) -> str | None:
        """What a proper name is, in its most frequent sense ("California" → state, "Brazil" → country, "Paris"
        → capital): the last word of WordNet's instance hypernym; None for a common noun or an unknown name."""
        def find() -> str | None:
            senses = self._synsets(name.replace(" ", "_"), "n")[:1]
            kinds = [h.name().split(".")[0].split("_")[-1] for s in senses for h in s.instance_hypernyms()]
            return kinds[0] if kinds else None
        return self._cached("kind", name, find)

    def split(self, word: str) -> tuple[str, ...]:
        """A run-together name split into words (``membercost`` → member, cost; ``teamid`` → team, id;
        ``sbcustomer`` → sb, customer); the word itself when it is a word, or when any part would be too short
        to be sure."""
        def find() -> tuple[str, ...]:
            if len(word) < 2 * MIN_SPLIT_PART or not word.isalpha() or self.is_word(word):
                return (word,)
            whole = self._words_in(word)
            if whole:
                return whole
            prefix = word[:2]  # a consonant-only prefix some schemas put on every name (sb, tb, dw)
            rest = self._words_in(word[2:], whole=False) if not set(prefix) & set("aeiouy") else ()
            return (prefix, *rest) if rest else (word,)
        return self._cached("split", word, find)

    def _words_in(self, text: str, whole: bool = True) -> tuple[str, ...]:
        """``text`` as dictionary words of 3+ letters (an identifier suffix such as ``id`` allowed last); with
        ``whole``, at least two of them."""
        parts = tuple(_wordninja().split(text))
        core = parts[:-1] if len(parts) > 1 and parts[-1] in ID_SUFFIXES else parts
        if not core or any(len(p) < MIN_SPLIT_PART or not self.is_word(p) for p in core):
            return ()
        return parts if len(parts) > 1 or not whole else ()

    # -- WordNet ---------------------------------------------------------------------------------------------

    def _related(self, senses: Iterable[Any], word: str, pos: str) -> set[str]:
        found = set()
        for sense in senses:
            for lemma in sense.lemmas():
                if lemma.name().lower() != word:
                    continue
                for form in lemma.derivationally_related_forms():
                    name = form.name().lower()
                    if form.synset().pos() == pos and name.isalpha():
                        found.add(name)
        return found

    def _synsets(self, word: str, pos: str) -> list[Any]:
        return list(self._wordnet.synsets(word, pos)) if self._wordnet is not None else []

    def _morphy(self, word: str, pos: str) -> str | None:
        if self._wordnet is None or not word.isalpha():
            return None
        found = self._wordnet.morphy(word, pos)
        return str(found) if found else None

    def _known(self, word: str, pos: str) -> bool:
        return self._cached(f"known:{pos}", word, lambda: self._morphy(word, pos) is not None)

    def _cached(self, kind: str, word: str, find: Any) -> Any:
        key = (kind, word)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        value = find()
        with self._lock:
            self._cache[key] = value
        return value


@functools.cache
def english() -> Lexicon:
    """The lexicon, one per process; WordNet opens on the first answer not already known."""
    source = _wordnet_source()
    return Lexicon(lambda: _open_wordnet(source), str(source) if source else "none")


def _frozen(value: Any) -> Any:
    if isinstance(value, tuple):  # a split name: its parts in order
        return list(value)
    return sorted(value) if isinstance(value, frozenset) else value


def _thawed(kind: str, value: Any) -> Any:
    if kind == "split":
        return tuple(value)
    return frozenset(value) if isinstance(value, list) else value


def _wordnet_source() -> Path | None:
    return next((d for d in WORDNET_DIRS if all((d / f).is_file() for f in WORDNET_FILES)), None)


@functools.cache
def _wordninja() -> Any:
    import wordninja  # loads its word list (1 s) only when a name needs it
    return wordninja


def _open_wordnet(source: Path | None) -> Any | None:
    if source is None:
        return None
    import nltk.data
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    folder: Path = source

    class Reader(WordNetCorpusReader):
        def open(self, file: str) -> Any:
            if file == "lexnames" and not (folder / file).is_file():  # Debian leaves this index file out
                lines = [f"{n:02d}\t{name}\t{CATEGORY[name.split('.')[0]]}" for n, name in enumerate(LEXNAMES)]
                return io.StringIO("\n".join(lines) + "\n")
            return super().open(file)

        def map_wn(self, version: str = "wordnet") -> None:  # a map to other wordnets, for multilingual use only
            return None

    if str(source) not in nltk.data.path:  # NLTK reads only from folders it was told to trust
        nltk.data.path.append(str(source))
    with warnings.catch_warnings():  # "multilingual functions are not available": nlq reads English only
        warnings.simplefilter("ignore", UserWarning)
        return Reader(str(source), None)


@functools.cache
def number_words() -> dict[str, int]:
    """"three" → 3, "fourth" → 4, "twenty-one" → 21, "4th" → 4, up to a hundred. Spelled by inflect when
    the table is written (``python -m nlq.lexicon``; a test checks it is current), so no question waits for
    inflect's two-second import."""
    return {str(k): int(v) for k, v in json.loads(NUMBER_WORDS_FILE.read_text(encoding="utf-8")).items()}


def spell_numbers() -> dict[str, int]:
    import inflect

    spell = inflect.engine()
    words: dict[str, int] = {}
    for number in range(1, 101):
        ordinal = spell.ordinal(number)  # type: ignore[arg-type]
        for text in (spell.number_to_words(number), spell.number_to_words(ordinal), ordinal):  # type: ignore[arg-type]
            words[str(text)] = number
            words[str(text).replace("-", " ")] = number
    return words


if __name__ == "__main__":
    NUMBER_WORDS_FILE.write_text(json.dumps(spell_numbers(), indent=0, sort_keys=True) + "\n", encoding="utf-8")
