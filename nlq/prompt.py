"""The prompt that turns a question and a schema into SQL: dialect, schema and rules, stated once.

The rules here make a good answer likelier; they are not what keeps the database safe (vetting and
read-only execution are). Keep them short: small local models follow short prompts better.
"""

from __future__ import annotations

from langchain_core.messages import BaseMessage
from langchain_core.prompts import ChatPromptTemplate

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

Reply with the SQL in a ```sql fenced block and nothing else.

Schema:
{schema}"""

PROMPT = ChatPromptTemplate.from_messages([("system", SYSTEM_TEMPLATE), ("human", "{question}")])


def build_messages(question: str, schema_text: str, dialect: str) -> list[BaseMessage]:
    return PROMPT.format_messages(
        dialect=dialect,
        dialect_notes=DIALECT_NOTES.get(dialect, f"Use {dialect} syntax and functions."),
        schema=schema_text,
        question=question,
    )
