"""Dashboards on a real SQLite store and the demo database: pinning and who may see what, tiles re-run through
the same gate as History's re-run with a cache shared by viewers, a broken tile beside working ones, History's
provenance, the offline HTML and the Excel exports, and ``GET /v1/dashboards/{id}`` through a real socket."""

from __future__ import annotations

import io
import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from nlq.access import LOCAL_USER, User
from nlq.answer import Answer
from nlq.dashboards import access, refresh
from nlq.dashboards.cache import TileCache, TileKey
from nlq.dashboards.export import PROVENANCE_SHEET, dashboard_excel, dashboard_html, sheet_names
from nlq.dashboards.tiles import draft_from_answer, draft_from_sql
from nlq.errors import AccessDenied, AdminOnly, ErrorKind, ErrorReport, InputError, NotFound
from nlq.pipeline import ask, run_sql
from nlq.services import App
from nlq.store.tables import answers
from tests.test_api import Served, _error

ANA = User("ana@example.com", "Ana", is_admin=False, signed_in=True)
BO = User("bo@example.com", "Bo", is_admin=False, signed_in=True)
BOSS = User("boss@example.com", "Boss", is_admin=True, signed_in=True)
REGIONS = "SELECT name AS region FROM regions ORDER BY name"
RETURNS = "SELECT reason, COUNT(*) AS returns FROM returns GROUP BY reason ORDER BY returns DESC"


@pytest.fixture
def app(make_app: Callable[..., App]) -> App:
    return make_app(NLQ_RULES="true")


def _answer(app: App, question: str) -> Answer:
    answer = ask(question, app.engine, mode="rules")
    assert answer.ok and answer.sql, answer.error
    return answer


def _tile_runs(app: App) -> int:
    """Answers in the log that were a tile's refresh: each one is a query that ran."""
    with app.store.get().engine.connect() as connection:
        return len(connection.execute(answers.select().where(answers.c.tile_id.is_not(None))).all())


def test_pin_list_and_who_may_see_or_change_what(app: App) -> None:
    book = app.store.get().dashboards
    answer = _answer(app, "Revenue by region in 2024")
    board, tile = access.pin(book, ANA, draft_from_answer(answer, "Revenue 2024", chosen="pie"), new_title="Sales")
    found = access.open_dashboard(book, ANA, board)
    assert found.owner == ANA.id and not found.shared and [t.id for t in found.tiles] == [tile]
    assert found.tiles[0].sql == answer.sql and '"chosen": "pie"' in (found.tiles[0].chart or "")
    assert '"kinds"' in (found.tiles[0].formatting or "") and found.tiles[0].pinned_by == ANA.id

    assert [d.id for d in access.viewable(book, BO)] == []  # not shared: Bo does not even see it listed
    with pytest.raises(NotFound):
        access.open_dashboard(book, BO, board)
    with pytest.raises(NotFound):
        access.pin(book, BO, draft_from_sql("q", REGIONS), dashboard_id=board)
    with pytest.raises(AdminOnly):
        access.share(book, ANA, board)
    access.share(book, BOSS, board)  # an admin shares: everyone signed in may view, only Ana and admins change
    assert [d.id for d in access.viewable(book, BO)] == [board] and access.editable(book, BO) == []
    assert access.open_dashboard(book, BO, board).shared
    with pytest.raises(AccessDenied, match=r"Only ana@example\.com or an admin"):
        access.rename(book, BO, board, "Mine now")
    with pytest.raises(AccessDenied):
        access.pin(book, BO, draft_from_sql("q", REGIONS), dashboard_id=board)

    second = access.pin(book, ANA, draft_from_sql("Regions", REGIONS), dashboard_id=board)[1]
    third = access.pin(book, BOSS, draft_from_sql("Returns", RETURNS), dashboard_id=board)[1]
    access.move_tile(book, ANA, board, third, -1)
    assert [t.id for t in book.get(board).tiles] == [tile, third, second]  # type: ignore[union-attr]
    access.rename_tile(book, ANA, board, second, "  All   regions ")
    access.remove_tile(book, ANA, board, tile)
    access.rename(book, ANA, board, "Sales overview")
    access.set_refresh(book, ANA, board, 300)
    with pytest.raises(InputError):
        access.set_refresh(book, ANA, board, 1)
    changed = book.get(board)
    assert changed is not None and changed.title == "Sales overview" and changed.refresh_seconds == 300
    assert [(t.id, t.title) for t in changed.tiles] == [(third, "Returns"), (second, "All regions")]
    assert [d.id for d in access.viewable(book, BOSS)] == [board]
    own = access.pin(book, BO, draft_from_sql("Regions", REGIONS), new_title="Bo's")[0]
    assert {d.id for d in access.viewable(book, BO)} == {board, own}
    assert [d.id for d in access.viewable(book, ANA)] == [board]  # Bo's own is not shared
    access.delete(book, ANA, board)
    assert book.get(board) is None and [d.id for d in access.viewable(book, BO)] == [own]


