"""Reading an answer (issue 16): numbers formatted by meaning, the one-sentence summary, the SQL in words and
the trust checks — made without a model, deterministic, and part of the answer in ``--json`` and the store."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import pandas as pd
import pytest

from nlq.charts import ChartSpec, choose_chart, pivot
from nlq.engine import Engine
from nlq.explain import explain, main_select
from nlq.formats import column_kind, format_value, short_number, title, without_float_noise
from nlq.pipeline import ask, run_sql
from nlq.services import App
from nlq.summary import summarize

FAN_OUT = ("SELECT r.name AS region, SUM(t.target_amount) AS target FROM regions r "
           "JOIN sales_targets t ON t.region_id = r.region_id JOIN sales_reps s ON s.region_id = r.region_id "
           "GROUP BY r.name")


@pytest.mark.parametrize(("name", "values", "kind"), [
    ("revenue", [1.5, 2.25], "money"), ("total_sales", [10.0], "money"), ("units_sold", [3, 4], "count"),
    ("order_count", [7.0, 8.0], "count"), ("year", [2024, 2025], "year"), ("customer_id", [1, 2], "id"),
    ("share_of_revenue", [0.25, 0.75], "share"), ("discount_pct", [5.0, 12.5], "percent"),
    ("return_rate", [0.02, 0.1], "share"), ("avg_price", [9.99, 12.5], "money"), ("region", ["EU"], "text"),
    ("temperature", [20.5, 21.25], "number"), ("signup_date", [pd.Timestamp("2024-01-02")], "date"),
    ("created_at", [pd.Timestamp("2024-01-02 10:30")], "datetime"),
])
def test_column_kinds(name: str, values: list, kind: str) -> None:
    assert column_kind(name, pd.Series(values)) == kind


@pytest.mark.parametrize(("value", "kind", "currency", "shown"), [
    (5775117.418000048, "money", "USD", "$5,775,117.42"), (1234.5, "money", None, "1,234.50"),
    (-12.0, "money", "EUR", "-€12.00"), (0.364, "share", None, "36.4%"), (7.0, "count", None, "7"),
    (1234567, "integer", None, "1,234,567"), (2024, "year", None, "2024"), (None, "money", "USD", "—"),
    (pd.Timestamp("2024-03-01"), "date", None, "2024-03-01"), (12.5, "percent", None, "12.5%"),
])
def test_values_read_as_a_person_reads_them(value: object, kind: str, currency: str | None, shown: str) -> None:
    assert format_value(value, kind, currency) == shown  # type: ignore[arg-type]


def test_short_numbers_and_titles() -> None:
    assert short_number(3_441_234.5, "money", "USD") == "$3.44 M"
    assert short_number(12_500, "count") == "12.5 K" and short_number(9_500, "count") == "9,500"
    assert title("units_sold") == "Units sold" and title("avgOrderValue") == "Avg order value"


def test_the_csv_keeps_precision_but_not_float_noise() -> None:
    frame = pd.DataFrame({"revenue": [5775117.418000048, 0.1 + 0.2], "day": pd.to_datetime(["2024-01-01"] * 2)})
    clean = without_float_noise(frame)
    assert list(clean["revenue"]) == [5775117.418, 0.3]
    assert clean.to_csv(index=False).splitlines()[1] == "5775117.418,2024-01-01"


@pytest.mark.parametrize(("frame", "sentence"), [
    (pd.DataFrame({"region": ["North America", "Europe", "Asia"], "revenue": [3_440_000.0, 2_000_000.0, 1_000_000.0]}),
     "North America had the highest revenue: $3.44 M, 53.4% of $6.44 M across these 3 regions."),
    (pd.DataFrame({"region": ["A", "B"], "avg_order_value": [120.0, 80.0]}),
     "A had the highest avg order value: $120.00; the lowest was B ($80.00)."),  # an average never adds up
    (pd.DataFrame({"month": ["2025-01", "2025-02", "2025-03"], "revenue": [100.0, 150.0, 112.0]}),
     "Revenue rose 12.0% from 2025-01 to 2025-03; the highest month was 2025-02 ($150.00)."),
    (pd.DataFrame({"revenue": [9_430_000.0], "units_sold": [12_500]}), "Revenue: $9.43 M; Units sold: 12.5 K."),
    (pd.DataFrame({"revenue": [None]}), "No orders matched: orders' order date runs from 2023-01-02 to 2025-12-31."),
    (pd.DataFrame({"region": []}), "No orders matched: orders' order date runs from 2023-01-02 to 2025-12-31."),
])
def test_the_summary_says_only_what_the_rows_show(frame: pd.DataFrame, sentence: str) -> None:
    coverage = "orders' order date runs from 2023-01-02 to 2025-12-31"
    assert summarize(frame, choose_chart(frame), currency="USD", coverage=coverage, noun="orders") == sentence


def test_a_capped_ranking_says_it_covers_the_rows_shown() -> None:
    frame = pd.DataFrame({"customer": ["a", "b"], "revenue": [5.0, 3.0]})
    said = summarize(frame, choose_chart(frame, subset=True), complete=False)
    assert said.endswith("(of the rows shown).")


def test_explanation_follows_the_tree() -> None:
    sql = ("SELECT regions.name AS region, SUM(order_lines.quantity * order_lines.unit_price) AS revenue "
           "FROM order_lines JOIN orders ON order_lines.order_id = orders.order_id JOIN sales_reps ON "
           "orders.rep_id = sales_reps.rep_id JOIN regions ON sales_reps.region_id = regions.region_id "
           "WHERE orders.status <> 'cancelled' AND orders.order_date >= '2024-01-01' AND orders.order_date < "
           "'2025-01-01' GROUP BY regions.name ORDER BY revenue DESC LIMIT 5")
    assert explain(main_select(sql, "postgres"), cap=10_000) == (
        "Measures: revenue = sum of quantity × unit price over order lines.",
        "Rows kept: orders' status is not 'cancelled'; orders' order date from '2024-01-01' up to (not "
        "including) '2025-01-01'.",
        "Grouped by regions' name, joining order lines → orders → sales reps → regions.",
        "Sorted by revenue, highest first; the first 5 rows.",
    )
    assert explain(main_select("SELEC nonsense", "postgres")) == ()


def test_pivot_view_of_two_dimensions() -> None:
    frame = pd.DataFrame({"region": ["EU", "EU", "NA", "NA"], "channel": ["web", "store", "web", "store"],
                          "revenue": [1.0, 2.0, 3.0, 4.0]})
    spec = choose_chart(frame)
    wide = pivot(frame, spec)
    assert wide is not None and wide.shape == (2, 3)
    assert pivot(frame, ChartSpec("bar", x="region", y=("revenue",))) is None


def test_pies_only_of_a_whole_and_lines_only_over_time() -> None:
    frame = pd.DataFrame({"region": ["EU", "NA"], "revenue": [1.0, 2.0]})
    assert choose_chart(frame).alternatives == ("bar", "pie", "table")
    assert "pie" not in choose_chart(frame, subset=True).alternatives  # a top-N is not a whole
    assert "line" not in choose_chart(frame).alternatives  # categories have no order


# On the demo, through the whole answer path.

def test_an_aggregate_over_nothing_is_no_rows_with_the_datas_dates(make_engine: Callable[..., Engine]) -> None:
    """Issue 16: "revenue in Brazil in 2022" showed "Answered · 1 row" and a cell reading None."""
    answer = ask("revenue in Brazil in 2022", make_engine(NLQ_RULES="true"))
    assert answer.ok and answer.empty and answer.status == "empty"
    assert answer.summary is not None and answer.summary.startswith("No ")
    assert "runs from 2023-01-01 to 2025-12-31" in answer.summary
    assert [c.kind for c in answer.checks] == ["outside_data"]


def test_a_fan_out_is_warned_about(make_engine: Callable[..., Engine]) -> None:
    answer = run_sql(FAN_OUT, make_engine())
    assert answer.ok
    assert [c.kind for c in answer.checks] == ["fan_out"]
    assert "repeat once for each matching row of sales reps" in answer.checks[0].message


def test_a_plain_answer_has_no_warnings_and_its_evidence_is_in_json_and_the_store(
        make_app: Callable[..., App], store_url: str) -> None:
    app = make_app(NLQ_APP_DB_URL=store_url, NLQ_RULES="true")
    answer = ask("Revenue by region in 2024", app.engine)
    assert answer.checks == ()
    assert answer.summary == ("North America had the highest revenue: $3.44 M, 36.5% of $9.43 M across these 5 "
                              "regions.")
    shown = answer.to_dict()
    assert shown["summary"] == answer.summary and shown["explanation"][0].startswith("Measures: revenue = sum")
    assert shown["checks"] == []
    entry = app.store.get().log.entry(app.record(answer, "cli").id)
    assert entry is not None and entry.summary == answer.summary and entry.explanation == answer.explanation
    warned = run_sql(FAN_OUT, app.engine)
    stored = app.store.get().log.entry(app.record(warned, "cli").id)
    assert stored is not None and stored.checks == tuple(c.message for c in warned.checks)
    assert json.loads(json.dumps(warned.to_dict()))["checks"][0]["kind"] == "fan_out"


def test_the_period_check_knows_the_datas_dates(make_engine: Callable[..., Engine]) -> None:
    engine = make_engine()
    assert engine.facts().date_range("orders", "order_date") == (date(2023, 1, 1), date(2025, 12, 31))
    assert engine.facts().has_nulls("orders", "order_date") is False


@pytest.mark.parametrize(("sql", "dialect", "line"), [
    ("SELECT ROUND(SUM(ol.quantity), 2) AS units FROM order_lines ol", "sqlite",
     "Measures: units = sum of quantity over order lines, rounded."),
    ("SELECT 1 FROM orders o WHERE strftime('%Y', o.order_date) = '2025'", "sqlite",
     "Rows kept: year of order date is '2025'."),
    ("SELECT 1 FROM orders o WHERE EXTRACT(YEAR FROM o.order_date) = 2025", "postgres",
     "Rows kept: year of order date is 2025."),
])
def test_explanations_read_model_sql_too(sql: str, dialect: str, line: str) -> None:
    assert line in explain(main_select(sql, dialect))
