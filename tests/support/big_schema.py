"""A generated enterprise schema of 312 tables (12 departments × 26 tables), with keys and foreign keys,
and questions whose gold tables are known: the schema-linking test and benchmark at scale."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Column, Date, ForeignKey, Integer, MetaData, Numeric, String, Table, create_engine

DEPARTMENTS = {
    "sales": ["order", "quote", "contract", "opportunity", "discount", "commission"],
    "hr": ["employee", "department", "salary", "leave_request", "training", "appraisal"],
    "finance": ["invoice", "payment", "ledger_entry", "budget", "expense", "tax_filing"],
    "inventory": ["warehouse", "stock_item", "bin", "stock_count", "transfer", "adjustment"],
    "marketing": ["campaign", "lead", "channel", "ad_spend", "newsletter", "event"],
    "support": ["ticket", "agent", "sla_policy", "escalation", "survey", "knowledge_article"],
    "logistics": ["shipment", "carrier", "route", "vehicle", "delivery", "freight_rate"],
    "procurement": ["supplier", "purchase_order", "requisition", "tender", "supplier_rating", "catalog_item"],
    "manufacturing": ["work_order", "machine", "production_run", "defect", "bill_of_material", "shift"],
    "legal": ["case", "lawyer", "filing", "settlement", "compliance_check", "trademark"],
    "it": ["server", "incident", "license", "asset", "change_request", "backup_job"],
    "research": ["project", "experiment", "patent", "grant", "publication", "lab"],
}
QUALIFIERS = ["", "_line", "_history", "_status", "_type", "_note"]  # with 6 entities: 36 candidates
TABLES_PER_DEPARTMENT = 26
SHARED = ("customer", "product", "region")


@dataclass(frozen=True)
class Question:
    question: str
    tables: frozenset[str]


def build(path: Path) -> tuple[str, list[Question]]:
    """Write the schema to a SQLite file; return its URL and generated questions with gold tables."""
    rng = random.Random(7)
    metadata = MetaData()
    for name in SHARED:
        Table(name, metadata, Column(f"{name}_id", Integer, primary_key=True), Column("name", String(80)),
              Column("created_on", Date))
    questions: list[Question] = []
    for department, entities in DEPARTMENTS.items():
        names = [f"{department}_{e}{q}" for q in QUALIFIERS for e in entities][:TABLES_PER_DEPARTMENT]
        for name in names:
            parent = next((f"{department}_{e}" for e in entities if name != f"{department}_{e}"
                           and name.startswith(f"{department}_{e}_")), None)
            shared = rng.choice(SHARED)
            noun = name.removeprefix(f"{department}_").split("_")[0]
            columns = [Column(f"{name}_id", Integer, primary_key=True), Column("label", String(80)),
                       Column(f"{noun}_date", Date), Column("amount", Numeric(12, 2)), Column("quantity", Integer),
                       Column("status_code", String(20)),
                       Column(f"{shared}_id", Integer, ForeignKey(f"{shared}.{shared}_id"))]
            if parent:
                columns.append(Column(f"{parent}_id", Integer, ForeignKey(f"{parent}.{parent}_id")))
            Table(name, metadata, *columns)
            words = name.replace("_", " ")
            if rng.random() < 0.5:
                questions.append(Question(f"What is the total amount of {words} by {shared} name?",
                                          frozenset({name, shared})))
            else:
                questions.append(Question(f"How many {words} records were there each month?", frozenset({name})))
    engine = create_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    engine.dispose()
    return f"sqlite:///{path}", questions
