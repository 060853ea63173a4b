"""Questions with gold SQL, from nlq's JSONL format or the defog benchmark's CSV.

JSONL: one object per line with ``question`` and ``sql`` (gold), and optionally ``id``, ``db`` (which
database it is for), ``kind`` (e.g. simple / complex) and ``dialect`` (the gold SQL's dialect, translated
by sqlglot when the database speaks another). ``sql`` may also map dialects to SQL
(``{"sqlite": "...", "postgres": "..."}``) where no translation can be trusted (week arithmetic). Defog CSV:
``question``, ``query``, ``db_name``, ``query_category``; its gold may list alternatives separated by ``;``
and column choices in braces, ``SELECT {name, id} … GROUP BY {}``, where any non-empty subset of the
columns is acceptable.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path

from nlq.errors import InputError

BRACES_RE = re.compile(r"\{([^{}]*)\}")
MAX_EXPANSIONS = 64


@dataclass(frozen=True)
class EvalCase:
    id: str
    question: str
    gold: tuple[str, ...]  # acceptable gold queries, alternatives expanded
    db: str | None = None
    kind: str | None = None
    dialect: str | None = None
    gold_by_dialect: tuple[tuple[str, tuple[str, ...]], ...] = ()  # gold written for one dialect each

    def gold_for(self, dialect: str) -> tuple[tuple[str, ...], str | None]:
        """The gold queries for a database of ``dialect``, and the dialect they are written in."""
        for name, queries in self.gold_by_dialect:
            if name == dialect:
                return queries, dialect
        return self.gold, self.dialect


def load_cases(path: Path) -> list[EvalCase]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"Could not read {path}: {error.strerror}.", "Pass a JSONL or defog CSV file.") from None
    if path.suffix.lower() == ".csv":
        return _defog_cases(text, path)
    return _jsonl_cases(text, path)


def _jsonl_cases(text: str, path: Path) -> list[EvalCase]:
    cases = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            question, sql = str(item["question"]), item["sql"]
            by_dialect = tuple((str(d), expand_gold(str(s))) for d, s in sql.items()) if isinstance(sql, dict) else ()
            gold = by_dialect[0][1] if by_dialect else expand_gold(str(sql))
            dialect = by_dialect[0][0] if by_dialect else item.get("dialect")
        except (ValueError, KeyError, TypeError, AttributeError, IndexError):
            raise InputError(f"{path}, line {number}: expected a JSON object with question and sql.",
                                'Each line: {"question": "...", "sql": "SELECT ..."}') from None
        cases.append(EvalCase(str(item.get("id", number)), question, gold, item.get("db"), item.get("kind"),
                              dialect, by_dialect))
    return cases


def _defog_cases(text: str, path: Path) -> list[EvalCase]:
    rows = list(csv.DictReader(text.splitlines()))
    if not rows or not {"question", "query"} <= set(rows[0]):
        raise InputError(f"{path} is not a defog questions CSV (columns question, query, db_name).",
                            "Use a file from the defog sql-eval repository, or nlq's JSONL format.")
    return [EvalCase(str(number), row["question"], expand_gold(row["query"]), row.get("db_name") or None,
                     row.get("query_category") or None, "postgres")
            for number, row in enumerate(rows, start=1)]


def expand_gold(query: str) -> tuple[str, ...]:
    """Every acceptable gold query: ``;`` alternatives, and each non-empty subset of a braced column list."""
    expanded: list[str] = []
    for alternative in split_statements(query):
        groups = [g for g in BRACES_RE.findall(alternative) if g.strip()]
        options = [_subsets([c.strip() for c in g.split(",") if c.strip()]) for g in dict.fromkeys(groups)]
        for choice in itertools.islice(itertools.product(*options), MAX_EXPANSIONS):
            chosen = dict(zip(dict.fromkeys(groups), choice, strict=True))
            first = next(iter(chosen.values()), "")

            def fill(match: re.Match[str], chosen: dict[str, str] = chosen, first: str = first) -> str:
                return chosen.get(match.group(1), first)  # an empty {} takes the first group's subset

            expanded.append(BRACES_RE.sub(fill, alternative))
    return tuple(dict.fromkeys(expanded))


def _subsets(columns: list[str]) -> list[str]:
    return [", ".join(combo) for size in range(1, len(columns) + 1) for combo in itertools.combinations(columns, size)]


def split_statements(query: str) -> list[str]:
    """``;``-separated alternatives, not splitting inside quotes."""
    parts: list[str] = []
    current: list[str] = []
    quote: str | None = None
    for char in query:
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == ";":
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]