def test_dashboards_survive_a_restart(make_app: Callable[..., App]) -> None:
    first = make_app()
    board, _ = access.pin(first.store.get().dashboards, ANA, draft_from_sql("Regions", REGIONS), new_title="Kept")
    first.close()
    again = make_app()
    kept = access.open_dashboard(again.store.get().dashboards, ANA, board)
    assert kept.title == "Kept" and kept.tiles[0].sql == REGIONS


def test_ten_viewers_cost_one_query_and_refresh_now_runs_again(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    book = app.store.get().dashboards
    board, tile = access.pin(book, ANA, draft_from_answer(_answer(app, "How many orders per sales channel?")),
                             new_title="Channels")
    access.share(book, BOSS, board)
    runs: list[str] = []

    def counting(sql: str, engine: object, **kwargs: object) -> Answer:
        runs.append(sql)
        return run_sql(sql, engine, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(refresh, "run_sql", counting)
    dashboard = access.open_dashboard(book, BO, board)
    first = refresh.refresh(app, dashboard, ANA.id)
    views = [refresh.refresh(app, dashboard, viewer.id) for viewer in (BO, BOSS, *[BO] * 8)]
    assert len(runs) == 1 and _tile_runs(app) == 1  # nine more viewers, no query run again
    assert not first[0].from_cache and all(view[0].from_cache for view in views)
    assert first[0].answer.ok and first[0].answer.row_count == 3 and first[0].chart_type == "bar"
    assert views[-1][0].answer is first[0].answer and views[-1][0].data_at == first[0].data_at

    forced = refresh.refresh(app, dashboard, BO.id, force=True)  # "Refresh now"
    assert len(runs) == 2 and not forced[0].from_cache and forced[0].data_at > first[0].data_at
    origin = book.origin(int(app.store.get().log.entries(limit=1)["id"].iloc[0]))
    assert origin is not None and (origin.dashboard_id, origin.dashboard_title, origin.tile_id) == (
        board, "Channels", tile)  # History: "from dashboard Channels"
    entry = app.store.get().log.entries(limit=1).iloc[0]
    assert entry["user"] == BO.id and entry["route"] == "rerun" and entry["sql"] == forced[0].answer.sql

    access.set_refresh(book, ANA, board, 10)
    now = [0.0]
    expiring = TileCache(clock=lambda: now[0])
    key = TileKey("db", "fp", REGIONS)
    expiring.fetch(key, 10, lambda: first[0].answer)
    now[0] = 9.0
    assert expiring.fetch(key, 10, lambda: forced[0].answer).answer is first[0].answer
    now[0] = 10.5  # older than the dashboard's refresh interval: the next viewer runs it
    assert expiring.fetch(key, 10, lambda: forced[0].answer).answer is forced[0].answer
    away = Answer("Regions", error=ErrorReport(ErrorKind.DATABASE_UNREACHABLE, "The database is away."))
    refused = Answer("Regions", error=ErrorReport(ErrorKind.REFUSED, "nlq refused to run this SQL."))
    for failure, kept in ((away, False), (refused, True)):  # only what the SQL itself causes is kept
        other = TileKey("db", "fp", failure.error.kind.value)  # type: ignore[union-attr]
        expiring.fetch(other, 10, lambda failure=failure: failure)  # type: ignore[misc]
        assert expiring.fetch(other, 10, lambda: forced[0].answer).from_cache is kept


def test_a_tile_that_no_longer_vets_says_why_while_the_others_render(make_app: Callable[..., App], demo_dir: Path,
                                                                     tmp_path: Path) -> None:
    copy = tmp_path / "shop.sqlite"
    shutil.copy(demo_dir / "demo.sqlite", copy)
    before = make_app(NLQ_DATABASE_URL=f"sqlite:///{copy}")
    book = before.store.get().dashboards
    board, _ = access.pin(book, ANA, draft_from_answer(run_sql(REGIONS, before.engine, question="Regions")),
                          new_title="Ops")
    access.pin(book, ANA, draft_from_answer(run_sql(RETURNS, before.engine, question="Returns by reason")),
               dashboard_id=board)
    assert all(r.answer.ok for r in refresh.refresh(before, access.open_dashboard(book, ANA, board), ANA.id))
    before.close()
    with sqlite3.connect(copy) as connection:
        connection.execute("DROP TABLE returns")

    after = make_app(NLQ_DATABASE_URL=f"sqlite:///{copy}")  # the app started again on the changed database
    results = refresh.refresh(after, access.open_dashboard(after.store.get().dashboards, ANA, board), ANA.id)
    regions, broken = results
    assert regions.answer.ok and regions.answer.row_count == 5
    assert broken.answer.error is not None and broken.answer.error.kind is ErrorKind.REFUSED
    assert "returns" in broken.answer.error.message and broken.answer.error.hint
    page = dashboard_html(access.open_dashboard(after.store.get().dashboards, ANA, board), results)
    assert broken.answer.error.message.replace("'", "&#x27;") in page or "could not be refreshed" in page


def _four_tiles(app: App) -> tuple[int, list[refresh.TileResult]]:
    book = app.store.get().dashboards
    board, _ = access.pin(book, ANA, draft_from_answer(_answer(app, "Revenue by region in 2024")),
                          new_title="Board: Q/A [2024]")
    for question in ("Monthly revenue in 2025", "Total revenue", "Which categories have the most returns?"):
        access.pin(book, ANA, draft_from_answer(_answer(app, question)), dashboard_id=board)
    access.pin(book, ANA, draft_from_sql("Broken", "DELETE FROM orders"), dashboard_id=board)
    return board, refresh.refresh(app, access.open_dashboard(book, ANA, board), ANA.id)


def test_the_html_export_is_self_contained(app: App) -> None:
    board, results = _four_tiles(app)
    page = dashboard_html(access.open_dashboard(app.store.get().dashboards, ANA, board), results, "demo")
    assert page.startswith("<!DOCTYPE html>") and "<title>Board: Q/A [2024]</title>" in page
    assert page.count("<script>") >= 1 and "plotly.js v" in page  # Plotly inlined, once
    assert len(re.findall(r'<div id="chart-\d+"', page)) == 3  # bar, line and bar; the total is a number
    assert "Total revenue" in page and 'class="kpi"' in page
    assert all(f"tile-{r.tile.id}" in page for r in results)
    assert "nlq refused to run this SQL" in page or "refused" in page.lower()  # the broken tile says why
    for result in results:
        assert f"Data of {result.data_at:%Y-%m-%d %H:%M} UTC" in page
    assert "SELECT" in page and "&lt;/script&gt;" not in page
    loads = re.findall(r"""(?:\bsrc\s*=\s*["']?\s*|url\(\s*["']?|@import\s+["'])(?:https?:)?//""", page, re.I)
    assert loads == []  # nothing loaded from outside, in the page or in Plotly's code
    outside_scripts = re.sub(r"<script>.*?</script>", "", page, flags=re.S)
    assert not re.search(r"""href\s*=\s*["']?\s*(?:https?:)?//""", outside_scripts, re.I)
    assert "<link" not in outside_scripts and "googleapis" not in page


def test_the_excel_export_has_a_sheet_per_tile_and_provenance(app: App) -> None:
    board, results = _four_tiles(app)
    dashboard = access.open_dashboard(app.store.get().dashboards, ANA, board)
    sheets = pd.read_excel(io.BytesIO(dashboard_excel(dashboard, results, "demo")), sheet_name=None)
    assert list(sheets) == [*sheet_names([t.title for t in dashboard.tiles]), PROVENANCE_SHEET]
    assert list(sheets)[:4] == ["Revenue by region in 2024", "Monthly revenue in 2025", "Total revenue",
                                "Which categories have the most"]
    assert len(sheets["Revenue by region in 2024"]) == 5 and "Revenue" in sheets["Revenue by region in 2024"]
    about = sheets[PROVENANCE_SHEET]
    assert list(about["sql"]) == [t.sql for t in dashboard.tiles] and set(about["dashboard"]) == {dashboard.title}
    assert list(about["rows"].iloc[:4]) == [r.answer.row_count for r in results[:4]]
    assert about["status"].iloc[4].startswith("failed: ") and "data read at (UTC)" in about
    assert sheet_names(["a/b:c", "A B C", "x" * 40, "x" * 40, "provenance", ""]) == [
        "a b c", "A B C (2)", "x" * 31, "x" * 27 + " (2)", "provenance (2)", "tile 6"]


@pytest.fixture
def served(make_settings: Callable[..., object], store_url: str) -> Served:
    settings = make_settings(NLQ_APP_DB_URL=store_url, NLQ_RULES="true", NLQ_ADMINS="boss@example.com",
                             NLQ_ALLOWED_USERS="ana@example.com,bo@example.com")
    with Served(settings) as running:  # type: ignore[arg-type]
        yield running  # type: ignore[misc]


def test_get_dashboard_over_http_returns_fresh_tiles_to_those_who_may_view(served: Served) -> None:
    book = served.app.store.get().dashboards
    board, tile = access.pin(book, ANA, draft_from_sql("Regions", REGIONS), new_title="Regions")
    access.pin(book, ANA, draft_from_sql("Broken", "DELETE FROM orders"), dashboard_id=board)
    got = served.call("GET", f"/v1/dashboards/{board}", "ana@example.com")
    assert got.status_code == 200, got.text
    body = got.json()
    assert (body["id"], body["title"], body["owner"], body["shared"]) == (board, "Regions", ANA.id, False)
    first, broken = body["tiles"]
    assert first["id"] == tile and first["answer"]["row_count"] == 5 and first["answer"]["error"] is None
    assert first["data_at"] and first["from_cache"] is False and first["chart_type"] == "table"
    assert broken["answer"]["error"]["kind"] == "refused"
    again = served.call("GET", f"/v1/dashboards/{board}", "ana@example.com").json()
    assert again["tiles"][0]["from_cache"] is True and again["tiles"][0]["data_at"] == first["data_at"]
    _error(served.call("GET", f"/v1/dashboards/{board}", "bo@example.com"), 404, "not_found")  # not shared
    _error(served.call("GET", "/v1/dashboards/999", "ana@example.com"), 404, "not_found")
    _error(served.call("GET", "/v1/dashboards/abc", "ana@example.com"), 400, "bad_input")
    _error(served.call("GET", f"/v1/dashboards/{board}"), 401, "unauthorized")
    assert served.call("GET", f"/v1/dashboards/{board}", "boss@example.com").status_code == 200  # an admin
    access.share(book, BOSS, board)
    assert served.call("GET", f"/v1/dashboards/{board}", "bo@example.com").json()["tiles"][0]["id"] == tile
    paths = served.call("GET", "/v1/openapi.json", "ana@example.com").json()["paths"]
    assert "/v1/dashboards/{dashboard_id}" in paths


def test_the_dashboards_page_pins_from_the_chat_and_history_and_shows_provenance(
        app_test: Callable[..., AppTest], make_app: Callable[..., App], store_url: str) -> None:
    at = app_test("pages/5_Dashboards.py")
    assert "No dashboards yet" in at.info[0].value
    chat = app_test("streamlit_app.py", NLQ_RULES="true")
    chat.button(key="example-0").click().run()  # "Revenue by region in 2024", pinned to a new dashboard
    chat.text_input(key="pin-new-1").set_value("Sales").run()
    chat.button(key="pin-1").click().run()
    assert not chat.exception and any("Pinned to **Sales**" in c.value for c in chat.caption)
    with_log = make_app(NLQ_APP_DB_URL=store_url)
    history = app_test("pages/1_History.py")
    entry_id = history.selectbox(key="history-open").value
    history.text_input(key=f"pin-title-history-{entry_id}").set_value("From History").run()
    history.button(key=f"pin-history-{entry_id}").click().run()  # the only dashboard is chosen already
    assert not history.exception

    board = access.open_dashboard(with_log.store.get().dashboards, BOSS,
                                  access.viewable(with_log.store.get().dashboards, BOSS)[0].id)
    at = app_test("pages/5_Dashboards.py")
    assert not at.exception and at.selectbox(key="dashboard-chosen").value == board.id
    titles = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert titles == ["#### Revenue by region in 2024", "#### From History"]
    assert len(at.get("plotly_chart")) == 2 and [b.label for b in at.download_button] == ["Download HTML",
                                                                                           "Download Excel"]
    at.button(key=f"remove-{board.tiles[1].id}").click().run()  # both tiles ran the same SQL: one run, tile 1's
    assert not at.exception and len(at.get("plotly_chart")) == 1
    history = app_test("pages/1_History.py")  # the tile's refresh is in History, with its dashboard
    assert any("From dashboard **Sales**" in c.value for c in history.caption), [c.value for c in history.caption]


AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "not-a-real-secret",
        "client_id": "nlq", "client_secret": "nlq-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


def test_signed_in_viewers_of_a_shared_dashboard_see_tiles_a_broken_one_says_why_and_only_owners_change_it(
        app_test: Callable[..., AppTest], make_app: Callable[..., App], store_url: str) -> None:
    made = make_app(NLQ_APP_DB_URL=store_url)
    book = made.store.get().dashboards
    board, _ = access.pin(book, ANA, draft_from_sql("Regions", REGIONS), new_title="Shared board")
    access.pin(book, ANA, draft_from_sql("Broken", "DELETE FROM orders"), dashboard_id=board)
    access.share(book, BOSS, board)

    def as_user(email: str) -> AppTest:
        return app_test("pages/5_Dashboards.py", user={"is_logged_in": True, "email": email, "name": email},
                        secrets={"auth": AUTH}, NLQ_ADMINS="boss@example.com")

    bo = as_user("bo@example.com")
    assert bo.selectbox(key="dashboard-chosen").value == board
    said = [e.value for e in [*bo.warning, *bo.error]]
    assert any(e.startswith("**This tile could not be refreshed: ") and "refused" in e for e in said), said
    assert [m.value for m in bo.markdown if m.value.startswith("#### ")] == ["#### Regions", "#### Broken"]
    assert not [b for b in bo.button if b.key and b.key.startswith(("remove-", "up-", "down-"))]  # viewer only
    assert _tile_runs(made) == 2  # each tile once: one ran, one was refused before it ran (both logged)

    ana = as_user("ana@example.com")  # the owner: controls, and the kept results (no second run, no new refusal)
    assert _tile_runs(made) == 2 and any(b.key and b.key.startswith("remove-") for b in ana.button)
    ana.button(key="refresh-now").click().run()
    assert not ana.exception and _tile_runs(made) == 4  # "Refresh now" ran both again
    ana.run()
    assert _tile_runs(made) == 4  # and only on that run


def test_the_owner_reorders_renames_sets_the_interval_and_deletes_on_the_page(
        app_test: Callable[..., AppTest], make_app: Callable[..., App], store_url: str) -> None:
    book = make_app(NLQ_APP_DB_URL=store_url).store.get().dashboards
    board, first = access.pin(book, LOCAL_USER, draft_from_sql("Regions", REGIONS), new_title="Mine")
    second = access.pin(book, LOCAL_USER, draft_from_sql("Returns", RETURNS), dashboard_id=board)[1]
    at = app_test("pages/5_Dashboards.py")
    at.button(key=f"down-{first}").click().run()
    assert [m.value for m in at.markdown if m.value.startswith("#### ")] == ["#### Returns", "#### Regions"]
    at.text_input(key=f"tile-title-{second}").set_value("Returns by reason").run()
    at.button(key=f"rename-tile-{second}").click().run()
    at.text_input(key=f"dashboard-title-{board}").set_value("Operations").run()
    at.button(key=f"rename-{board}").click().run()
    at.selectbox(key=f"interval-{board}").set_value(300).run()
    assert not at.exception
    changed = book.get(board)
    assert changed is not None and (changed.title, changed.refresh_seconds) == ("Operations", 300)
    assert [t.title for t in changed.tiles] == ["Returns by reason", "Regions"]
    at.checkbox(key=f"confirm-delete-{board}").check().run()
    at.button(key=f"delete-{board}").click().run()
    assert not at.exception and book.get(board) is None and "No dashboards yet" in at.info[0].value
