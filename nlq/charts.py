"""Choose a chart from the result's shape alone, by fixed rules (``nlq.figures`` draws it with Plotly).

No model decides the chart and no model-written code runs: the same result always gets the same chart.
Columns are sorted into time (dates, ISO date strings, integer year/month columns), measures (numbers
that are not identifiers) and categories (everything else); the mix picks the chart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

TOP_CATEGORIES = 20
LONG_LABEL = 14  # characters; longer category labels get a horizontal bar chart
MAX_SERIES = 12  # more colours than this stop being readable
MAX_KPIS = 4
PIE_MAX_SLICES = 12
TIME_WORDS = {"year", "yr", "month", "quarter", "qtr", "week", "day", "date", "hour", "period"}


@dataclass(frozen=True)
class ChartSpec:
    """Which chart, on which columns; ``alternatives`` are the types the user may switch to."""

    type: str
    x: str | None = None
    y: tuple[str, ...] = ()
    color: str | None = None
    horizontal: bool = False
    alternatives: tuple[str, ...] = ("table",)
    note: str | None = None
    time_columns: tuple[str, ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, object]:
        y: str | list[str] | None = None
        if len(self.y) == 1:
            y = self.y[0]
        elif self.y:
            y = list(self.y)
        return {"type": self.type, "x": self.x, "y": y, "color": self.color}


TABLE_ONLY = ChartSpec(type="table")


def choose_chart(frame: pd.DataFrame, subset: bool = False) -> ChartSpec:
    """``subset``: the rows are some of the whole (a top-N, or capped), so a pie of them would mislead."""
    if frame.empty or frame.shape[1] == 0:
        return TABLE_ONLY
    time = [c for c in frame.columns if _is_time(frame[c], c)]
    measures = [c for c in frame.columns if c not in time and _is_measure(frame[c], c)]
    categories = [c for c in frame.columns if c not in time and c not in measures]
    shape = (len(time), len(measures), len(categories))
    if len(frame) == 1 and not time and not categories and len(measures) <= MAX_KPIS:
        return ChartSpec("kpi", y=tuple(measures), alternatives=("kpi", "table"))
    if measures and len(time) == 1 and not categories:
        return ChartSpec("line", x=time[0], y=tuple(measures[:5]), time_columns=tuple(time),
                         alternatives=("line", "bar", "area", "table"))
    if shape == (1, 1, 1) and frame[categories[0]].nunique() <= MAX_SERIES:
        return ChartSpec("line", x=time[0], y=(measures[0],), color=categories[0], time_columns=tuple(time),
                         alternatives=("line", "area", "grouped_bar", "stacked_bar", "table"))
    if not time and len(categories) == 1 and measures:
        return _bar_spec(frame, categories[0], measures, subset)
    if shape == (0, 1, 2):
        x, color = sorted(categories, key=lambda c: frame[c].nunique(), reverse=True)
        if frame[color].nunique() <= MAX_SERIES:
            return ChartSpec("grouped_bar", x=x, y=(measures[0],), color=color,
                             alternatives=("grouped_bar", "stacked_bar", "table"))
    if shape == (0, 2, 0):
        return ChartSpec("scatter", x=measures[0], y=(measures[1],), alternatives=("scatter", "table"))
    return TABLE_ONLY


def _bar_spec(frame: pd.DataFrame, category: str, measures: list[str], subset: bool) -> ChartSpec:
    """Categories have no order, so no line joins them; a pie only of a whole, with no negative slice."""
    labels = frame[category].astype(str)
    horizontal = labels.str.len().max() > LONG_LABEL
    alternatives = ["bar", "table"]
    one_measure = len(measures) == 1
    if (one_measure and not subset and labels.nunique() <= PIE_MAX_SLICES
            and (frame[measures[0]].dropna() >= 0).all()):
        alternatives.insert(1, "pie")
    note = None
    if labels.nunique() > TOP_CATEGORIES and one_measure:
        note = (f"Showing the top {TOP_CATEGORIES} of {labels.nunique()} {category} values; the rest are "
                "combined as 'Other'.")
    return ChartSpec("bar", x=category, y=_comparable(frame, measures[:3]), horizontal=bool(horizontal),
                     alternatives=tuple(alternatives), note=note)


def _comparable(frame: pd.DataFrame, measures: list[str]) -> tuple[str, ...]:
    """The measures that can share one axis with the first: one a hundred times smaller would be invisible
    bars beside it (a target in billions beside a count of orders); it stays in the table."""
    largest = frame[measures[0]].abs().max()
    if not largest or largest != largest:
        return tuple(measures[:1])
    return tuple(m for m in measures if m == measures[0] or frame[m].abs().max() * 100 >= largest)


def _is_time(series: pd.Series, name: str) -> bool:
    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    values = series.dropna()
    if values.empty:
        return False
    if pd.api.types.is_integer_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return bool(_name_words(name) & TIME_WORDS)
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        sample = values.head(50)
        if sample.map(lambda v: hasattr(v, "isoformat")).all():  # date / datetime objects
            return True
        if sample.map(lambda v: isinstance(v, str) and _looks_like_iso_date(v)).all():
            return True
    return False


def _looks_like_iso_date(text: str) -> bool:
    """'2024', '2024-03', '2024-03-09' and timestamps: what SQLite's strftime and date columns give."""
    head = text[:10]
    if len(head) == 4:
        return head.isdigit() and 1800 <= int(head) <= 2200
    parts = head.split("-")
    return len(parts) in (2, 3) and all(p.isdigit() for p in parts) and len(parts[0]) == 4


def _is_measure(series: pd.Series, name: str) -> bool:
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        return False
    words = _name_words(name)
    return not ({"id", "code", "zip"} & words or name.lower().endswith("id"))


def _name_words(name: str) -> set[str]:
    return {w for w in str(name).lower().replace("-", "_").replace(" ", "_").split("_") if w}


def format_number(value: object) -> str:
    """Readable KPI figures: thousands separators, at most two decimals."""
    if isinstance(value, bool) or (not isinstance(value, (int, float)) and not hasattr(value, "__float__")):
        return str(value)
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return f"{int(number):,}"
    return f"{number:,.2f}"


def pivot(frame: pd.DataFrame | None, spec: ChartSpec) -> pd.DataFrame | None:
    """Two dimensions and one measure (region × channel → revenue) as rows × columns, when each pair appears
    once; None for any other shape. The long table stays the answer; this is a second view of it."""
    if frame is None or spec.x is None or spec.color is None or len(spec.y) != 1:
        return None
    pairs = frame[[spec.x, spec.color]]
    if pairs.duplicated().any() or frame[spec.color].nunique() > MAX_SERIES:
        return None
    table = frame.pivot(index=spec.x, columns=spec.color, values=spec.y[0])
    if spec.x in spec.time_columns:
        table = table.sort_index()
    table.columns = [str(c) for c in table.columns]
    return table.reset_index()
