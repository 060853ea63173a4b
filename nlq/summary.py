"""One sentence under every answer, made without a model from the rows alone.

"North America had the highest revenue: $3.44 M, 36.4% of $9.43 M across these 5 regions." / "Revenue rose
12.0% from 2025-01 to 2025-12; the highest month was 2025-11 ($1.21 M)." It says only what the rows show:
shares and totals only for measures that add up (sums and counts, never averages or rates) and never negative;
"these N" whenever the rows may be a top-N or a capped slice rather than everything.
"""

from __future__ import annotations

import pandas as pd

from nlq.charts import ChartSpec
from nlq.formats import Kind, column_formats, format_value, short_number, title, words

NOT_ADDITIVE = frozenset({"avg", "average", "mean", "median", "rate", "ratio", "share", "pct", "percent",
                          "percentage", "min", "max", "minimum", "maximum", "price", "per"})


def summarize(frame: pd.DataFrame | None, chart: ChartSpec, *, currency: str | None = None,
              complete: bool = True, coverage: str | None = None, noun: str = "rows") -> str:
    """The sentence. ``complete`` is False when the rows are a capped slice; ``coverage`` ("the data runs from
    … to …") completes the sentence of an empty answer; ``noun`` names what an empty answer did not find."""
    if frame is None or frame.empty or _all_missing(frame):
        said = f"No {noun} matched"
        return f"{said}: {coverage}." if coverage else f"{said}."
    formats = column_formats(frame)
    if chart.type == "kpi":
        return _figures(frame, chart, formats, currency)
    if chart.x is not None and len(chart.y) >= 1 and chart.type in ("bar", "pie") and chart.color is None:
        return _ranking(frame, chart.x, chart.y[0], formats, currency, complete)
    if chart.x is not None and chart.x in chart.time_columns and chart.color is None and chart.y:
        return _trend(frame, chart.x, chart.y[0], formats, currency)
    rows = len(frame)
    return f"{rows:,} row{'s' if rows != 1 else ''}" + ("" if complete else " shown, of more") + "."


def _figures(frame: pd.DataFrame, chart: ChartSpec, formats: dict, currency: str | None) -> str:
    row = frame.iloc[0]
    parts = [f"{formats[name].title}: {_value(row[name], formats[name].kind, currency)}" for name in chart.y]
    return "; ".join(parts) + "."


def _ranking(frame: pd.DataFrame, category: str, measure: str, formats: dict, currency: str | None,
             complete: bool) -> str:
    data = frame[[category, measure]].dropna(subset=[measure])
    if data.empty:
        return f"{len(frame):,} rows, none with a {formats[measure].title.lower()}."
    kind: Kind = formats[measure].kind
    top = data.iloc[int(data[measure].to_numpy().argmax())]
    name = formats[measure].title.lower()
    sentence = f"{_label(top[category])} had the highest {name}: {_value(top[measure], kind, currency)}"
    values = data[measure].astype(float)
    if len(data) > 1 and _adds_up(measure) and (values >= 0).all() and values.sum() > 0:
        share = float(top[measure]) / values.sum()
        scope = f"these {len(data):,} {_plural(formats[category].title.lower(), len(data))}"
        sentence += f", {share:.1%} of {_value(values.sum(), kind, currency)} across {scope}"
    elif len(data) > 1:
        low = data.iloc[int(data[measure].to_numpy().argmin())]
        sentence += f"; the lowest was {_label(low[category])} ({_value(low[measure], kind, currency)})"
    if not complete:
        sentence += " (of the rows shown)"
    return sentence + "."


def _trend(frame: pd.DataFrame, period: str, measure: str, formats: dict, currency: str | None) -> str:
    data = frame[[period, measure]].dropna().sort_values(period, kind="stable")
    if len(data) < 2:
        return f"{formats[measure].title}: {_value(data[measure].iloc[0], formats[measure].kind, currency)}." \
            if len(data) else f"{len(frame):,} rows."
    kind: Kind = formats[measure].kind
    first, last = float(data[measure].iloc[0]), float(data[measure].iloc[-1])
    start, end = _period(data[period].iloc[0], formats[period].kind), _period(data[period].iloc[-1],
                                                                             formats[period].kind)
    name = formats[measure].title
    if first > 0:
        change = (last - first) / first
        verb = "rose" if change > 0 else "fell" if change < 0 else "stayed level"
        moved = f" {abs(change):.1%}" if change else ""
        sentence = f"{name} {verb}{moved} from {start} to {end}"
    else:
        sentence = (f"{name} went from {_value(first, kind, currency)} in {start} to "
                    f"{_value(last, kind, currency)} in {end}")
    best = data.iloc[int(data[measure].to_numpy().argmax())]
    unit = _period_word(period)
    sentence += (f"; the highest {unit} was {_period(best[period], formats[period].kind)} "
                 f"({_value(best[measure], kind, currency)})")
    return sentence + "."


def _value(value: object, kind: Kind, currency: str | None) -> str:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return format_value(value, kind, currency)
    return short_number(number, kind, currency) if abs(number) >= 1e4 else format_value(number, kind, currency)


def _label(value: object) -> str:
    text = str(value)
    return text if text.strip() else "(blank)"


def _period(value: object, kind: Kind) -> str:
    if kind in ("date", "datetime"):
        return format_value(value, kind)
    return str(value)


def _period_word(name: str) -> str:
    for word in words(name):
        if word in ("year", "quarter", "month", "week", "day", "date", "hour"):
            return "day" if word == "date" else word
    return "period"


def _adds_up(measure: str) -> bool:
    return not set(words(measure)) & NOT_ADDITIVE


def _plural(noun: str, count: int) -> str:
    if count == 1 or not noun or " " in noun or noun in ("name", "names"):
        return noun if noun and noun not in ("name",) else "rows"
    return noun if noun.endswith("s") else (noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou"
                                             else noun + "s")


def _all_missing(frame: pd.DataFrame) -> bool:
    """One row of nothing: ``SUM`` over no rows gives NULL, which is "no rows matched", not a figure."""
    return len(frame) == 1 and bool(frame.iloc[0].isna().all())


def noun_of(tables: tuple[str, ...]) -> str:
    """What an empty answer did not find, named after the table it counts from ("orders"), else rows."""
    return title(tables[0]).lower() if tables else "rows"
