"""One real browser session: Debian's Chromium, driven by Playwright, against ``streamlit run`` on loopback.

It clicks an example question, waits for the chart, the table, the SQL and the download button, downloads
the CSV and checks its rows, and saves a screenshot (tests/artifacts/answer.png; the README shows it).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.support.browser import streamlit_app
from tests.support.postgres import free_port
from tests.support.standin_model import Rule, StandinModelServer

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture
def app_url(demo_dir: Path, standin: StandinModelServer, tmp_path: Path) -> Iterator[str]:
    # The default routes (rules first), with the cache off so that the model's answer is not kept.
    settings = {"NLQ_DATA_DIR": str(demo_dir), "NLQ_MODEL_URL": standin.url, "NLQ_CACHE": "false",
                "NLQ_APP_DB_URL": f"sqlite:///{tmp_path / 'app.sqlite'}"}
    with streamlit_app(settings, free_port()) as url:
        yield url


def test_example_question_in_a_real_browser(app_url: str, page: Page, tmp_path: Path,
                                           standin: StandinModelServer) -> None:
    page.goto(app_url)
    page.get_by_role("button", name="Revenue by region in 2024").click()
    expect(page.get_by_text("No model: rules").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Understood as:")).to_contain_text("revenue · by region · in 2024")

    chart = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
    expect(chart).to_be_visible(timeout=30_000)
    expect(page.locator('[data-testid="stDataFrame"]')).to_be_visible()
    expect(page.locator('[data-testid="stCode"]').first).to_contain_text("JOIN orders")
    expect(page.get_by_text("5 rows · ")).to_be_visible()
    download_button = page.get_by_role("button", name="Download CSV")
    expect(download_button).to_be_visible()

    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(500)  # let Plotly finish its transition before the picture
    page.screenshot(path=str(ARTIFACTS / "answer.png"), full_page=True)

    with page.expect_download() as download_info:
        download_button.click()
    download = download_info.value
    assert download.suggested_filename == "revenue-by-region-in-2024.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with saved.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["region", "revenue"]
    assert len(rows) == 6
    assert {r[0] for r in rows[1:]} == {"North America", "Europe", "Asia Pacific", "Latin America",
                                        "Middle East & Africa"}
    assert all(float(r[1]) > 0 for r in rows[1:])
    assert (ARTIFACTS / "answer.png").stat().st_size > 20_000
    with page.expect_download() as excel_info:
        page.get_by_role("button", name="Download Excel").click()
    workbook = tmp_path / excel_info.value.suggested_filename
    excel_info.value.save_as(workbook)
    sheets = pd.read_excel(workbook, sheet_name=None)
    assert list(sheets) == ["data", "about"] and len(sheets["data"]) == 5
    assert "Revenue by region in 2024" in set(sheets["about"]["value"])
    assert standin.requests == []  # the rules answered: no model was asked

    page.get_by_test_id("stChatInputTextArea").fill("How did monthly revenue develop in 2025?")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Self-hosted model").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("The rules did not answer")).to_contain_text("develop")
    assert len(standin.requests) == 1

    page.get_by_role("link", name="History").click()  # both answers are in the log
    expect(page.get_by_role("heading", name="History")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("2 entries, newest first.")).to_be_visible()


def _sql_editors(page: Page) -> Locator:
    return page.locator('[data-testid="stExpander"]').filter(has_text="Edit SQL").locator("textarea")


def test_edited_sql_runs_what_was_typed_even_without_leaving_the_box(app_url: str, page: Page) -> None:
    """Issue 16: typing into Edit SQL and clicking Run at once ran the previous statement (4 times of 4)."""
    page.goto(app_url)
    page.get_by_role("button", name="Revenue by region in 2024").click()
    expect(page.get_by_text("No model: rules").first).to_be_visible(timeout=30_000)
    page.get_by_text("Edit SQL").first.click()
    editor = _sql_editors(page).first  # an admin's "Mark verified" popover holds a SQL box too
    editor.fill("SELECT name FROM regions ORDER BY name LIMIT 3")
    page.get_by_role("button", name="Run edited SQL").first.click()  # no Ctrl+Enter, no click elsewhere first
    expect(page.get_by_text("Edited SQL · 3 rows").first).to_be_visible(timeout=30_000)
    expect(page.locator('[data-testid="stCode"]').last).to_contain_text("FROM regions")

    boxes = page.locator('[data-testid="stExpander"]').filter(has_text="Edit SQL")
    expect(boxes).to_have_count(2, timeout=30_000)  # the edited answer's own box, once it is drawn
    boxes.last.get_by_text("Edit SQL").click()
    editor = _sql_editors(page).last
    expect(editor).to_be_visible(timeout=30_000)
    editor.fill("DELETE FROM orders")
    page.get_by_role("button", name="Run edited SQL").last.click()
    expect(page.get_by_text("nlq refused to run this SQL").first).to_be_visible(timeout=30_000)


def test_the_status_box_is_open_while_the_model_writes(app_url: str, page: Page,
                                                       standin: StandinModelServer) -> None:
    """Issue 16: the status box stayed closed while the model wrote, though it should show the reply arriving."""
    reply = "```sql\nSELECT name FROM regions ORDER BY name\n```"
    standin.script.rules.insert(0, Rule(match="list the regions slowly", reply=reply, piece_delay_s=0.4))
    page.goto(app_url)
    page.get_by_test_id("stChatInputTextArea").fill("List the regions slowly, by name")
    page.keyboard.press("Enter")
    writing = page.locator('[data-testid="stExpander"]').filter(has_text="Writing SQL").first
    expect(writing).to_be_visible(timeout=30_000)
    expect(writing.locator("details")).to_have_attribute("open", "", timeout=5_000)
    expect(page.locator('[data-testid="stCode"]').filter(has_text="SELECT name").first).to_be_visible()
    expect(page.get_by_text("Self-hosted model").first).to_be_visible(timeout=30_000)


def test_screenshots_for_the_docs(app_url: str, page: Page, standin: StandinModelServer) -> None:
    """The pictures docs/answering.md shows, taken from the real app: a rules answer, a model answer, an empty
    answer with the data's dates, a fan-out warning, and the cost planner (copied to docs/ when they change)."""
    fan_out = ("```sql\nSELECT r.name AS region, SUM(t.target_amount) AS revenue_target, COUNT(o.order_id) AS orders "
               "FROM regions r JOIN sales_targets t ON t.region_id = r.region_id JOIN sales_reps s ON s.region_id = "
               "r.region_id JOIN orders o ON o.rep_id = s.rep_id GROUP BY r.name ORDER BY revenue_target DESC\n```")
    standin.script.rules.insert(0, Rule(match="targets and orders", reply=fan_out))
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(app_url + "/Usage_and_cost")  # first, on a fresh store: the planner prefilled with the brief's figures
    expect(page.get_by_text("Break-even").first).to_be_visible(timeout=30_000)
    page.wait_for_timeout(700)
    page.screenshot(path=str(ARTIFACTS / "cost-planner.png"))
    page.goto(app_url)
    shots = [("Revenue by region in 2024", "had the highest revenue", "rules-answer"),
             ("How did monthly revenue develop in 2025?", "Revenue rose", "model-answer"),
             ("revenue in Brazil in 2022", "runs from 2023-01-01 to 2025-12-31", "empty-answer"),
             ("Revenue targets and orders by region", "may count them several times", "fan-out")]
    for index, (question, expected, name) in enumerate(shots):
        page.get_by_test_id("stChatInputTextArea").fill(question)
        page.keyboard.press("Enter")
        answer = page.locator('[data-testid="stChatMessage"]').nth(2 * index + 1)
        expect(answer).to_contain_text(expected, timeout=30_000)
        expect(answer.locator('[data-testid="stStatusWidget"], [data-testid="stExpander"]').first).to_be_visible()
        page.wait_for_timeout(700)  # Plotly's transition
        answer.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    for name in ("rules-answer", "model-answer", "empty-answer", "fan-out", "cost-planner"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000
