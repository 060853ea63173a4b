"""What kind of thing a column or table is, from its name and type alone: a number to measure, text to
group by, a date (or a day kept as a number), a summary of other tables."""

from __future__ import annotations

from collections.abc import Sequence

from nlq.rules.words import name_words
from nlq.schema import ColumnInfo, TableInfo

NUMERIC_TYPES = ("INT", "NUMERIC", "DECIMAL", "REAL", "FLOAT", "DOUBLE", "MONEY", "SMALLINT", "BIGINT")
TEXT_TYPES = ("CHAR", "TEXT", "STRING", "CLOB")
IDENTIFIER_WORDS = {"id", "date", "code", "zip", "postal", "phone", "fax", "number", "no", "key", "uuid", "year",
                    "month", "day", "quarter", "week", "latitude", "longitude", "lat", "lon", "lng"}
COPY_SHARE = 0.8  # a table with this share of another's columns, named as it plus a word, copies it
SUMMARY_WORDS = {"summary", "summaries", "rollup", "archive", "backup", "bak", "snapshot", "aggregate"}


def is_summary(table_name: str) -> bool:
    """A table that sums up or keeps old copies of others (``agg_c_10_sales_fact_1997``,
    ``customer_sales_summary``, ``sales_archive_2019``): its numbers are only reached when no other table has them."""
    words = name_words(table_name)
    return bool(words) and (words[0] in {"agg", "aggregate"} or bool(set(words) & SUMMARY_WORDS))


def is_measure(col: ColumnInfo) -> bool:
    words = name_words(col.name)
    return (col.type.upper().startswith(NUMERIC_TYPES) and not col.primary_key and not col.references
            and not (set(words) & IDENTIFIER_WORDS) and not col.name.lower().endswith("id"))


def is_text(col: ColumnInfo) -> bool:
    return any(kind in col.type.upper() for kind in TEXT_TYPES) and not col.references


def is_date(col: ColumnInfo) -> bool:
    return col.type.upper().startswith(("DATE", "TIMESTAMP")) or is_number_date(col)


def is_number_date(col: ColumnInfo) -> bool:
    """An integer column named a date (``date``, ``check_in_date``): days kept as numbers like 20180115, read as
    dates only once its values prove to be (``Catalog.latest``)."""
    return col.type.upper().startswith(("INT", "BIGINT")) and "date" in name_words(col.name)


def copies(tables: Sequence[TableInfo]) -> frozenset[str]:
    """Tables that copy another: its name plus a word and (nearly) its columns (``reserve_employee`` beside
    ``employee``). Their names count for less, so "salary" is the employees' unless the copy is named."""
    by_words = {name_words(t.name): t for t in tables}
    found = set()
    for info in tables:
        words = name_words(info.name)
        for base_words in (words[1:], words[:-1]):
            base = by_words.get(base_words) if base_words else None
            if base is not None and base is not info:
                own = {c.name.lower() for c in base.columns}
                if len(own & {c.name.lower() for c in info.columns}) >= COPY_SHARE * len(own):
                    found.add(info.name)
    return frozenset(found)


def year_parts(info: TableInfo) -> tuple[str, str | None, str | None] | None:
    """A table kept by year (and quarter or month) in integer columns instead of a date (``sales_targets.year``,
    Lahman's ``yearID``): its year, quarter and month columns; None when it has no such year."""
    def named(*words: tuple[str, ...]) -> str | None:
        found = [c.name for c in info.columns if name_words(c.name) in words and c.type.upper().startswith(
            ("INT", "SMALLINT", "BIGINT", "NUMERIC", "DECIMAL"))]
        return found[0] if len(found) == 1 else None
    year = named(("year",), ("year", "id"), ("fiscal", "year"))
    if year is None or any(is_date(c) for c in info.columns):
        return None
    return year, named(("quarter",), ("qtr",), ("fiscal", "quarter")), named(("month",), ("fiscal", "month"))
