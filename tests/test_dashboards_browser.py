"""The issue's done-when for dashboards, in a real browser (Debian's Chromium under Playwright) against
``streamlit run`` on loopback: four answers pinned from the chat to one dashboard, the app restarted on the same
data folder and store, the dashboard shows its four tiles, refreshes, and its HTML export opens from file://
with every network request blocked, its charts drawn."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, Route, expect

from tests.support.browser import streamlit_app
from tests.support.postgres import free_port
from tests.support.standin_model import StandinModelServer

pytestmark = pytest.mark.browser

QUESTIONS = ["Revenue by region in 2024", "Monthly revenue in 2025", "How many orders per sales channel?",
             "Top 10 products by revenue"]
BOARD = "Sales board"


def _tile_runs(store: Path) -> int:
    """Answers in the log that were a tile's refresh (each is a query that ran)."""
    with sqlite3.connect(store) as connection:
        return int(connection.execute("SELECT COUNT(*) FROM answers WHERE tile_id IS NOT NULL").fetchone()[0])


def _ask_and_pin(page: Page, index: int, question: str) -> None:
    if index == 0:
        page.get_by_role("button", name=question).click()  # the welcome page's example
    else:
        page.get_by_test_id("stChatInputTextArea").fill(question)
        page.keyboard.press("Enter")
    answers = page.locator('[data-testid="stChatMessage"]')
    expect(answers.nth(2 * index + 1)).to_contain_text("No model: rules", timeout=30_000)
    expect(page.get_by_role("button", name="Pin to dashboard")).to_have_count(index + 1, timeout=30_000)
    page.get_by_role("button", name="Pin to dashboard").last.click()
    popover = page.locator('[data-testid="stPopoverBody"]:visible')
    expect(popover).to_be_visible()
    if index == 0:
        popover.get_by_label("New dashboard's title").fill(BOARD)
    else:
        expect(popover.get_by_role("combobox", name="Dashboard")).to_have_value(BOARD)
    popover.get_by_role("button", name="Pin", exact=True).click()
    expect(answers.nth(2 * index + 1)).to_contain_text(f"Pinned to {BOARD}", timeout=30_000)
    page.keyboard.press("Escape")


def test_a_four_tile_dashboard_survives_a_restart_refreshes_and_exports_offline_html(
        page: Page, demo_dir: Path, standin: StandinModelServer, tmp_path: Path) -> None:
    store = tmp_path / "app.sqlite"
    settings = {"NLQ_DATA_DIR": str(demo_dir), "NLQ_MODEL_URL": standin.url, "NLQ_CACHE": "false",
                "NLQ_APP_DB_URL": f"sqlite:///{store}"}
    with streamlit_app(settings, free_port()) as url:
        page.goto(url)
        for index, question in enumerate(QUESTIONS):
            _ask_and_pin(page, index, question)
    assert standin.requests == []  # the rules answered all four

    with streamlit_app(settings, free_port()) as url:  # a new process on the same data folder and store
        page.goto(f"{url}/Dashboards")
        expect(page.get_by_role("heading", name="Dashboards")).to_be_visible(timeout=30_000)
        expect(page.get_by_role("combobox", name="Dashboard")).to_have_value(BOARD, timeout=30_000)
        tiles = page.locator("h4")
        expect(tiles).to_have_count(4, timeout=60_000)
        assert [tiles.nth(i).inner_text() for i in range(4)] == QUESTIONS
        expect(page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')).to_have_count(4, timeout=60_000)
        expect(page.get_by_text("could not be refreshed")).to_have_count(0)
        opened = _tile_runs(store)
        assert opened == 4  # each tile ran once for the first viewer after the restart

        page.get_by_role("button", name="Refresh now").click()
        expect(page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')).to_have_count(4, timeout=60_000)
        page.wait_for_timeout(500)
        for _ in range(60):
            if _tile_runs(store) == opened + 4:
                break
            page.wait_for_timeout(500)
        assert _tile_runs(store) == opened + 4  # "Refresh now" ran all four again, past the cache

        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download HTML").click()
        exported = tmp_path / download_info.value.suggested_filename
        download_info.value.save_as(exported)
    assert exported.name == "sales-board.html" and exported.stat().st_size > 3_000_000  # Plotly's code inlined

    assert page.context.browser is not None
    offline = page.context.browser.new_context(viewport={"width": 1400, "height": 2000})
    outside: list[str] = []
    failed: list[str] = []
    errors: list[str] = []

    def block(route: Route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    offline.route("**/*", block)
    report = offline.new_page()
    report.on("requestfailed", lambda request: failed.append(request.url))
    report.on("pageerror", lambda error: errors.append(str(error)))
    report.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    seen: list[Request] = []
    report.on("request", lambda request: seen.append(request))
    report.goto(exported.as_uri())
    charts = report.locator(".js-plotly-plot")
    expect(charts).to_have_count(4, timeout=30_000)
    for index in range(4):
        expect(charts.nth(index).locator(".main-svg").first).to_be_visible()
    expect(report.locator(".tile h2")).to_have_count(4)
    expect(report.locator("table")).to_have_count(4)
    expect(report.get_by_text("Data of ").first).to_be_visible()
    report.wait_for_timeout(1000)
    assert outside == [] and failed == [] and errors == []
    assert [request.url for request in seen] == [exported.as_uri()]  # the file itself, and nothing else
    offline.close()
