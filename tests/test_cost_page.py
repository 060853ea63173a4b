"""The Usage & cost page in Streamlit's AppTest: the planner before any traffic and prefilled from it after,
and the page's bugs from issue 16 (route colours, an empty tokens chart, $0.00000, a day ticked in hours)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from nlq.costs import DAY_MS, route_colours
from nlq.pipeline import ask
from nlq.services import App

MONEY = re.compile(r"^\$(0|\d{1,3}(,\d{3})*(\.\d\d)?|0\.\d*[1-9]\d?)$")


@pytest.fixture
def page(app_test: Callable[..., AppTest]) -> Callable[..., AppTest]:
    def open_page(**environ: str) -> AppTest:
        return app_test("pages/3_Usage_and_cost.py", **environ)
    return open_page


@pytest.fixture
def rules_only(make_app: Callable[..., App], store_url: str) -> App:
    """Two rules answers and nothing else: no model answer has been measured."""
    app = make_app(NLQ_APP_DB_URL=store_url, NLQ_RULES="true")
    app.record(ask("Revenue by region in 2024", app.engine), "app")
    app.record(ask("Total revenue", app.engine), "cli")
    return app


@pytest.fixture
def with_model(rules_only: App) -> App:
    rules_only.record(ask("Monthly revenue in 2025", rules_only.engine, mode="model"), "app")
    return rules_only


def metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def charts(at: AppTest) -> dict[str, dict]:
    """Each Plotly chart's figure by its title."""
    figures = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    return {re.sub("<[^>]+>", "", figure["layout"]["title"]["text"]): figure for figure in figures}


def test_the_planner_works_before_any_traffic(page: Callable[..., AppTest]) -> None:
    at = page()
    shown = metrics(at)
    assert shown["Hosted API, a month"] == "$3,000"  # the brief: 10,000 a day at $0.01
    assert shown["Self-hosted, a month"] == "$429"  # g4dn.xlarge at $0.526 × 24 h × 30 days + $50
    assert shown["Self-hosted, per question"] == "$0.0014"
    assert shown["Hybrid: rules + hosted API, a month"] == "$1,500"
    assert shown["Break-even"] == "42,872 questions a month"
    assert "the brief's figures" in at.caption[0].value
    assert list(charts(at)) == ["Monthly cost against monthly questions"]
    assert "No questions yet" in at.info[0].value
    at.selectbox(key="planner-instance").set_value("g4dn.xlarge spot").run()
    at.slider(key="planner-hours").set_value(10).run()
    assert metrics(at)["Self-hosted, a month"] == "$97.40"  # 0.158 × 10 h × 30 days + $50
    at.number_input(key="planner-ops").set_value(0).run()
    at.number_input(key="planner-api-question").set_value(0).run()
    assert not at.exception
    assert any("never" in markdown.value for markdown in at.markdown)


def test_the_planner_starts_from_measured_averages(page: Callable[..., AppTest], with_model: App) -> None:
    at = page()
    assert "this installation's answer log (3 questions over 1 day, 1 by a model)" in at.caption[0].value
    assert at.radio(key="planner-pricing").value == "per token"
    assert at.slider(key="planner-free").value == 67
    assert at.number_input(key="planner-questions").value == 3
    at.number_input(key="planner-questions").set_value(20_000).run()
    assert metrics(at)["Hosted API, a month"].startswith("$") and not at.exception


def test_money_is_never_printed_as_zeros(page: Callable[..., AppTest], with_model: App) -> None:
    at = page()
    money = {label: value for label, value in metrics(at).items() if value.startswith("$")}
    assert len(money) >= 10
    for label, value in money.items():
        assert MONEY.match(value), (label, value)


def test_a_route_has_one_colour_everywhere(page: Callable[..., AppTest], with_model: App) -> None:
    at = page()
    colours = route_colours()
    figures = charts(at)
    for title in ("Questions per day", "Tokens per answer, by route"):
        for trace in figures[title]["data"]:
            assert trace["marker"]["color"] == colours[trace["name"]], title
    [pie] = figures["Route mix"]["data"]
    assert pie["marker"]["colors"] == [colours[label] for label in pie["labels"]]
    # Beside the pie, the latency table: no bars in one colour for every route, and each route in its own.
    table = at.dataframe[0]
    assert "progress" not in table.proto.columns
    for route in ("rules", "model"):
        assert colours[route] in table.proto.arrow_data.styler.styles


def test_tokens_per_answer_without_model_answers_is_a_note(page: Callable[..., AppTest], rules_only: App) -> None:
    at = page()
    assert "Tokens per answer, by route" not in charts(at)
    assert any("no answer used a model yet" in caption.value for caption in at.caption)


def test_days_are_ticked_as_dates(page: Callable[..., AppTest], rules_only: App) -> None:
    axis = charts(page())["Questions per day"]["layout"]["xaxis"]
    assert "%H" not in axis["tickformat"] and "%Y" in axis["tickformat"]
    assert axis["dtick"] >= DAY_MS
