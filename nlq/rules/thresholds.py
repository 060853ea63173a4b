"""A number a column of each row must pass: "invoices over $20", "tracks longer than 300,000 milliseconds",
"a total between 10 and 15".

Only a row's own number is compared (or one reached many-to-one from it), never a total or a count: "customers
with more than 5 invoices" and "countries with sales over 1000" compare what a group adds up to, which the
rules do not write, so they are handed over. A number of minutes, seconds or hours is converted to the unit its
column's name states (``nlq.rules.units``); any other unit ("20%", "3 kg") is handed over.
"""

from __future__ import annotations

import re

from sqlglot import exp

from nlq.rules.catalog import Catalog
from nlq.rules.concepts import Concept, Entity, Measure
from nlq.rules.intent import Item, Threshold, hand_over
from nlq.rules.units import ASKED, column_unit, factor
from nlq.rules.words import GRAINS, number, ordinal, word_at

ABOVE = frozenset({"over", "above", "exceeding", "exceed", "beyond"})
BELOW = frozenset({"under", "below"})
MORE = frozenset({"more", "greater", "higher", "larger", "bigger", "longer", "heavier", "taller", "pricier"})
LESS = frozenset({"less", "fewer", "lower", "smaller", "shorter", "lighter", "cheaper"})
AFTER_NUMBER = {("or", "more"): "gte", ("or", "above"): "gte", ("and", "above"): "gte", ("or", "over"): "gte",
                ("and", "up"): "gte", ("or", "less"): "lte", ("or", "fewer"): "lte", ("or", "below"): "lte",
                ("and", "below"): "lte", ("or", "under"): "lte"}
MULTIPLIERS = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "bn": 1e9}
CURRENCY = frozenset({"dollar", "usd", "euro", "eur", "buck", "pound", "gbp"})
UNITS = frozenset({*GRAINS, "minute", "second", "hour", "percent", "%", "per", "cent", "kg", "km", "mile", "time"})
NUMBER_RE = re.compile(r"(\d+(?:\.\d+)?)(k?)")
PRICED = frozenset({"priced", "costing", "valued", "listed", "selling"})
OPERATORS = {"eq": (exp.EQ, "of"), "gt": (exp.GT, "over"), "gte": (exp.GTE, "at least"), "lt": (exp.LT, "under"),
             "lte": (exp.LTE, "at most")}


def comparison(words: list[str], i: int) -> tuple[Item, int] | None:
    """The comparison starting at word ``i`` and how many words it takes, or None when there is none."""
    word, following = words[i], word_at(words, i + 1)
    if word == "between":
        low, used = _number(words, i + 1)
        if low is not None and word_at(words, i + 1 + used) == "and":
            high, more = _number(words, i + 2 + used)
            if high is not None:
                unit = _in_units(words, i + 2 + used + more)
                taken = 2 + used + more + bool(unit)
                return Item("compare", tuple(words[i:i + taken]), value=("between", low, high, unit)), taken
        return None
    operator, skip = None, 0
    if word in ABOVE | BELOW:
        operator, skip = ("gt" if word in ABOVE else "lt"), 1
    elif word in MORE | LESS and following == "than":
        operator, skip = ("gt" if word in MORE else "lt"), 2
    elif word == "at" and following in {"least", "most"}:
        operator, skip = ("gte" if following == "least" else "lte"), 2
    elif word == "at" and word_at(words, i - 1) in PRICED:  # "tracks priced at $1.99"
        operator, skip = "eq", 1
    if operator is None:
        value, used = _number(words, i)
        if value is None:
            return None
        trailing = AFTER_NUMBER.get((word_at(words, i + used), word_at(words, i + used + 1)))
        if trailing is None:
            return None
        unit = _in_units(words, i + used + 2)
        return Item("compare", tuple(words[i:i + used + 2]), value=(trailing, value, None, unit)), used + 2 + bool(unit)
    value, used = _number(words, i + skip)
    if value is None:
        return None
    unit = _in_units(words, i + skip + used)
    taken = skip + used + bool(unit)
    return Item("compare", tuple(words[i:i + taken]), value=(operator, value, None, unit)), taken


def _in_units(words: list[str], i: int) -> str:
    """The unit of time the number is in ("ten minutes"), "" for none; any other unit is handed over."""
    if word_at(words, i) in ASKED:
        return word_at(words, i)
    if word_at(words, i) in UNITS:
        raise hand_over(f"it compares with a number of {word_at(words, i)}s, which the rules do not convert")
    return ""


