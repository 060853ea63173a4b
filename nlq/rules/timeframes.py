"""Time in questions: "in 2024", "Q3 2023", "March 2025", "last quarter", "this year", "past 30 days".

Relative periods are counted from the data's latest date, not today's: a demo or a warehouse loaded last
month should answer "this year" with its own most recent year, not with an empty result. Every period is
a half-open date range [start, end), which compiles to two comparisons any database can use an index for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from nlq.lexicon import number_words
from nlq.rules.words import word_at

MONTHS = {name: number for number, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), start=1)}
MONTHS.update({name[:3]: number for name, number in list(MONTHS.items())})
MONTHS["sept"] = 9
UNITS = {"day": "days", "week": "weeks", "month": "months", "year": "years", "quarter": "quarters"}
RELATIVE_STARTS = {"this", "last", "previous", "past", "current", "prior"}
QUARTERS = {"q1": 1, "q2": 2, "q3": 3, "q4": 4}
OPEN_ENDS = {"since", "after", "before", "until", "through", "till"}


@dataclass(frozen=True)
class Period:
    start: date | None
    end: date | None  # exclusive
    label: str


@dataclass(frozen=True)
class TimeMatch:
    begin: int  # token positions consumed, [begin, end)
    end: int
    needs_latest: bool
    resolve_args: tuple


def find_periods(words: list[str]) -> list[TimeMatch]:
    """Every time expression in the question's words, leftmost-longest, without overlaps."""
    found, position = [], 0
    while position < len(words):
        match = _matchword_at(words, position)
        if match:
            found.append(match)
            position = match.end
        else:
            position += 1
    return found


def resolve(match: TimeMatch, latest: date | None) -> Period | None:
    """The dates of a matched expression; None when it is relative and the data has no dates."""
    kind, *args = match.resolve_args
    if match.needs_latest and latest is None:
        return None
    if kind == "year":
        (year,) = args
        return Period(date(year, 1, 1), date(year + 1, 1, 1), f"in {year}")
    if kind == "quarter":
        quarter, year = args
        start = date(year, 3 * quarter - 2, 1)
        return Period(start, start + relativedelta(months=3), f"in Q{quarter} {year}")
    if kind == "day":
        year, month, day = args
        try:
            start = date(year, month, day)
        except ValueError:
            return None  # "February 30": not a day, so no answer rather than a wrong one
        return Period(start, start + timedelta(days=1), f"on {start:%Y-%m-%d}")
    if kind == "month":
        month, year = args
        start = date(year, month, 1)
        return Period(start, start + relativedelta(months=1), f"in {start:%B %Y}")
    if kind == "between":
        first, last = args
        return Period(date(first, 1, 1), date(last + 1, 1, 1), f"from {first} to {last}")
    if kind == "span":
        (year, month, day), (last_year, last_month, last_day, inclusive) = args
        try:
            start, end = date(year, month, day), date(last_year, last_month, last_day)
        except ValueError:
            return None
        end = end + timedelta(days=1) if inclusive else end
        if end <= start:
            return None
        return Period(start, end, f"from {start:%Y-%m-%d} to {end - timedelta(days=1):%Y-%m-%d}")
    if kind == "open":
        return _open_period(*args)
    assert latest is not None
    if kind == "calendar":
        offset, unit = args
        return _calendar(latest, offset, unit)
    if kind == "rolling":
        count, unit = args
        end = latest + timedelta(days=1)
        return Period(end - relativedelta(**{UNITS[unit]: count}) if unit != "quarter" else
                      end - relativedelta(months=3 * count), end,
                      f"in the last {count} {unit}s (to {latest:%Y-%m-%d})")
    if kind == "to_date":
        return Period(date(latest.year, 1, 1), latest + timedelta(days=1), f"year to date ({latest.year})")
    raise ValueError(kind)


def _open_period(word: str, point: tuple[int, int | None, int | None]) -> Period | None:
    """"since 2020" (from its first day), "after 2020" (from the next year), "before 2020" and "until 2020"
    (up to its first day, or its last): a year, a month or a day."""
    year, month, day = point
    try:
        first = date(year, month or 1, day or 1)
    except ValueError:
        return None
    following = first + (timedelta(days=1) if day else relativedelta(months=1) if month else relativedelta(years=1))
    said = first.isoformat() if day else f"{first:%B %Y}" if month else str(year)
    if word == "since":
        return Period(first, None, f"since {said}")
    if word == "after":
        return Period(following, None, f"after {said}")
    if word == "before":
        return Period(None, first, f"before {said}")
    return Period(None, following, f"until {said}")


