"""The vetting step: decide from the parsed tree whether SQL is one read-only query over exposed tables.

The parse tree is the only truth: a statement's first word, a regex or a model's promise decide nothing.
PostgreSQL SQL is parsed by PostgreSQL's own parser (pglast); other dialects by sqlglot. Anything that
fails to parse is refused (fail closed), and what runs is rendered from the vetted tree. SQL longer than
``MAX_SQL_CHARS`` is refused before any parsing: no question needs it, and parsing megabytes a runaway
model wrote would take minutes and gigabytes (or overflow the parser's recursion).
"""

from __future__ import annotations

from nlq.vet.generic import vet_generic
from nlq.vet.policy import VetPolicy, VettedQuery, refuse
from nlq.vet.postgres import too_deep, vet_postgres

__all__ = ["MAX_SQL_CHARS", "VetPolicy", "VettedQuery", "vet"]

MAX_SQL_CHARS = 100_000
SHOWN_CHARS = 1_000  # of SQL too long to vet, what the refusal keeps to show


def vet(sql: str, policy: VetPolicy) -> VettedQuery:
    if len(sql) > MAX_SQL_CHARS:
        shown = f"{sql[:SHOWN_CHARS]}\n-- … {len(sql) - SHOWN_CHARS:,} more characters not shown"
        raise refuse("too_long", f"it is {len(sql):,} characters long, and nlq checks SQL of at most "
                     f"{MAX_SQL_CHARS:,}", shown, "SQL this long is a model repeating itself, not an answer: ask "
                     "again, or a narrower question. SQL written by hand must be shorter.")
    if policy.dialect == "postgres":
        return vet_postgres(sql, policy)
    try:
        return vet_generic(sql, policy)
    except RecursionError:  # sqlglot parses and walks recursively: a statement nested past Python's stack
        raise too_deep(sql) from None
