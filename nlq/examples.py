"""Curated question → SQL examples: the few most like the question go into the prompt.

Small models copy good examples far better than they follow rules. Examples live in a JSONL file the
operator edits (``NLQ_EXAMPLES_FILE``; one object per line with ``question``, ``sql`` and optionally the
``dialect`` the SQL is written in, which sqlglot translates when the database speaks another).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlglot
from sqlglot.errors import SqlglotError

from nlq.errors import SettingsError, not_utf8
from nlq.linking import words

if TYPE_CHECKING:
    from nlq.settings import Settings

DEMO_EXAMPLES = Path(__file__).parent / "demo" / "examples.jsonl"
DEFAULT_COUNT = 3


@dataclass(frozen=True)
class Example:
    question: str
    sql: str


def curated_examples_path(settings: Settings) -> Path | None:
    """NLQ_EXAMPLES_FILE, or the demo's own file on the demo database; None: no curated examples."""
    return settings.examples_file or (DEMO_EXAMPLES if settings.uses_demo_database else None)


def load_examples(path: Path, dialect: str) -> tuple[Example, ...]:
    """Read and (where needed) translate the examples; a broken file stops start-up with its line number."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise not_utf8(path, error, "NLQ_EXAMPLES_FILE") from None
    except OSError as error:
        raise SettingsError(f"Could not read the examples file {path}: {error}.", "Check NLQ_EXAMPLES_FILE.") from None
    examples = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            sql = str(item["sql"])
            written_in = item.get("dialect")
            if written_in and written_in != dialect:
                sql = sqlglot.transpile(sql, read=written_in, write=dialect)[0]
            examples.append(Example(question=str(item["question"]), sql=sql))
        except (ValueError, KeyError, TypeError, SqlglotError) as error:
            raise SettingsError(f"Line {number} of {path} is not a usable example ({error}).",
                                'Each line of NLQ_EXAMPLES_FILE must be a JSON object with "question" and "sql".') \
                from None
    return tuple(examples)


def similar_examples(examples: tuple[Example, ...], question: str, count: int = DEFAULT_COUNT) -> list[Example]:
    """The examples sharing the most words with the question (Jaccard), best first; none that share nothing."""
    asked = words(question)
    scored = []
    for example in examples:
        theirs = words(example.question)
        overlap = len(asked & theirs) / len(asked | theirs) if asked | theirs else 0.0
        if overlap > 0:
            scored.append((overlap, example))
    scored.sort(key=lambda pair: -pair[0])
    return [example for _, example in scored[:count]]
