"""Draw a chosen chart with Plotly Express: kept apart from choosing it, so that answering a question never
loads Plotly; only the front ends that show charts do.
"""

from __future__ import annotations

import pandas as pd
import plotly.express as px
from plotly.graph_objects import Figure

from nlq.charts import TOP_CATEGORIES, ChartSpec
from nlq.formats import title


def build_figure(frame: pd.DataFrame, spec: ChartSpec, chart_type: str | None = None) -> Figure | None:
    """The Plotly figure for ``spec`` drawn as ``chart_type`` (one of its alternatives); None for tables
    and KPI cards, which the UI draws itself. Columns are titled in words on axes and in legends."""
    kind = chart_type or spec.type
    if kind in ("table", "kpi") or spec.x is None:
        return None
    titles = {str(c): title(str(c)) for c in frame.columns}
    data = _prepare(frame, spec).rename(columns=titles)
    x, color = titles[spec.x], titles.get(spec.color) if spec.color else None
    names = [titles[name] for name in spec.y]
    y = names if len(names) > 1 else names[0]
    common = {"template": "plotly_white"}
    if kind == "pie":
        return px.pie(data, names=x, values=names[0], **common)
    if kind == "scatter":
        return px.scatter(data, x=x, y=y, color=color, **common)
    if kind in ("line", "area"):
        draw = px.line if kind == "line" else px.area
        figure = draw(data, x=x, y=y, color=color, markers=kind == "line" and len(data) <= 60, **common)
    else:
        barmode = "stack" if kind == "stacked_bar" else "group"
        if spec.horizontal and color is None:
            figure = px.bar(data, y=x, x=y, orientation="h", barmode=barmode, **common)
            figure.update_yaxes(autorange="reversed")
        else:
            figure = px.bar(data, x=x, y=y, color=color, barmode=barmode, **common)
    figure.update_layout(margin={"l": 10, "r": 10, "t": 30, "b": 10}, legend_title_text="")
    if len(names) > 1:  # several measures share the value axis: its title would read "value"
        values_axis = "xaxis_title" if spec.horizontal and color is None else "yaxis_title"
        figure.update_layout(**{values_axis: None})
    return figure


def _prepare(frame: pd.DataFrame, spec: ChartSpec) -> pd.DataFrame:
    data = frame.copy()
    for column in spec.time_columns:
        if pd.api.types.is_integer_dtype(data[column]):
            data[column] = data[column].astype(str)  # 2024 is a period, not 2,024.0 on a numeric axis
        elif not pd.api.types.is_datetime64_any_dtype(data[column]):
            data[column] = pd.to_datetime(data[column].astype(str), format="ISO8601", errors="coerce")
    if spec.time_columns and spec.x in spec.time_columns:
        data = data.sort_values(spec.x, kind="stable")
    if spec.note and spec.x is not None and len(spec.y) == 1:
        data = _top_with_other(data, spec.x, spec.y[0])
    return data


def _top_with_other(data: pd.DataFrame, category: str, measure: str) -> pd.DataFrame:
    ranked = data.sort_values(measure, ascending=False, kind="stable")
    top, rest = ranked.head(TOP_CATEGORIES), ranked.iloc[TOP_CATEGORIES:]
    other = pd.DataFrame({category: [f"Other ({len(rest)} more)"], measure: [rest[measure].sum()]})
    return pd.concat([top[[category, measure]], other], ignore_index=True)