def _calendar(latest: date, offset: int, unit: str) -> Period:
    """This (offset 0) or last (offset 1) calendar year / quarter / month / week / day."""
    if unit == "year":
        start = date(latest.year - offset, 1, 1)
        return Period(start, date(start.year + 1, 1, 1), f"in {start.year}")
    if unit == "quarter":
        current = date(latest.year, 3 * ((latest.month - 1) // 3) + 1, 1)
        start = current - relativedelta(months=3 * offset)
        return Period(start, start + relativedelta(months=3), f"in Q{(start.month + 2) // 3} {start.year}")
    if unit == "month":
        start = date(latest.year, latest.month, 1) - relativedelta(months=offset)
        return Period(start, start + relativedelta(months=1), f"in {start:%B %Y}")
    if unit == "week":
        start = latest - timedelta(days=latest.weekday()) - timedelta(weeks=offset)
        return Period(start, start + timedelta(weeks=1), f"in the week of {start:%Y-%m-%d}")
    day = latest - timedelta(days=offset)
    return Period(day, day + timedelta(days=1), f"on {day:%Y-%m-%d}")


def _matchword_at(words: list[str], i: int) -> TimeMatch | None:
    return _spanword_at(words, i) or _dayword_at(words, i) or _quarterword_at(words, i) or _plainword_at(words, i)


def _spanword_at(words: list[str], i: int) -> TimeMatch | None:
    """"between March 1 and March 31, 2018", "from January to March 2018": days or months, the first one's year
    taken from the last when it has none."""
    if word_at(words, i) not in {"between", "from"}:
        return None
    first, used = _point(words, i + 1)
    if first is None or word_at(words, i + 1 + used) not in {"and", "to", "through", "until", "till"}:
        return None
    last, more = _point(words, i + 2 + used)
    if last is None or last[0] is None or (first[2] is None) != (last[2] is None):
        return None
    year = first[0] or last[0]
    start = (year, first[1], first[2] or 1)
    if last[2] is None:  # a month: up to the first day of the next
        end = (last[0] + last[1] // 12, last[1] % 12 + 1, 1, False)
    else:
        end = (last[0], last[1], last[2], True)
    return TimeMatch(i, i + 2 + used + more, False, ("span", start, end))


def _point(words: list[str], i: int) -> tuple[tuple[int | None, int, int | None] | None, int]:
    """A day or a month, with or without its year: ((year, month, day), words used)."""
    word, following, after = word_at(words, i), word_at(words, i + 1), word_at(words, i + 2)
    if word in MONTHS and _day(following):
        return ((int(after), MONTHS[word], _day(following)), 3) if _is_year(after) else \
            ((None, MONTHS[word], _day(following)), 2)
    if _day(word) and following in MONTHS:
        return ((int(after), MONTHS[following], _day(word)), 3) if _is_year(after) else \
            ((None, MONTHS[following], _day(word)), 2)
    if word in MONTHS:
        return ((int(following), MONTHS[word], None), 2) if _is_year(following) else ((None, MONTHS[word], None), 1)
    return None, 0


def _dayword_at(words: list[str], i: int) -> TimeMatch | None:
    """"September 14, 2012", "14 September 2012", "January 9th 2018", "2012-09-14"."""
    word, following, after = word_at(words, i), word_at(words, i + 1), word_at(words, i + 2)
    if word in MONTHS and _day(following) and _is_year(after):
        return TimeMatch(i, i + 3, False, ("day", int(after), MONTHS[word], _day(following)))
    if _day(word) and following in MONTHS and _is_year(after):
        return TimeMatch(i, i + 3, False, ("day", int(after), MONTHS[following], _day(word)))
    if (_is_year(word) and following.isdigit() and len(following) == 2 and after.isdigit() and len(after) == 2
            and 1 <= int(following) <= 12 and _day(after)):
        return TimeMatch(i, i + 3, False, ("day", int(word), int(following), int(after)))
    return None


def _quarterword_at(words: list[str], i: int) -> TimeMatch | None:
    """"the fourth quarter of 2024", "4th quarter 2024", "Q4 of 2024", "the month of March 2025"."""
    word, following, after = word_at(words, i), word_at(words, i + 1), word_at(words, i + 2)
    skip = 1 if after == "of" else 0
    year = word_at(words, i + 2 + skip)
    quarter = number_words().get(word) or (int(word[0]) if word[:1].isdigit() and word[1:] in {"st", "nd", "rd", "th"}
                                           else None)
    if following == "quarter" and quarter in {1, 2, 3, 4} and _is_year(year):
        return TimeMatch(i, i + 3 + skip, False, ("quarter", quarter, int(year)))
    if word in QUARTERS and following == "of" and _is_year(after):
        return TimeMatch(i, i + 3, False, ("quarter", QUARTERS[word], int(after)))
    if (word, following) == ("month", "of") and after in MONTHS and _is_year(word_at(words, i + 3)):
        return TimeMatch(i, i + 4, False, ("month", MONTHS[after], int(word_at(words, i + 3))))
    return None


def _day(word: str) -> int | None:
    digits = word[:-2] if word[-2:] in {"st", "nd", "rd", "th"} else word
    if digits.isdigit() and len(digits) <= 2 and 1 <= int(digits) <= 31:
        return int(digits)
    found = number_words().get(word)
    return found if found and word not in {"one", "two", "three"} and found <= 31 and not word.isdigit() else None


def _plainword_at(words: list[str], i: int) -> TimeMatch | None:
    word = words[i]
    following = words[i + 1] if i + 1 < len(words) else ""
    after = words[i + 2] if i + 2 < len(words) else ""
    if word in QUARTERS and _is_year(following):
        return TimeMatch(i, i + 2, False, ("quarter", QUARTERS[word], int(following)))
    if word in MONTHS and _is_year(following):
        return TimeMatch(i, i + 2, False, ("month", MONTHS[word], int(following)))
    last = word_at(words, i + 3)
    if word == "between" and _is_year(following) and after == "and" and _is_year(last):
        return TimeMatch(i, i + 4, False, ("between", int(following), int(last)))
    if word == "from" and _is_year(following) and after in {"to", "through", "until"} and _is_year(last):
        return TimeMatch(i, i + 4, False, ("between", int(following), int(last)))
    if word in OPEN_ENDS:  # "since 2020", "after March 2024", "before January 9, 2018", "until 2019"
        point, used = _point(words, i + 1)
        if point is not None and point[0] is not None:
            return TimeMatch(i, i + 1 + used, False, ("open", word, point))
        if _is_year(following):
            return TimeMatch(i, i + 2, False, ("open", word, (int(following), None, None)))
    if _is_year(word):
        return TimeMatch(i, i + 1, False, ("year", int(word)))
    if word in {"ytd"} or (word, following, after) == ("year", "to", "date"):
        return TimeMatch(i, i + (1 if word == "ytd" else 3), True, ("to_date",))
    if word in {"today", "yesterday"}:
        return TimeMatch(i, i + 1, True, ("calendar", 0 if word == "today" else 1, "day"))
    if word in RELATIVE_STARTS:
        if following in UNITS:
            offset = 0 if word in {"this", "current"} else 1
            return TimeMatch(i, i + 2, True, ("calendar", offset, following))
        counted = following.isdigit() and 0 < int(following) <= 1000
        if word in {"last", "past", "previous"} and counted and after in UNITS:
            return TimeMatch(i, i + 3, True, ("rolling", int(following), after))
    return None



def _is_year(word: str) -> bool:
    return len(word) == 4 and word.isdigit() and 1900 <= int(word) <= 2100


CYCLES = {("day", "of", "the", "week"): "day of the week", ("day", "of", "week"): "day of the week",
          ("weekday",): "day of the week", ("hour", "of", "the", "day"): "hour of the day",
          ("hour", "of", "day"): "hour of the day", ("month", "of", "the", "year"): "month of the year"}


def cyclic_grouping(words: list[str]) -> str | None:
    """"Each day of the week", "by weekday": a cycle across periods, which the rules never group by (they
    would answer by each day and week instead)."""
    for start in range(len(words)):
        for phrase, name in CYCLES.items():
            if tuple(words[start:start + len(phrase)]) == phrase:
                return name
    return None
