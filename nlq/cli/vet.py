"""``python -m nlq vet``: vet SQL statements (JSON lines of id and sql) without running them, one verdict per
line — the gate's own verdicts, for auditing it against an attack corpus."""

from __future__ import annotations

import argparse
import json
import os

from nlq.cli import names
from nlq.engine import open_engine
from nlq.errors import EXIT_DONE, ErrorKind, NlqError
from nlq.settings import load_settings
from nlq.vet import VetPolicy, vet


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.db:
        engine = open_engine(load_settings({**os.environ, "NLQ_DATABASE_URL": args.db}))
        try:
            policy = engine.policy()
        finally:
            engine.close()
    else:
        policy = VetPolicy.for_tables(args.dialect, names(args.tables), max_rows=settings.max_rows)
    for number, line in enumerate(args.jsonl, start=1):
        if line.strip():
            print(json.dumps(verdict(line, number, policy), ensure_ascii=False), flush=True)
    return EXIT_DONE


def verdict(line: str, number: int, policy: VetPolicy) -> dict[str, object]:
    try:
        item = json.loads(line)
        statement_id, statement = item.get("id", number), item["sql"]
    except (ValueError, KeyError, AttributeError, TypeError):
        return {"id": number, "allowed": False, "kind": ErrorKind.INPUT.value,
                "reason": 'each line must be a JSON object with "sql" (and "id")', "sql": None}
    try:
        query = vet(str(statement), policy)
    except NlqError as error:
        return {"id": statement_id, "allowed": False, "kind": getattr(error, "rule", error.kind.value),
                "reason": error.message, "sql": None}
    return {"id": statement_id, "allowed": True, "kind": None, "reason": None, "sql": query.sql}
