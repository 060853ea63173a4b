"""The optional semantic model file: the owner's names for what the schema cannot say by itself.

A schema says ``order_lines.quantity`` and ``unit_price``; only the business knows that "revenue" is
``SUM(quantity * unit_price * (1 - discount))`` over orders that were not cancelled. The file is YAML,
read once, and checked against the live schema, so a typo is reported at start with its place in the file
rather than turning into a wrong answer later. Expressions are parsed by sqlglot: they are data, and
the rules tier splices their syntax trees, never their text.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlglot
import yaml
from sqlglot import exp

from nlq.errors import SettingsError, not_utf8
from nlq.schema import SchemaInfo


@dataclass(frozen=True)
class Metric:
    name: str
    expression: exp.Expr  # an aggregate over the schema's columns, qualified by table name
    filter: exp.Expr | None = None
    time: tuple[str, str] | None = None  # (table, column) questions about "2024" filter on
    synonyms: tuple[str, ...] = ()
    description: str = ""
    label: str = ""  # how answers name it ("Net revenue (USD)"); the name when empty


@dataclass(frozen=True)
class NamedDimension:
    name: str
    table: str
    column: str
    synonyms: tuple[str, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class TableNotes:
    synonyms: tuple[str, ...] = ()
    time: str | None = None  # the default time column of the table's facts
    label: tuple[str, ...] = ()  # columns that name one row ("name", or "first_name, last_name")


@dataclass(frozen=True)
class SemanticModel:
    metrics: tuple[Metric, ...] = ()
    dimensions: tuple[NamedDimension, ...] = ()
    tables: dict[str, TableNotes] = field(default_factory=dict)
    prefer: tuple[str, ...] = ()  # readings chosen once for all ("customer.country"): asked questions take them
    currency: str | None = None  # what money columns are in ("USD"): answers print "$3.44 M"


SECTIONS = frozenset({"metrics", "dimensions", "tables", "prefer", "currency"})


def load_semantic_model(path: Path, schema: SchemaInfo) -> SemanticModel:
    """Read and check the file; every problem names the file, the entry and what to change."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError as error:
        raise not_utf8(path, error, "NLQ_SEMANTIC_MODEL") from None
    except (OSError, yaml.YAMLError) as error:
        raise _problem(path, f"it could not be read as YAML ({error})") from None
    if not isinstance(raw, dict):
        raise _problem(path, "the top level must be a mapping with metrics, dimensions, tables and prefer")
    unknown = set(raw) - SECTIONS
    if unknown:
        raise _problem(path, f"unknown section {', '.join(sorted(unknown))} (known: {', '.join(sorted(SECTIONS))})")
    checker = _Checker(path, schema)
    return SemanticModel(
        metrics=tuple(checker.metric(name, spec) for name, spec in _mapping(raw, "metrics", path).items()),
        dimensions=tuple(checker.dimension(name, spec) for name, spec in _mapping(raw, "dimensions", path).items()),
        tables={name: checker.table(name, spec) for name, spec in _mapping(raw, "tables", path).items()},
        prefer=checker.prefer(raw.get("prefer") or []),
        currency=_currency(raw.get("currency"), path),
    )


def _currency(value: Any, path: Path) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not (len(value.strip()) == 3 and value.strip().isalpha()):
        raise _problem(path, f"currency must be a three-letter ISO code such as USD or EUR, not {value!r}")
    return value.strip().upper()


