"""Dashboards: answers pinned as tiles, each re-run (vetted, read-only) when looked at — kept for the
dashboard's refresh interval so that many viewers cost one query — with exports to send to stakeholders."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from nlq.dashboards import access, refresh
from nlq.dashboards.export import dashboard_excel, dashboard_html, excel_filename, html_filename
from nlq.errors import NlqError
from nlq.store.dashboards import StoredDashboard
from ui.answer_view import EXCEL_MIME
from ui.dashboard_view import render_tile
from ui.messages import show_error
from ui.state import app, app_store, current_user

COLUMNS = 2  # tiles side by side
FORCE = "dashboard-force"  # "Refresh now" was pressed: this run only, not the grid's own timed runs after it

shared = app()
book = app_store(shared).dashboards
user = current_user()
st.title("Dashboards")
if (problem := st.session_state.pop("dashboard_problem", None)) is not None:
    show_error(problem)


def _do(change: Callable[..., object], *args: object) -> None:
    """A button's change (``nlq.dashboards.access``), its refusal kept to show on the next run."""
    try:
        change(*args)
    except NlqError as error:
        st.session_state["dashboard_problem"] = error


boards = access.viewable(book, user)
if not boards:
    st.info("No dashboards yet. Under any answer (on **Ask** or in **History**), **Pin to dashboard** puts it on "
            "a new or an existing dashboard; its SQL runs again, vetted, whenever the dashboard is looked at.",
            icon=":material/dashboard:")
    st.stop()
labels = {board.id: board.title + (" · shared" if board.shared else "")
          + ("" if board.owner == user.id else f" · {board.owner}") for board in boards}
asked = st.query_params.get("id")
options = list(labels)
start = options.index(int(asked)) if asked and asked.isdigit() and int(asked) in labels else 0
chosen = st.selectbox("Dashboard", options, index=start, format_func=labels.__getitem__, key="dashboard-chosen")
try:
    dashboard = access.open_dashboard(book, user, chosen)
except NlqError as error:
    show_error(error)
    st.stop()
editable = access.may_edit(user, dashboard)

if editable:
    with st.expander("Manage this dashboard", icon=":material/settings:"):
        name_column, interval_column = st.columns(2)
        title = name_column.text_input("Title", value=dashboard.title, key=f"dashboard-title-{dashboard.id}")
        if title != dashboard.title:
            name_column.button("Rename", key=f"rename-{dashboard.id}", on_click=_do,
                               args=(access.rename, book, user, dashboard.id, title))
        choices = dict(access.REFRESH_CHOICES)
        choices.setdefault(dashboard.refresh_seconds, f"{dashboard.refresh_seconds} s")
        interval = interval_column.selectbox("Refresh interval: data may be this old", list(choices),
                                             index=list(choices).index(dashboard.refresh_seconds),
                                             format_func=choices.__getitem__, key=f"interval-{dashboard.id}")
        if interval != dashboard.refresh_seconds:
            _do(access.set_refresh, book, user, dashboard.id, interval)
            st.rerun()
        if user.is_admin:
            now_shared = st.toggle("Shared: everyone signed in may view it", value=dashboard.shared,
                                   key=f"shared-{dashboard.id}")
            if now_shared != dashboard.shared:
                _do(access.share, book, user, dashboard.id, now_shared)
                st.rerun()
        if st.checkbox("I want to delete this dashboard", key=f"confirm-delete-{dashboard.id}"):
            st.button("Delete dashboard", key=f"delete-{dashboard.id}", type="primary", icon=":material/delete:",
                      on_click=_do, args=(access.delete, book, user, dashboard.id))

owner = "yours" if dashboard.owner == user.id else f"{dashboard.owner}'s"
st.caption(f"{owner.capitalize()}{', shared with everyone signed in' if dashboard.shared else ''} · "
           f"{len(dashboard.tiles)} tile{'s' * (len(dashboard.tiles) != 1)} · tiles re-run when their data is older "
           f"than {access.REFRESH_CHOICES.get(dashboard.refresh_seconds, f'{dashboard.refresh_seconds} s')}.")
st.button("Refresh now", icon=":material/refresh:", key="refresh-now", on_click=st.session_state.__setitem__,
          args=(FORCE, True), help="Runs every tile's SQL again now, whatever was kept")
if not dashboard.tiles:
    st.info("This dashboard has no tiles yet: pin an answer to it.", icon=":material/push_pin:")
    st.stop()


def _tile_controls(board: StoredDashboard, tile_id: int, index: int) -> None:
    up, down, rename, remove = st.columns(4)
    up.button("Earlier", key=f"up-{tile_id}", icon=":material/arrow_back:", help="Move earlier in the grid",
              disabled=index == 0, on_click=_do, args=(access.move_tile, book, user, board.id, tile_id, -1))
    down.button("Later", key=f"down-{tile_id}", icon=":material/arrow_forward:", help="Move later in the grid",
                disabled=index == len(board.tiles) - 1,
                on_click=_do, args=(access.move_tile, book, user, board.id, tile_id, 1))
    with rename.popover("Rename", icon=":material/edit:", help="Rename this tile"):
        new = st.text_input("Tile title", value=board.tiles[index].title, key=f"tile-title-{tile_id}")
        st.button("Rename", key=f"rename-tile-{tile_id}", on_click=_do,
                  args=(access.rename_tile, book, user, board.id, tile_id, new))
    remove.button("Remove", key=f"remove-{tile_id}", icon=":material/close:", help="Remove this tile",
                  on_click=_do, args=(access.remove_tile, book, user, board.id, tile_id))


@st.fragment(run_every=dashboard.refresh_seconds)
def _grid(board: StoredDashboard) -> None:
    """The tiles; drawn again every refresh interval on its own, so an open dashboard stays current."""
    forced = bool(st.session_state.pop(FORCE, False))
    with st.spinner("Running the tiles' SQL…"):
        results = refresh.refresh(shared, board, user.id, source="app", force=forced)
    database = shared.engine.info.name
    html_column, excel_column = st.columns(2, width=520)
    html_column.download_button("Download HTML", data=lambda: dashboard_html(board, results, database),
                                file_name=html_filename(board), mime="text/html", key="dashboard-html",
                                on_click="ignore", icon=":material/html:",
                                help="One file that opens offline: interactive charts, tables, SQL, data times")
    excel_column.download_button("Download Excel", data=lambda: dashboard_excel(board, results, database),
                                 file_name=excel_filename(board), mime=EXCEL_MIME, key="dashboard-xlsx",
                                 on_click="ignore", icon=":material/table_view:",
                                 help="A sheet per tile and a provenance sheet")
    for start in range(0, len(results), COLUMNS):
        row = zip(st.columns(COLUMNS), results[start:start + COLUMNS], strict=False)
        for offset, (column, result) in enumerate(row):
            with column.container(border=True):
                render_tile(result, key=str(result.tile.id))
                if editable:
                    _tile_controls(board, result.tile.id, start + offset)


_grid(dashboard)
