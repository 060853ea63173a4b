"""Draw one answer: summary, chart (switchable), table, SQL and CSV download, or a friendly error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from nlq.answer import Answer
from nlq.charts import pivot
from nlq.errors import ErrorKind
from nlq.export import excel_bytes, excel_filename
from nlq.figures import build_figure
from nlq.formats import ColumnFormat, column_formats, format_value
from nlq.route import Route
from ui.messages import show_error
from ui.pin import pin_answer
from ui.verify import verify_control

CHART_LABELS = {
    "kpi": "Number",
    "line": "Line",
    "area": "Area",
    "bar": "Bar",
    "grouped_bar": "Grouped bar",
    "stacked_bar": "Stacked bar",
    "pie": "Pie",
    "scatter": "Scatter",
    "table": "Table only",
}


CAPTION_PREFIX = {Route.EDITED: "Edited SQL · ", Route.RERUN: "Re-run · "}
EXCEL_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EditCallback = Callable[[Answer, str], None]
ChooseCallback = Callable[[Answer, str], None]  # (the answer that asked, the reading chosen, or MODEL_DECIDES)
MODEL_DECIDES = ""


def render_answer(answer: Answer, key: str, on_edit: EditCallback | None = None,
                  on_choose: ChooseCallback | None = None, may_set_default: bool = False,
                  pinnable: bool = True, verifiable: bool = True) -> None:
    """Draws an answer; ``on_edit(answer, sql)`` is called when the analyst runs an edited statement, and
    ``on_choose(answer, reading)`` when the user picks one of the readings an answer asked about; ``pinnable``
    offers "Pin to dashboard" (History pins its entry itself); ``verifiable`` offers admins "Mark verified"
    (History verifies its entry itself)."""
    st.caption((CAPTION_PREFIX.get(answer.route, "") if answer.route else "") + answer.status_line)
    _render_route(answer)
    if answer.notice:
        st.info(answer.notice, icon=":material/cloud:")
    if answer.error is not None:
        _render_error(answer)
        if answer.clarify is not None and on_choose is not None:
            _render_readings(answer, key, on_choose, may_set_default)
            return
        _render_editor(answer, key, on_edit)
        return
    if answer.empty:
        st.info(f"**{answer.summary or 'No rows matched your question.'}** Try a wider period, fewer filters, or "
                "check the values you named (see the SQL below).", icon=":material/search_off:")
    else:
        if answer.summary:
            st.markdown(answer.summary)
        _render_chart(answer, key)
        _render_table(answer, key)
        if answer.row_note:
            st.caption(answer.row_note)
    for check in answer.checks:
        if not (answer.empty and check.kind == "outside_data"):  # the empty answer's sentence already says it
            st.warning(check.message, icon=":material/warning:")
    _render_sql(answer)
    if not answer.empty:
        csv_column, excel_column = st.columns(2, width=420)
        csv_column.download_button("Download CSV", data=answer.csv_bytes(), file_name=answer.csv_filename,
                                   mime="text/csv", key=f"csv-{key}", on_click="ignore", icon=":material/download:")
        excel_column.download_button("Download Excel", data=lambda: excel_bytes(answer),
                                     file_name=excel_filename(answer), mime=EXCEL_MIME, key=f"xlsx-{key}",
                                     on_click="ignore", icon=":material/table_view:",
                                     help="The data, and a second sheet saying where it came from")
    if pinnable and answer.sql:
        pin_answer(answer, key)
    if verifiable and answer.sql and answer.route is not Route.VERIFIED:
        verify_control(answer.question, answer.sql, key)
    _render_editor(answer, key, on_edit)


def _render_route(answer: Answer) -> None:
    """Which route answered and why: the evidence of what this answer cost and how it was read."""
    route = answer.route
    if route is not None:
        label = answer.verified.badge if answer.verified else route.label  # "Verified by ana@… on 12 Nov"
        st.badge(label, icon=route.icon, color=route.colour, help=answer.route_reason)
    if answer.verified and answer.verified.title:
        st.caption(f"Verified answer: **{answer.verified.title}**")
    if answer.understood:
        st.caption(f"Understood as: **{answer.understood}**")
    elif answer.route_reason and route is not None and (route.uses_model or route is Route.RERUN):
        st.caption(answer.route_reason)
    st.caption(f":material/shield_lock: Left this machine: {answer.sent_to}")


def _render_error(answer: Answer) -> None:
    error = answer.error
    assert error is not None
    show_error(error)
    if answer.sql:
        st.code(answer.sql, language="sql")
    if error.kind is ErrorKind.NO_SQL and answer.model_reply:
        with st.expander("What the model replied"):
            st.text(answer.model_reply)


def _render_readings(answer: Answer, key: str, on_choose: ChooseCallback, may_set_default: bool) -> None:
    """One button per reading (it answers at once and is remembered for the rest of the chat), and one to let
    the model decide instead."""
    assert answer.clarify is not None
    for index, reading in enumerate(answer.clarify.readings):
        st.button(reading.label, key=f"reading-{key}-{index}", help=f"Answers: {reading.understood}",
                  on_click=on_choose, args=(answer, reading.value), icon=":material/arrow_forward:")
    st.button("Let the model decide", key=f"reading-{key}-model", on_click=on_choose, args=(answer, MODEL_DECIDES),
              icon=":material/smart_toy:", type="tertiary")
    if may_set_default:
        st.checkbox("Make my choice the default for everyone (saved in the semantic model file)",
                    key=f"default-reading-{key}")


def _render_chart(answer: Answer, key: str) -> None:
    spec = answer.chart
    if spec.type == "table" or answer.frame is None:
        return
    chosen = spec.type
    if len(spec.alternatives) > 1:
        chosen = st.segmented_control("Chart type", options=list(spec.alternatives), default=spec.type,
                                      format_func=lambda option: CHART_LABELS.get(option, option),
                                      key=f"chart-{key}",
                                      label_visibility="collapsed") or spec.type
    if chosen == "kpi":
        row = answer.frame.iloc[0]
        formats = column_formats(answer.frame)
        for column, name in zip(st.columns(len(spec.y)), spec.y, strict=True):
            column.metric(formats[name].title, format_value(row[name], formats[name].kind, answer.currency))
    elif chosen != "table":
        figure = build_figure(answer.frame, spec, chosen)
        if figure is not None:
            st.plotly_chart(figure, key=f"figure-{key}-{chosen}")
    if spec.note:
        st.caption(spec.note)


def _render_table(answer: Answer, key: str) -> None:
    """The long table, and beside it a pivot (rows × columns) when the result has two dimensions."""
    assert answer.frame is not None
    wide = pivot(answer.frame, answer.chart)
    if wide is None:
        st.dataframe(answer.frame, hide_index=True, column_config=column_config(answer.frame, answer.currency))
        return
    long_tab, pivot_tab = st.tabs(["Table", "Pivot"])
    long_tab.dataframe(answer.frame, hide_index=True, column_config=column_config(answer.frame, answer.currency))
    measure = column_formats(answer.frame)[answer.chart.y[0]]
    pivot_tab.dataframe(wide, hide_index=True, key=f"pivot-{key}", column_config={
        name: _column(ColumnFormat(name, str(name), measure.kind), answer.currency)
        for name in wide.columns[1:]})


def column_config(frame: pd.DataFrame, currency: str | None) -> dict[str, Any]:
    """Each column titled in words and formatted by meaning: money, shares, counts, plain years and ids;
    public because a dashboard tile draws its table the same way as the chat."""
    return {name: _column(fmt, currency) for name, fmt in column_formats(frame).items()}


def _column(fmt: ColumnFormat, currency: str | None) -> Any:
    presets = {"USD": "dollar", "EUR": "euro", "JPY": "yen"}
    number_formats = {"money": presets.get((currency or "").upper(), "%.2f"), "share": "percent",
                      "percent": "%.1f%%", "count": "localized", "integer": "localized", "number": "localized",
                      "year": "plain", "id": "plain"}
    if fmt.kind in ("date", "datetime"):
        return st.column_config.DatetimeColumn(fmt.title, format="YYYY-MM-DD" if fmt.kind == "date"
                                               else "YYYY-MM-DD HH:mm")
    if fmt.kind in number_formats:
        return st.column_config.NumberColumn(fmt.title, format=number_formats[fmt.kind])
    return st.column_config.Column(fmt.title)


def _render_editor(answer: Answer, key: str, on_edit: EditCallback | None) -> None:
    """Analysts may correct the SQL; the edited statement goes through the same vetting as any other."""
    if on_edit is None or not answer.sql:
        return
    with st.expander("Edit SQL", icon=":material/edit:"):
        st.text_area("SQL", value=answer.sql, key=f"edit-{key}", height=180, label_visibility="collapsed")
        # The text is read when the button is clicked: a value bound at drawing time is the previous run's,
        # and a click straight after typing (no Ctrl+Enter) would run the old statement.
        st.button("Run edited SQL", key=f"run-edit-{key}", on_click=_run_edited, args=(answer, key, on_edit),
                  icon=":material/play_arrow:")


def _run_edited(answer: Answer, key: str, on_edit: EditCallback) -> None:
    on_edit(answer, str(st.session_state.get(f"edit-{key}") or answer.sql))


def _render_sql(answer: Answer) -> None:
    """What the SQL does, in words, for everyone; the SQL itself one click away for the analyst (copyable)."""
    if answer.explanation:
        st.caption("**What the SQL does:** " + " ".join(answer.explanation))
    if answer.sql:
        with st.expander("SQL", icon=":material/code:", expanded=not answer.explanation):
            st.code(answer.sql, language="sql")
