from datetime import date

import pandas as pd
import pytest

from nlq.charts import choose_chart, format_number
from nlq.figures import build_figure

MONTHS = ["2025-01", "2025-02", "2025-03"]
SHAPES = [
    # (frame, expected type, x, y, color)
    (pd.DataFrame({"total_revenue": [123.4]}), "kpi", None, ("total_revenue",), None),
    (pd.DataFrame({"orders": [5], "revenue": [9.5]}), "kpi", None, ("orders", "revenue"), None),
    (pd.DataFrame({"month": MONTHS, "revenue": [1.0, 2.0, 3.0]}), "line", "month", ("revenue",), None),
    (pd.DataFrame({"day": [date(2024, 1, d) for d in (1, 2, 3)], "n": [1, 2, 3]}), "line", "day", ("n",), None),
    (pd.DataFrame({"order_date": pd.to_datetime(["2024-01-01", "2024-01-02"]), "n": [1, 2]}),
     "line", "order_date", ("n",), None),
    (pd.DataFrame({"year": [2023, 2024, 2025], "revenue": [1.0, 2.0, 3.0]}), "line", "year", ("revenue",), None),
    (pd.DataFrame({"region": ["EU", "NA"], "revenue": [1.0, 2.0]}), "bar", "region", ("revenue",), None),
    (pd.DataFrame({"customer_id": [1, 2], "revenue": [1.0, 2.0]}), "bar", "customer_id", ("revenue",), None),
    (pd.DataFrame({"region": ["EU", "EU", "NA"], "channel": ["Web", "Shop", "Web"], "n": [1, 2, 3]}),
     "grouped_bar", "region", ("n",), "channel"),
    (pd.DataFrame({"year": [2024, 2024, 2025], "category": ["A", "B", "A"], "revenue": [1.0, 2.0, 3.0]}),
     "line", "year", ("revenue",), "category"),
    (pd.DataFrame({"price": [1.0, 2.0, 3.0], "quantity": [3, 2, 1]}), "scatter", "price", ("quantity",), None),
    (pd.DataFrame({"name": ["a", "b"], "city": ["x", "y"]}), "table", None, (), None),
    (pd.DataFrame({"a": [1, 2], "b": [3, 4], "c": [5, 6]}), "table", None, (), None),
    (pd.DataFrame({"region": []}), "table", None, (), None),
]


@pytest.mark.parametrize(("frame", "kind", "x", "y", "color"), SHAPES)
def test_chart_follows_the_result_shape(frame: pd.DataFrame, kind: str, x, y, color) -> None:
    spec = choose_chart(frame)
    assert (spec.type, spec.x, spec.y, spec.color) == (kind, x, y, color)
    assert spec.alternatives[0] == kind or kind == "table"
    for alternative in spec.alternatives:
        figure = build_figure(frame, spec, alternative)
        assert (figure is None) == (alternative in ("table", "kpi")), alternative


def test_long_labels_make_a_horizontal_bar() -> None:
    frame = pd.DataFrame({"product": ["Noise-Cancelling Headphones", "Mouse"], "revenue": [2.0, 1.0]})
    spec = choose_chart(frame)
    assert spec.horizontal
    assert build_figure(frame, spec).data[0].orientation == "h"


def test_many_categories_show_top_twenty_and_other() -> None:
    frame = pd.DataFrame({"customer": [f"c{i}" for i in range(50)], "revenue": [float(i) for i in range(50)]})
    spec = choose_chart(frame)
    assert spec.note and "top 20 of 50" in spec.note
    assert "pie" not in spec.alternatives
    bars = build_figure(frame, spec).data[0]
    assert len(bars.x) == 21
    assert bars.x[-1] == "Other (30 more)"
    assert bars.y[-1] == sum(range(30))
    assert bars.y[0] == 49.0


def test_pie_is_offered_only_for_few_non_negative_values() -> None:
    assert "pie" in choose_chart(pd.DataFrame({"c": ["a", "b"], "v": [1, 2]})).alternatives
    assert "pie" not in choose_chart(pd.DataFrame({"c": ["a", "b"], "v": [1, -2]})).alternatives


def test_time_series_are_drawn_in_time_order() -> None:
    frame = pd.DataFrame({"month": ["2025-03", "2025-01", "2025-02"], "revenue": [3.0, 1.0, 2.0]})
    line = build_figure(frame, choose_chart(frame)).data[0]
    assert list(line.y) == [1.0, 2.0, 3.0]


def test_spec_serialises_for_the_cli() -> None:
    spec = choose_chart(pd.DataFrame({"region": ["EU"], "a": [1.0], "b": [2.0], "extra": ["x"]}))
    assert spec.to_dict() == {"type": "table", "x": None, "y": None, "color": None}
    spec = choose_chart(pd.DataFrame({"region": ["EU", "NA"], "revenue": [1.0, 2.0]}))
    assert spec.to_dict() == {"type": "bar", "x": "region", "y": "revenue", "color": None}


@pytest.mark.parametrize(("value", "shown"), [(1234567, "1,234,567"), (1234.5678, "1,234.57"), (2.0, "2"),
                                              ("n/a", "n/a")])
def test_format_number(value: object, shown: str) -> None:
    assert format_number(value) == shown


def test_a_measure_far_smaller_than_the_first_stays_off_its_axis() -> None:
    frame = pd.DataFrame({"region": ["EU", "NA"], "revenue_target": [7.9e10, 7.8e10], "orders": [90_288, 90_600]})
    assert choose_chart(frame).y == ("revenue_target",)
    close = pd.DataFrame({"region": ["EU", "NA"], "revenue": [100.0, 120.0], "cost": [60.0, 70.0]})
    assert choose_chart(close).y == ("revenue", "cost")
