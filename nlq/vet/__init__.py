"""The vetting step: decide from the parsed tree whether SQL is one read-only query over exposed tables.

The parse tree is the only truth: a statement's first word, a regex or a model's promise decide nothing.
PostgreSQL SQL is parsed by PostgreSQL's own parser (pglast); other dialects by sqlglot. Anything that
fails to parse is refused (fail closed), and what runs is rendered from the vetted tree.
"""

from __future__ import annotations

from nlq.vet.generic import vet_generic
from nlq.vet.policy import VetPolicy, VettedQuery
from nlq.vet.postgres import vet_postgres

__all__ = ["VetPolicy", "VettedQuery", "vet"]


def vet(sql: str, policy: VetPolicy) -> VettedQuery:
    if policy.dialect == "postgres":
        return vet_postgres(sql, policy)
    return vet_generic(sql, policy)
