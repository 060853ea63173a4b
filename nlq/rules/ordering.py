"""Order and time superlatives: "sorted by last name", "newest hire first", "from lowest to highest", and "the
oldest employee", "the most recent invoice", "when was the first invoice issued".

A person's age is their birth date ("the youngest employee": the latest birth date), and only people are
young: "the youngest invoice" is handed over. A superlative of several rows must say how many ("the two
oldest employees"); "our oldest customers" alone is handed over rather than guess a number.
"""

from __future__ import annotations

from nlq.rules.catalog import Catalog
from nlq.rules.concepts import Entity, Value
from nlq.rules.intent import Intent, Item, Rank, Sort, hand_over
from nlq.rules.words import name_words, word_at

EARLY = frozenset({"earliest", "oldest", "eldest", "first"})
LATE = frozenset({"latest", "newest", "youngest", "last"})
AGES = frozenset({"oldest", "eldest", "youngest"})
BIRTH_VERBS = ("birth", "born", "bear")
SORT_VERBS = frozenset({"sorted", "ordered", "arranged", "sort"})
HIGH = frozenset({"highest", "largest", "biggest", "most", "greatest", "top"})
LOW = frozenset({"lowest", "smallest", "least", "fewest", "bottom"})
ASCENDING = frozenset({"ascending", "asc", "increasing"})
DESCENDING = frozenset({"descending", "desc", "decreasing"})
KINDS_BESIDE_A_DATE = {"datemost", "concept", "limit", "dated", "when", "datename"}


def find_order(words: list[str], taken: set[int]) -> tuple[Sort | None, set[int]]:
    """The order a question asks its rows in, and the positions of the words that say it."""
    directions: list[tuple[Sort, int, int]] = []
    for i in range(len(words)):
        if i not in taken and not (directions and i < directions[-1][2]) and (found := _direction(words, i)):
            directions.append(found)
    if len(directions) > 1:
        raise hand_over("it names more than one order")
    sort, used = (directions[0][0], set(range(directions[0][1], directions[0][2]))) if directions else (None, set())
    verbs = [i for i, word in enumerate(words) if word in SORT_VERBS and i not in taken
             and word_at(words, i + 1) in {"by", "on"}]
    if not verbs:
        return sort, used
    start = verbs[0]
    end = min([i for i in used if i > start], default=len(words))
    key = tuple(words[start + 2:end])
    if not key or any(i in taken for i in range(start, end)):
        raise hand_over("it asks for an order without saying by what")
    base = sort or Sort()
    return Sort(key, base.descending, base.by_date, False), used | set(range(start, end))


def _direction(words: list[str], i: int) -> tuple[Sort, int, int] | None:
    """A phrase at ``i`` that says which way: the order, where it starts and where it ends."""
    word, following, after = word_at(words, i), word_at(words, i + 1), word_at(words, i + 2)
    if word == "in" and after == "order" and following in ASCENDING | DESCENDING | {"alphabetical"}:
        return Sort(descending=following in DESCENDING, by_label=following == "alphabetical"), i, i + 3
    if word in ASCENDING | DESCENDING:
        return Sort(descending=word in DESCENDING), i, i + 1
    if word == "alphabetically":
        return Sort(by_label=True), i, i + 1
    start = i + 1 if word == "from" else i
    first, to, second = word_at(words, start), word_at(words, start + 1), word_at(words, start + 2)
    if to == "to" and {first, second} in ({"a", "z"}, {"highest", "lowest"}, {"largest", "smallest"},
                                          {"most", "least"}, {"biggest", "smallest"}, {"oldest", "newest"},
                                          {"earliest", "latest"}):
        descending = first in HIGH | LATE | {"z"}
        return Sort(descending=descending, by_date=first in EARLY | LATE, by_label=first in {"a", "z"}), i, start + 3
    if following == "first" and word in HIGH | LOW:
        return Sort(descending=word in HIGH), i, i + 2
    recent = word == "most" and following == "recent"
    if word in EARLY | LATE or recent:
        begin = i + 2 if recent else i + 1
        for end in range(begin, min(begin + 3, len(words))):
            if words[end] == "first":
                return Sort(tuple(words[begin:end]), recent or word in LATE, by_date=True), i, end + 1
    return None



