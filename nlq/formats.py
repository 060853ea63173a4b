"""How a result's columns read: money with two decimals, shares as percentages, counts as whole numbers, dates
without a midnight time, and titles in words ("Units sold", not ``units_sold``).

Decided once, from each column's name and values (and the semantic model's currency), and used everywhere an
answer is shown: the table, the chart's axes, the one-sentence summary, the CSV (full precision, no float
noise) and the Excel sheet (number formats and widths). Deterministic: no model decides how a number reads.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

import pandas as pd

Kind = Literal["money", "share", "percent", "count", "integer", "number", "date", "datetime", "year", "id", "text"]
MONEY_WORDS = frozenset({"revenue", "sales", "amount", "price", "cost", "costs", "spend", "spent", "income",
                         "profit", "salary", "salaries", "budget", "paid", "payment", "payments", "fee", "fees",
                         "value", "target", "turnover", "margin", "total", "invoice", "invoices", "aov", "usd",
                         "eur", "gbp", "dollars", "euros", "balance", "earnings", "billing", "charge"})
SHARE_WORDS = frozenset({"share", "ratio", "fraction", "proportion"})
PERCENT_WORDS = frozenset({"pct", "percent", "percentage"})
COUNT_WORDS = frozenset({"count", "number", "num", "orders", "customers", "units", "quantity", "qty", "items",
                         "rows", "people", "employees", "tracks", "invoices", "n", "total", "visits", "sessions"})
ID_WORDS = frozenset({"id", "code", "zip", "key", "no"})
YEAR_WORDS = frozenset({"year", "yr", "season"})
SIGNIFICANT_DIGITS = 12  # what survives of a float in the CSV: enough for money, none of the summing noise
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


@dataclass(frozen=True)
class ColumnFormat:
    name: str
    title: str
    kind: Kind


def words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name))
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def title(name: str) -> str:
    """``units_sold`` → "Units sold"; ``avgOrderValue`` → "Avg order value"; a name with spaces stays."""
    parts = words(name)
    if not parts:
        return str(name)
    text = " ".join(parts)
    return text[0].upper() + text[1:]


def column_formats(frame: pd.DataFrame) -> dict[str, ColumnFormat]:
    return {str(name): ColumnFormat(str(name), title(str(name)), column_kind(str(name), frame[name]))
            for name in frame.columns}


def column_kind(name: str, series: pd.Series) -> Kind:
    named = set(words(name))
    if pd.api.types.is_datetime64_any_dtype(series) or _all_dates(series):
        return "date" if _all_midnight(series) else "datetime"
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        return "text"
    values = series.dropna()
    whole = bool(len(values)) and bool((values == values.round()).all())
    if named & ID_WORDS or str(name).lower().endswith("id"):
        return "id"
    if named & YEAR_WORDS and whole:
        return "year"
    if named & PERCENT_WORDS:
        return "percent" if values.abs().max() > 1 else "share"
    if named & SHARE_WORDS or (named & {"rate"} and len(values) and values.abs().max() <= 1):
        return "share"
    if named & MONEY_WORDS and not named & (COUNT_WORDS - {"total"}):
        return "money"
    if whole:
        return "count" if named & COUNT_WORDS else "integer"
    return "number"


def format_value(value: object, kind: Kind, currency: str | None = None) -> str:
    """One value as a person reads it: "$3,440,512.25", "36.4%", "1,204", "2024-03-01"."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return "—"
    if kind in ("date", "datetime"):
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
        return stamp.strftime("%Y-%m-%d") if kind == "date" else stamp.strftime("%Y-%m-%d %H:%M")
    if kind in ("text", "id") or isinstance(value, bool) or not isinstance(value, int | float):
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return str(value)
        if kind in ("text", "id"):
            return str(value)
    else:
        number = float(value)
    if kind == "year":
        return str(int(number))
    if kind == "share":
        return f"{number * 100:.1f}%"
    if kind == "percent":
        return f"{number:.1f}%"
    if kind == "money":
        symbol = CURRENCY_SYMBOLS.get((currency or "").upper(), "")
        suffix = f" {currency}" if currency and not symbol else ""
        sign = "-" if number < 0 else ""
        return f"{sign}{symbol}{abs(number):,.2f}{suffix}"
    if kind in ("count", "integer") or number.is_integer():
        return f"{round(number):,}"
    return f"{number:,.2f}"


def short_number(value: float, kind: Kind, currency: str | None = None) -> str:
    """Large figures in a sentence: "3.44 M", "$9.43 M", "12.5 K"; smaller ones as ``format_value``."""
    if kind not in ("money", "count", "integer", "number"):
        return format_value(value, kind, currency)
    for limit, letter in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= max(limit, 1e4):
            scaled = abs(value) / limit
            digits = 0 if scaled >= 100 else 1 if scaled >= 10 else 2
            symbol = CURRENCY_SYMBOLS.get((currency or "").upper(), "") if kind == "money" else ""
            return f"{'-' if value < 0 else ''}{symbol}{scaled:.{digits}f} {letter}"
    return format_value(value, kind, currency)


def without_float_noise(frame: pd.DataFrame) -> pd.DataFrame:
    """Floats rounded to 12 significant digits for the CSV: ``5775117.418000048`` is 5775117.418."""
    copy = frame.copy()
    for name in copy.columns:
        if pd.api.types.is_float_dtype(copy[name]):
            copy[name] = copy[name].map(_significant)
        elif _all_dates(copy[name]) and _all_midnight(copy[name]):
            copy[name] = pd.to_datetime(copy[name]).dt.date
    return copy


def excel_number_format(kind: Kind) -> str | None:
    return {"money": "#,##0.00", "share": "0.0%", "percent": '0.0"%"', "count": "#,##0", "integer": "#,##0",
            "number": "#,##0.00", "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "year": "0"}.get(kind)


def _significant(value: float) -> float:
    if value is None or not math.isfinite(value) or value == 0:
        return value
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def _all_dates(series: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    if series.dtype != object:
        return False
    values = series.dropna().head(50)
    return bool(len(values)) and bool(values.map(lambda v: hasattr(v, "isoformat") and hasattr(v, "year")).all())


def _all_midnight(series: pd.Series) -> bool:
    values = series.dropna()
    if not len(values):
        return True
    try:
        stamps = pd.to_datetime(values)
    except (TypeError, ValueError):
        return False
    return bool((stamps == stamps.dt.normalize()).all())
