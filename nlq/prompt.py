"""The prompt that turns a question and a schema into SQL: dialect, schema and rules, stated once.

The rules here make a good answer likelier; they are not what keeps the database safe (vetting and
read-only execution are). Keep them short: small local models follow short prompts better.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder

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

PARTIAL_SCHEMA_NOTE = "\n\n(Only the tables relevant to this question are shown.)"
REPAIR_TEMPLATE = """That SQL did not work: {error}

Write a corrected query for the same question. Use only the tables and columns in the schema. Reply with \
the SQL in a ```sql fenced block and nothing else."""
MAX_HISTORY_TURNS = 3

PROMPT = ChatPromptTemplate.from_messages([
    ("system", SYSTEM_TEMPLATE),
    MessagesPlaceholder("examples"),
    MessagesPlaceholder("history"),
    ("human", "{question}"),
])


@dataclass(frozen=True)
class Turn:
    """An earlier question of the conversation and the SQL that answered it."""

    question: str
    sql: str


def build_messages(question: str, schema_text: str, dialect: str, examples: Sequence[Example] = (),
                   history: Sequence[Turn] = (), partial_schema: bool = False) -> list[BaseMessage]:
    """Examples and earlier turns become question/answer message pairs: small models follow those best."""
    return PROMPT.format_messages(
        dialect=dialect,
        dialect_notes=DIALECT_NOTES.get(dialect, f"Use {dialect} syntax and functions."),
        schema=schema_text + (PARTIAL_SCHEMA_NOTE if partial_schema else ""),
        examples=_pairs((e.question, e.sql) for e in examples),
        history=_pairs((t.question, t.sql) for t in list(history)[-MAX_HISTORY_TURNS:]),
        question=question,
    )


def repair_messages(reply: str, error: str) -> list[BaseMessage]:
    """What to append so the model can fix its own SQL: its reply, then what went wrong."""
    return [AIMessage(content=reply), HumanMessage(content=REPAIR_TEMPLATE.format(error=error))]


def _pairs(pairs: Iterable[tuple[str, str]]) -> list[BaseMessage]:
    messages: list[BaseMessage] = []
    for question, sql in pairs:
        messages += [HumanMessage(content=question), AIMessage(content=f"```sql\n{sql}\n```")]
    return messages
