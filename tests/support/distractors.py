"""Realistic big schemas built around any real one, for schema-linking tests and bench/linking.py.

Production databases hold far more than the tables a question needs, and the extra tables look like the real
ones: yearly archives, backups and staging copies with the same columns (and the same values), history and
audit logs, summaries of a table or of two joined, event tables that point at the real one, and other
departments' tables whose names share the business's words (``sales_quote``, ``order_events``). The real
tables keep their names, columns and keys; the look-alikes are added around them until the schema has
``total`` tables.
"""

from __future__ import annotations

import random
from dataclasses import replace

import sqlglot
from sqlglot import exp

from nlq.schema import ColumnInfo, SchemaInfo, TableInfo

DEPARTMENTS = ("sales", "finance", "marketing", "support", "logistics", "procurement", "hr", "it", "legal", "ops")
THINGS = ("order", "quote", "invoice", "payment", "customer", "product", "campaign", "lead", "ticket", "shipment",
          "supplier", "contract", "budget", "employee", "region", "account", "target", "forecast", "return", "refund")
SUFFIXES = ("", "_line", "_history", "_status", "_events", "_summary", "_snapshot", "_stage")


def surround(schema: SchemaInfo, total: int = 300, seed: int = 7) -> SchemaInfo:
    """``schema`` with look-alike tables added until it has ``total`` tables."""
    rng = random.Random(seed)
    real = list(schema.tables)
    taken = {t.name.lower() for t in real}
    made: list[TableInfo] = []
    makers = [_archive, _backup, _staging, _history, _summary, _events, _pair_summary]
    attempts = 0
    while len(real) + len(made) < total and attempts < total * 20:
        attempts += 1
        maker = rng.choice(makers + [_department] * 3)
        table = maker(rng, real)
        if table.name.lower() not in taken:
            taken.add(table.name.lower())
            made.append(table)
    return replace(schema, tables=tuple(real + made))


def _plain(columns: tuple[ColumnInfo, ...]) -> tuple[ColumnInfo, ...]:
    """Copies keep names, types and values but not keys: archives rarely carry constraints."""
    return tuple(replace(c, primary_key=False, references=None, unique=False) for c in columns)


def _archive(rng: random.Random, real: list[TableInfo]) -> TableInfo:
    source = rng.choice(real)
    return TableInfo(f"{source.name}_archive_{rng.randint(2012, 2022)}", _plain(source.columns))


def _backup(rng: random.Random, real: list[TableInfo]) -> TableInfo:
    source = rng.choice(real)
    return TableInfo(f"{source.name}_{rng.choice(['backup', 'bak', 'old', 'copy'])}", _plain(source.columns))


def _staging(rng: random.Random, real: list[TableInfo]) -> TableInfo:
    source = rng.choice(real)
    return TableInfo(f"{rng.choice(['stg', 'tmp', 'raw'])}_{source.name}", _plain(source.columns))


def _history(rng: random.Random, real: list[TableInfo]) -> TableInfo:
    source = rng.choice(real)
    extra = (ColumnInfo("changed_at", "TIMESTAMP"), ColumnInfo("changed_by", "VARCHAR(40)"))
    return TableInfo(f"{source.name}_{rng.choice(['history', 'audit_log', 'changes'])}", _plain(source.columns) + extra)


def _summary(rng: random.Random, real: list[TableInfo]) -> TableInfo:
    source = rng.choice(real)
    text = [c for c in source.columns if "CHAR" in c.type.upper() or "TEXT" in c.type.upper()][:2]
    numbers = [c for c in source.columns if c.type.upper().startswith(("INT", "NUMERIC", "DECIMAL", "REAL", "FLOAT"))
               and not c.primary_key][:3]
    columns = (ColumnInfo("period_start", "DATE"), *_plain(tuple(text)),
               *(ColumnInfo(f"total_{c.name}", "NUMERIC(14,2)") for c in numbers), ColumnInfo("row_count", "INTEGER"))
    return TableInfo(f"{source.name}_{rng.choice(['summary', 'daily_summary', 'monthly_stats', 'agg'])}", columns)


def _events(rng: random.Random, real: list[TableInfo]) -> TableInfo:
    source = rng.choice(real)
    key = next((c.name for c in source.columns if c.primary_key), None)
    reference = f"{source.name}.{key}" if key else None
    columns = (ColumnInfo("event_id", "INTEGER", primary_key=True),
               ColumnInfo(f"{source.name.lower()}_ref", "INTEGER", references=reference),
               ColumnInfo("event_type", "VARCHAR(30)", samples=("created", "updated", "deleted")),
               ColumnInfo("event_time", "TIMESTAMP"))
    return TableInfo(f"{source.name}_{rng.choice(['events', 'event_log', 'activity'])}", columns)


def _pair_summary(rng: random.Random, real: list[TableInfo]) -> TableInfo:
    first, second = rng.sample(real, 2) if len(real) > 1 else (real[0], real[0])
    columns = (ColumnInfo(f"{first.name.lower()}_ref", "INTEGER"), ColumnInfo("period", "VARCHAR(7)"),
               ColumnInfo(f"{second.name.lower()}_count", "INTEGER"), ColumnInfo("total_amount", "NUMERIC(14,2)"))
    return TableInfo(f"{first.name}_{second.name}_summary", columns)


def _department(rng: random.Random, real: list[TableInfo]) -> TableInfo:
    name = f"{rng.choice(DEPARTMENTS)}_{rng.choice(THINGS)}{rng.choice(SUFFIXES)}"
    columns = (ColumnInfo("id", "INTEGER", primary_key=True), ColumnInfo("name", "VARCHAR(80)"),
               ColumnInfo("status", "VARCHAR(20)", samples=("open", "closed")), ColumnInfo("amount", "NUMERIC(12,2)"),
               ColumnInfo("created_on", "DATE"))
    return TableInfo(name, columns)


def gold_tables(sql: str, dialect: str) -> frozenset[str]:
    """The tables a gold query reads (lower case), CTE names left out."""
    tree = sqlglot.parse_one(sql.split(";")[0], dialect=dialect)
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    return frozenset(t.name.lower() for t in tree.find_all(exp.Table)
                     if t.name and t.name.lower() not in ctes)  # json_each(...) is a function, not a table
