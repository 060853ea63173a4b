"""Draw one dashboard tile from its fresh result: title, when its data was read, the chart the user chose (or
the number, or the table), and the SQL; a tile that could not be refreshed says why, as the chat does."""

from __future__ import annotations

import streamlit as st

from nlq.dashboards.refresh import TileResult
from nlq.figures import build_figure
from nlq.formats import column_formats, format_value
from ui.answer_view import column_config
from ui.messages import show_error


def render_tile(result: TileResult, key: str) -> None:
    answer = result.answer
    st.markdown(f"#### {result.tile.title}")
    count = f"{answer.row_count:,} row{'s' * (answer.row_count != 1)}"
    rows = f" · {answer.row_note or count}" if answer.ok else ""
    kept = " · kept from an earlier run" if result.from_cache else ""
    st.caption(f"Data of {result.data_at:%Y-%m-%d %H:%M:%S} UTC{rows}{kept}")
    if answer.error is not None:
        show_error(answer.error, lead="This tile could not be refreshed: ")
    elif answer.empty or answer.frame is None:
        st.info("No rows matched this tile's query now.", icon=":material/search_off:")
    elif result.chart_type == "kpi":
        row, formats = answer.frame.iloc[0], column_formats(answer.frame)
        for column, name in zip(st.columns(len(answer.chart.y)), answer.chart.y, strict=True):
            column.metric(formats[name].title, format_value(row[name], formats[name].kind, result.currency))
    else:
        figure = build_figure(answer.frame, answer.chart, result.chart_type)
        if figure is not None:
            figure.update_layout(height=320)
            st.plotly_chart(figure, key=f"tile-figure-{key}")
        with st.expander("Table", expanded=figure is None):
            st.dataframe(answer.frame, hide_index=True,
                         column_config=column_config(answer.frame, result.currency))
    with st.expander("SQL", icon=":material/code:"):
        st.code(result.tile.sql, language="sql")
