"""What the model is told: dialect, schema, rules, examples and the conversation, stated once.

The rules here make a good answer likelier; they are not what keeps the database safe (vetting and
read-only execution are). Keep them short: small local models follow short prompts better. This module
holds the words only; ``nlq.writer`` turns them into LangChain messages, so composing a prompt loads no
model library.
"""

from __future__ import annotations

from dataclasses import dataclass

from nlq.answer import Turn
from nlq.examples import Example

DIALECT_NOTES = {
    "sqlite": "SQLite stores dates as TEXT 'YYYY-MM-DD': use strftime('%Y', col) for a year, "
    "strftime('%Y-%m', col) for a month, and CAST(strftime('%Y', col) AS INTEGER) to compare years.",
    "postgresql": "PostgreSQL: use date_trunc('month', col) and EXTRACT(YEAR FROM col) for dates; "
    "ROUND(x::numeric, 2) to round.",
}

SYSTEM_TEMPLATE = """You write SQL for a {dialect} database. Answer the user's question with exactly one \
read-only SQL query.

Rules:
- One SELECT statement (WITH ... SELECT is fine). Never modify data or the database.
- Use only the tables and columns in the schema below.
- {dialect_notes}
- Give computed columns short readable names with AS, and round money to 2 decimals.
- Order results meaningfully (largest first for rankings, chronological for time series).
- Add LIMIT only when the question asks for a number of rows ("top 10").
- If the schema cannot answer the question, reply with one sentence saying why, and no SQL.
- A follow-up question refines the previous one: keep what it does not change.

Reply with the SQL in a ```sql fenced block and nothing else.

Schema:
{schema}"""

GLOSSARY_HEADER = "\n\nBusiness terms (use these definitions when the question uses the term):\n"
PARTIAL_SCHEMA_NOTE = "\n\n(Only the tables relevant to this question are shown.)"
REPAIR_TEMPLATE = """That SQL did not work: {error}

Write a corrected query for the same question. Use only the tables and columns in the schema. Reply with \
the SQL in a ```sql fenced block and nothing else."""
MAX_HISTORY_TURNS = 3


@dataclass(frozen=True)
class Prompt:
    """Everything a model is given for one question; the same prompt goes to the fallback when it answers."""

    question: str
    schema_text: str
    dialect: str
    examples: tuple[Example, ...] = ()
    history: tuple[Turn, ...] = ()
    partial_schema: bool = False
    tables: tuple[str, ...] = ()  # the tables whose schema is in it
    glossary: str = ""  # the owner's definitions (semantic model) of terms over these tables

    @property
    def dialect_notes(self) -> str:
        return DIALECT_NOTES.get(self.dialect, f"Use {self.dialect} syntax and functions.")

    @property
    def schema_section(self) -> str:
        terms = f"{GLOSSARY_HEADER}{self.glossary}" if self.glossary else ""
        return self.schema_text + (PARTIAL_SCHEMA_NOTE if self.partial_schema else "") + terms

    @property
    def recent_history(self) -> tuple[Turn, ...]:
        return self.history[-MAX_HISTORY_TURNS:]
