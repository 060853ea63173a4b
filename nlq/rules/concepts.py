"""The things a question can name, as the catalog indexes them: a measure to aggregate, an entity (a table's
rows), an attribute (a column to group or list by), a value of the data, and the many-to-one steps between
tables."""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp


@dataclass(frozen=True)
class Measure:
    label: str
    table: str  # the table whose rows are aggregated: joins start here
    expression: exp.Expr  # a column, or a metric's whole aggregate
    aggregated: bool = False  # a metric brings its own aggregation
    additive: bool = False  # a sum means something, so "revenue" alone is read as its total
    filter: exp.Expr | None = None
    time: tuple[str, str] | None = None
    derived: str = ""  # how a measure no column holds is worked out ("unit price × quantity of each line")


@dataclass(frozen=True)
class Entity:
    table: str
    label: str
    key: tuple[str, ...]
    label_columns: tuple[str, ...]
    unnamed: bool = False  # it has name-like columns but none that clearly names a row (company_name, contact_name)
    link: bool = False  # only keys: it joins other tables many-to-many (writes: author ↔ paper)


@dataclass(frozen=True)
class Attribute:
    table: str
    column: str
    label: str


@dataclass(frozen=True)
class Value:
    table: str
    column: str
    value: str
    label: str = ""  # what the column is called in an account of the answer ("country is Brazil")


Concept = Measure | Entity | Attribute | Value


@dataclass(frozen=True)
class Edge:
    """A many-to-one step: ``table.column`` references ``target.target_column``."""
    table: str
    column: str
    target: str
    target_column: str


def column_key(concept: Concept) -> tuple[str, str | None]:
    """The column a concept stands for, so that a table's name column and a dimension naming it are one."""
    if isinstance(concept, Entity):
        return concept.table, concept.label_columns[0] if len(concept.label_columns) == 1 else None
    if isinstance(concept, Measure):
        return concept.table, concept.label
    return concept.table, concept.column