def time_superlative(word: str) -> Item | None:
    """"latest", "oldest": an item ranking rows by their date (value: latest first?, about a person's age?)."""
    if word in EARLY | LATE:
        return Item("datemost", (word,), value=(word in LATE, word in AGES))
    return None


def date_superlative(items: list[Item], catalog: Catalog) -> Intent:
    """"the oldest employee" (rows ranked by their date), or "when was the first invoice issued" / "the
    earliest invoice date" (the date itself)."""
    if any(item.kind not in KINDS_BESIDE_A_DATE for item in items):
        raise hand_over("it asks for the earliest or latest together with something else")
    superlatives = [item for item in items if item.kind == "datemost"]
    concepts = [item for item in items if item.kind == "concept"]
    values = [item for item in concepts if all(isinstance(c, Value) for c in item.candidates)]
    subjects = [item for item in concepts if item not in values]
    if len(superlatives) != 1 or len(subjects) != 1 or not any(isinstance(c, Entity) for c in subjects[0].candidates):
        raise hand_over("it asks for the earliest or latest without one kind of row to rank")
    latest, age = _flags(superlatives[0])
    entities = [c for c in subjects[0].candidates if isinstance(c, Entity)]
    dated_by = _dates_named(items, catalog, entities, age, superlatives[0].words[0])
    filters = [[c for c in item.candidates if isinstance(c, Value)] for item in values]
    if any(item.kind in {"when", "datename"} for item in items):
        return Intent(measure=list(entities), aggregation="latest" if latest else "earliest", filters=filters,
                      dated_by=dated_by)
    limits = [item for item in items if item.kind == "limit"]
    if len(limits) > 1 or (subjects[0].plural and not limits):
        raise hand_over(f"it asks for the {superlatives[0].words[0]} {' '.join(subjects[0].words)} "
                        "without saying how many")
    limit = int(str(limits[0].value)) if limits else 1
    return Intent(listing=list(entities), filters=filters, dated_by=dated_by, rank=Rank(latest, limit),
                  order=Sort(descending=latest, by_date=True))


def _flags(item: Item) -> tuple[bool, bool]:
    assert isinstance(item.value, tuple)  # time_superlative gives (latest first?, about age?)
    return bool(item.value[0]), bool(item.value[1])


def _dates_named(items: list[Item], catalog: Catalog, entities: list[Entity], age: bool,
                 word: str) -> tuple[tuple[str, str], ...]:
    tables = {e.table for e in entities}
    named = [set(item.value) for item in items if item.kind == "dated"]  # type: ignore[call-overload]
    if age:
        births = {d for verb in BIRTH_VERBS for d in catalog.date_verbs.get(verb, ()) if d[0] in tables}
        if births:
            named.append(births)
        elif word != "oldest":  # "the youngest invoice": only people are young
            raise hand_over(f"“{word}” needs a birth date, and {', '.join(sorted(tables))} has none")
    common = set.intersection(*named) if named else set()
    if named and not common:
        raise hand_over("it names more than one kind of date")
    return tuple(sorted(common))


def sort_column(catalog: Catalog, entity: Entity, sort: Sort) -> str:
    """The column of ``entity``'s table that "sorted by …" names: by its own words ("last name" → LastName) or,
    for one verb, the date it records ("newest hire first" → HireDate)."""
    columns = catalog.columns.get(entity.table, ())
    named = [c for c in columns if name_words(c) == sort.key]
    if not named and len(sort.key) == 1:
        named = [c for t, c in catalog.date_verbs.get(sort.key[0], ()) if t == entity.table]
    if len(named) != 1:
        raise hand_over(f"it asks to sort by “{' '.join(sort.key)}”, which is not one column of {entity.table}")
    return named[0]
