"""Whether a generated result answers the question as the gold result does.

Execution accuracy, as text-to-SQL benchmarks measure it: the rows must be the same (as a multiset, or in
order when the gold query orders and the question asks for an order), numbers equal after rounding, column
names and order free, and extra columns allowed — the gold columns must be found among the generated ones.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pandas as pd
import sqlglot
from sqlglot import exp

DECIMALS = 2
PERIOD_LABEL = re.compile(r"(\d{4})-Q?(\d{1,2})")
MAX_ASSIGNMENTS = 2000
ORDER_WORDS = re.compile(r"\b(order(ed)?|sort(ed)?|rank(ed|ing)?|top|bottom|highest|lowest|most|least|fewest|"
                         r"largest|smallest|biggest|best|worst|ascending|descending|first|last|latest|earliest|"
                         r"chronological(ly)?|alphabetical(ly)?)\b", re.IGNORECASE)


def same_result(gold: pd.DataFrame, generated: pd.DataFrame, ordered: bool) -> bool:
    if len(gold) != len(generated) or len(gold.columns) > len(generated.columns):
        return False
    gold_columns = [_column(gold, i) for i in range(len(gold.columns))]
    generated_columns = [_column(generated, i) for i in range(len(generated.columns))]
    generated_columns += [form for column in generated_columns for form in _period_numbers(column)]
    if not gold_columns:
        return True
    signature = (lambda values: values) if ordered else (lambda values: sorted(values, key=repr))
    candidates = [[j for j, other in enumerate(generated_columns) if signature(other) == signature(column)]
                  for column in gold_columns]
    if any(not options for options in candidates):
        return False
    gold_rows = list(zip(*gold_columns, strict=True))
    for assignment in itertools.islice(itertools.product(*candidates), MAX_ASSIGNMENTS):
        if len(set(assignment)) != len(assignment):
            continue
        rows = list(zip(*(generated_columns[j] for j in assignment), strict=True))
        if (rows == gold_rows) if ordered else (Counter(rows) == Counter(gold_rows)):
            return True
    return False


def _period_numbers(column: list[Any]) -> list[list[Any]]:
    """"2025-Q1", "2025-03" as 1 and 3 (and "Q1") when all lie in one year: the same answer as a gold query that
    groups one year's rows by quarter or month number or by a quarter's name (a label format the rules choose
    and say; issue 13)."""
    found = [PERIOD_LABEL.fullmatch(value) if isinstance(value, str) else None for value in column]
    if not found or any(match is None for match in found) or len({m.group(1) for m in found if m}) != 1:
        return []
    numbers = [float(m.group(2)) for m in found if m]
    quarters = all(m.group(0)[5:6] == "Q" for m in found if m)
    return [numbers, [f"Q{int(n)}" for n in numbers]] if quarters else [numbers]


def needs_order(question: str, gold_sql: str, dialect: str | None) -> bool:
    """Order counts when the gold query orders its result and the question asks for an order."""
    if not ORDER_WORDS.search(question):
        return False
    try:
        tree = sqlglot.parse_one(gold_sql, read=dialect)
    except sqlglot.errors.SqlglotError:
        return False
    return isinstance(tree, exp.Query) and tree.args.get("order") is not None


def _column(frame: pd.DataFrame, index: int) -> list[Any]:
    return [normalize(value) for value in frame.iloc[:, index].tolist()]


def normalize(value: Any) -> Any:
    """One spelling per value: numbers rounded, dates as ISO text, padded text trimmed, missing as None."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = round(float(value), DECIMALS)
        return 0.0 if number == 0 else number
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    if hasattr(value, "item"):  # numpy scalars
        return normalize(value.item())
    return str(value)
