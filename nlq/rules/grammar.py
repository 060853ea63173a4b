"""The question's grammar: the words that are no name in any schema but say how to read the names around them
(aggregations, grouping, top-N, fillers, a unit asked for), each read into one ``Item`` with how many words it
takes. ``nlq.rules.words`` declares the vocabularies; this module reads them in their place in a question."""

from __future__ import annotations

from nlq.rules.intent import Item
from nlq.rules.units import ASKED
from nlq.rules.wording import MEASURED_SUPERLATIVES
from nlq.rules.words import (
    AVG_WORDS,
    BOTTOM_WORDS,
    COUNT_WORDS,
    DISTINCT_WORDS,
    EARNING_VERBS,
    FILLER,
    GRAIN_ADJECTIVES,
    GRAINS,
    GROUPING,
    LOCATION_VERBS,
    MAX_WORDS,
    MIN_WORDS,
    PAY_WORDS,
    SUM_WORDS,
    TOP_WORDS,
    number,
    ordinal,
    word_at,
)

FILLER_PHRASES = {("in", "chronological", "order"), ("of", "all", "time"), ("in", "the", "world"),
                  ("at", "the", "moment"), ("right", "now", ""), ("in", "the", "catalogue"), ("in", "the", "catalog"),
                  ("in", "our", "catalogue"), ("in", "our", "catalog")}  # the catalogue: all of the table's rows
MOST_COMMON, MOST_RECENT = frozenset({"common", "frequent"}), frozenset({"recent", "recently"})


def grammar(words: list[str], i: int, grouping: bool) -> tuple[Item | None, int]:
    word, following = words[i], words[i + 1] if i + 1 < len(words) else ""
    if word in GRAIN_ADJECTIVES:
        return Item("grain", (word,), value=GRAIN_ADJECTIVES[word], grouped=True), 1
    if word in GRAINS and grouping:
        return Item("grain", (word,), value=word), 1
    if word in GRAINS and (word_at(words, i - 1) in {"which", "what"} or words[i - 2:i] in (
            ["which", "single"], ["what", "single"])):  # "in which month did we sell the most"
        return Item("grain", (word,), value=word, grouped=True, connector="which"), 1
    if word == "for" and following in {"each", "every"}:
        return Item("group", (word, following)), 2
    if word == "by" and word_at(words, i - 1) in {"are", "is", "was", "were"}:  # "albums are by AC/DC": made by
        return Item("filler", (word,)), 1
    if word in GROUPING:
        return Item("group", (word,)), 1
    if word == "in" and following in ASKED:  # "average length in minutes": shown in that unit
        return Item("unit", (word, following), value=following), 2
    if word == "name" and i == 0 and following not in {"of", ""}:  # "Name our three biggest customers": list them
        return Item("filler", (word,)), 1
    if word == "new":  # "new customers in March": those its period dates, checked once the period is known
        return Item("new", (word,)), 1
    if word in {"look", "looks", "looked", "looking"} and following == "after":  # "the customers Jane looks after"
        return Item("filler", (word, following)), 2
    if word == "along" and following == "with":  # "the products along with their prices"
        return Item("filler", (word,)), 1
    if word == "directly" and following in {"to", "report", "reports"}:  # "reports directly to"
        return Item("filler", (word,)), 1
    if word == "single" and i and words[i - 1] in {"which", "a", "one", "each", "every"}:  # "which single day"
        return Item("filler", (word,)), 1
    if word in GRAINS and following == "by" and word_at(words, i + 2) == word:  # "revenue month by month"
        return Item("grain", (word, following, word), value=word, grouped=True), 3
    if (word in {"name", "names"} and following == "of") or (word == "full" and following in {"name", "names"}):
        return Item("filler", (word,)), 1  # "the names of our customers": the rows, which show their names
    if word in {"and", ","}:
        return Item("and", (word,)), 1
    count = number(following)
    if word in TOP_WORDS | BOTTOM_WORDS | {"first"} and count is not None:
        return Item("top", (word, following), value=(word not in BOTTOM_WORDS, count)), 2
    if (number(word) is not None and not ordinal(word) and following in TOP_WORDS | BOTTOM_WORDS | MAX_WORDS | MIN_WORDS
            and following not in MEASURED_SUPERLATIVES and not _most_of_a_kind(words, i + 1)):
        # "our 5 biggest customers", "the three cheapest tracks"
        return Item("top", (word, following), value=(following not in BOTTOM_WORDS | MIN_WORDS, number(word))), 2
    if number(word) is not None and word not in {"one", "1"} and not ordinal(word):
        return Item("limit", (word,), value=number(word)), 1  # "which 3 albums have the most tracks"
    if word in DISTINCT_WORDS:
        return Item("distinct", (word,)), 1
    if word == "when" and i == 0:
        return Item("when", (word,)), 1
    if word in LOCATION_VERBS and following in {"in", "on", "at", "to"}:
        return Item("filler", (word,)), 1
    if word in EARNING_VERBS and following == "in":  # "which country brought in the most revenue"
        return Item("filler", (word, following)), 2
    phrase = (word, following, words[i + 2] if i + 2 < len(words) else "")
    if phrase in FILLER_PHRASES:  # "in chronological order", "of all time"
        return Item("filler", phrase), 3
    if word == "most" and following in MOST_COMMON:  # "the most common billing country"
        return Item("mode", (word, following)), 2
    if word == "most" and following in MOST_RECENT:  # "the most recent invoice", "hired most recently"
        return Item("datemost", (word, following), value=(True, False)), 2
    if word in {"top", "bottom"}:
        return Item("top", (word,), value=(word == "top", None)), 1
    if word in MAX_WORDS or word in MIN_WORDS:
        return Item("most", (word,), value=word in MAX_WORDS), 1
    if word in COUNT_WORDS:
        return Item("count", (word,)), 1
    if word in SUM_WORDS or (word == "bill" and word_at(words, i - 1) in PAY_WORDS):
        return Item("agg", (word,), value="sum"), 1
    if word in AVG_WORDS:
        return Item("agg", (word,), value="avg"), 1
    if word in FILLER:
        return Item("filler", (word,)), 1
    return None, 1


def _most_of_a_kind(words: list[str], i: int) -> bool:
    """"most common", "most recent": one item of their own, not "most" ranking a measure."""
    return words[i] == "most" and word_at(words, i + 1) in MOST_COMMON | MOST_RECENT