def _number(words: list[str], i: int) -> tuple[float | None, int]:
    """"20", "23.86", "10k", "20 million", "5 dollars": the number and how many words it takes."""
    match = NUMBER_RE.fullmatch(word_at(words, i))
    spelled = number(word_at(words, i)) if match is None and not ordinal(word_at(words, i)) else None
    if match is None and spelled is None:
        return None, 0
    value = float(match.group(1)) * (1e3 if match.group(2) else 1) if match is not None else float(spelled or 0)
    used = 1  # "ten minutes", "20 dollars"
    if word_at(words, i + used) in MULTIPLIERS:
        value, used = value * MULTIPLIERS[word_at(words, i + used)], used + 1
    if word_at(words, i + used) in CURRENCY:
        used += 1
    return value, used



def take_thresholds(items: list[Item], catalog: Catalog) -> tuple[list[Item], list[Threshold]]:
    """The items left once each comparison has taken the column it compares, and the comparisons."""
    thresholds: list[Threshold] = []
    used: set[int] = set()
    for position, item in enumerate(items):
        if item.kind != "compare":
            continue
        assert isinstance(item.value, tuple)  # comparison gives (operator, low, high, unit of time or "")
        operator, low, high, unit = item.value
        target, taken = _compared(items, position, catalog, str(unit))
        used |= {position, *taken}
        if unit:
            target, scale = _timed(target, str(unit))
            low, high = float(low) * scale, None if high is None else float(high) * scale
        thresholds.append(Threshold(tuple(target), str(operator), float(low), None if high is None else float(high)))
    return [item for position, item in enumerate(items) if position not in used], thresholds


def _timed(target: list[Concept], unit: str) -> tuple[list[Concept], float]:
    """The columns compared with a number of minutes, and how many of their unit make one minute."""
    timed = [(c, found) for c in target if isinstance(c, Measure) and isinstance(c.expression, exp.Column)
             and (found := column_unit(c.expression.name))]
    if not timed or len({found for _, found in timed}) > 1:
        raise hand_over(f"it compares with a number of {unit}s, and no column says it holds a time in a unit")
    return [c for c, _ in timed], factor(timed[0][1], unit)


def _compared(items: list[Item], position: int, catalog: Catalog, unit: str = "") -> tuple[list[Concept], set[int]]:
    """The numeric column a comparison is about: named right after the number ("300,000 milliseconds"), right
    before it ("a total over 20"), or the one money column of the rows named before it ("invoices over $20")."""
    after = items[position + 1] if position + 1 < len(items) else None
    before = items[position - 1] if position else None
    for neighbour, index in ((after, position + 1), (before, position - 1)):
        if neighbour is not None and neighbour.kind == "agg" and index == position - 1:
            named = [c for c in catalog.lookup(neighbour.words) if isinstance(c, Measure)]  # "a total over 20"
            neighbour = Item("concept", neighbour.words, list(named)) if named else None
        if neighbour is None or neighbour.kind != "concept":
            continue
        kinds = {type(c) for c in neighbour.candidates}
        if kinds == {Measure}:
            if any(c.aggregated for c in neighbour.candidates if isinstance(c, Measure)):
                raise hand_over(f"it compares a total (“{' '.join(neighbour.words)}”) with a number")
            if index == position - 1 and index and items[index - 1].kind in {"agg", "count", "most"}:
                raise hand_over("it compares a total or an average with a number")
            return neighbour.candidates, {index}
        if neighbour is after and Entity in kinds:
            raise hand_over(f"it compares a number of {' '.join(neighbour.words)}, which is a count of rows")
    if before is not None and before.kind == "concept":
        tables = {c.table for c in before.candidates if isinstance(c, Entity)}
        money: list[Concept] = [c for c in catalog.lookup(("revenue",)) if isinstance(c, Measure) and c.table in tables
                 and not c.aggregated]
        if unit:  # "tracks longer than ten minutes": the rows' one column of time
            money = [c for t in sorted(tables) for c in catalog.measures_of(t) if isinstance(c.expression, exp.Column)
                     and column_unit(c.expression.name)]
        if len(money) == 1:
            return money, set()
    raise hand_over("it compares with a number without saying which number of each row")


def condition(column: exp.Expr, threshold: Threshold) -> exp.Expr:
    if threshold.operator == "between":
        return exp.Between(this=column, low=_literal(threshold.low), high=_literal(threshold.high or 0))
    operator, _ = OPERATORS[threshold.operator]
    return operator(this=column, expression=_literal(threshold.low))


def label(name: str, threshold: Threshold) -> str:
    """"total over 20", "total between 10 and 15", for the answer's account of how it was read."""
    if threshold.operator == "between":
        return f"{name} between {_plain(threshold.low)} and {_plain(threshold.high or 0)}"
    return f"{name} {OPERATORS[threshold.operator][1]} {_plain(threshold.low)}"


def _literal(value: float) -> exp.Expr:
    return exp.Literal.number(_plain(value))


def _plain(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)