def save_preference(path: Path, reading: str) -> None:
    """An admin makes a reading the default: added to the file's ``prefer`` list (the rest of the file as it
    was, comments aside), written beside it and renamed so a crash never leaves half a file."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    raw = raw if isinstance(raw, dict) else {}
    prefer = [str(p) for p in raw.get("prefer") or []]
    if reading not in prefer:
        raw["prefer"] = [*prefer, reading]
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    partial.replace(path)


class _Checker:
    def __init__(self, path: Path, schema: SchemaInfo) -> None:
        self.path = path
        self.schema = schema

    def metric(self, name: str, spec: Any) -> Metric:
        spec = {"sql": spec} if isinstance(spec, str) else spec
        where = f"metric {name!r}"
        self._keys(spec, where, {"sql", "filter", "time", "synonyms", "description", "label"}, required={"sql"})
        expression = self._expression(spec["sql"], where)
        if not any(isinstance(node, exp.AggFunc) for node in expression.walk()):
            raise _problem(self.path, f"{where}: its sql must aggregate, e.g. SUM(table.column)")
        return Metric(
            name=str(name),
            expression=expression,
            filter=self._expression(spec["filter"], where) if spec.get("filter") else None,
            time=self._column(spec["time"], where) if spec.get("time") else None,
            synonyms=self._words(spec.get("synonyms"), where),
            description=str(spec.get("description") or ""),
            label=str(spec.get("label") or ""),
        )

    def dimension(self, name: str, spec: Any) -> NamedDimension:
        spec = {"column": spec} if isinstance(spec, str) else spec
        where = f"dimension {name!r}"
        self._keys(spec, where, {"column", "synonyms", "label"}, required={"column"})
        table, column = self._column(spec["column"], where)
        return NamedDimension(str(name), table, column, self._words(spec.get("synonyms"), where),
                              str(spec.get("label") or ""))

    def table(self, name: str, spec: Any) -> TableNotes:
        where = f"table {name!r}"
        info = self.schema.table(name)
        if info is None:
            raise _problem(self.path, f"{where} is not an exposed table of this database")
        self._keys(spec, where, {"synonyms", "time", "label"})
        for column in [spec.get("time"), *self._words(spec.get("label"), where)]:
            if column and info.column(column) is None:
                raise _problem(self.path, f"{where}: it has no column {column!r}")
        return TableNotes(self._words(spec.get("synonyms"), where), spec.get("time"),
                          self._words(spec.get("label"), where))

    def _expression(self, text: Any, where: str) -> exp.Expr:
        try:
            expression = sqlglot.parse_one(str(text), read="postgres")
        except sqlglot.errors.ParseError as error:
            raise _problem(self.path, f"{where}: {text!r} is not SQL ({error})") from None
        if any(isinstance(node, (exp.Select, exp.Subquery)) for node in expression.walk()):
            raise _problem(self.path, f"{where}: use an expression over table.column names, not a query")
        for node in expression.find_all(exp.Column):
            self._column(f"{node.table}.{node.name}" if node.table else node.name, where)
        return expression

    def prefer(self, raw: Any) -> tuple[str, ...]:
        """``prefer``: table.column readings (or a table, for counts of its rows) to take when a question forks."""
        if not isinstance(raw, list):
            raise _problem(self.path, "prefer must be a list of table.column names")
        for item in raw:
            if "." in str(item):
                self._column(item, "prefer")
            elif self.schema.table(str(item)) is None:
                raise _problem(self.path, f"prefer: {item!r} must be table.column or a table of this database")
        return tuple(str(item) for item in raw)

    def _column(self, text: Any, where: str) -> tuple[str, str]:
        table, dot, column = str(text).partition(".")
        info = self.schema.table(table) if dot else None
        if info is None or info.column(column) is None:
            raise _problem(self.path, f"{where}: {text!r} must be table.column of an exposed table")
        return table, column

    def _keys(self, spec: Any, where: str, allowed: Set[str], required: Set[str] = frozenset()) -> None:
        if not isinstance(spec, dict):
            raise _problem(self.path, f"{where} must be a mapping")
        if set(spec) - allowed or required - set(spec):
            raise _problem(self.path, f"{where}: expected keys {', '.join(sorted(allowed))} "
                                      f"({', '.join(sorted(required)) or 'none'} required), got {', '.join(spec)}")

    def _words(self, value: Any, where: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",")]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _problem(self.path, f"{where}: expected a list of words")
        return tuple(v for v in value if v)


def _mapping(raw: dict, key: str, path: Path) -> dict:
    section = raw.get(key) or {}
    if not isinstance(section, dict):
        raise _problem(path, f"{key} must be a mapping of names to definitions")
    return section


def _problem(path: Path, what: str) -> SettingsError:
    return SettingsError(f"The semantic model {path} is invalid: {what}.",
                         "Fix that entry (docs/answering.md (The semantic model file) shows the format), "
                         "or unset NLQ_SEMANTIC_MODEL.")


def semantic_concepts(model: SemanticModel | None) -> dict[str, list[str]]:
    """The owner's words for each table (metric names and synonyms, dimensions, table synonyms): schema linking
    finds "net revenue" in the tables its metric reads."""
    found: dict[str, list[str]] = {}
    for metric in model.metrics if model else ():
        for node in metric.expression.find_all(exp.Column):
            found.setdefault(node.table, []).extend([metric.name, *metric.synonyms])
    for dimension in model.dimensions if model else ():
        found.setdefault(dimension.table, []).extend([dimension.name, *dimension.synonyms])
    for table, notes in (model.tables if model else {}).items():
        found.setdefault(table, []).extend(notes.synonyms)
    return found


def glossary(model: SemanticModel | None, tables: Iterable[str]) -> str:
    """The owner's definitions whose tables are all in the prompt, for the model as for the rules tier."""
    shown = set(tables)
    lines = []
    for metric in model.metrics if model else ():
        used = {c.table for c in metric.expression.find_all(exp.Column)}
        if metric.filter is not None:
            used |= {c.table for c in metric.filter.find_all(exp.Column)}
        if used <= shown:
            where = f" WHERE {metric.filter.sql()}" if metric.filter is not None else ""
            also = f" (also called {', '.join(metric.synonyms)})" if metric.synonyms else ""
            lines.append(f"- {metric.name}{also}: {metric.expression.sql()}{where}")
    for dimension in model.dimensions if model else ():
        if dimension.table in shown:
            also = f" (also called {', '.join(dimension.synonyms)})" if dimension.synonyms else ""
            lines.append(f"- {dimension.name}{also}: {dimension.table}.{dimension.column}")
    for table, notes in (model.tables if model else {}).items():
        if table in shown and notes.synonyms:
            lines.append(f"- {', '.join(notes.synonyms)}: the table {table}")
    return "\n".join(lines)
