"""The cost planner reproduces the brief's worked figures exactly from their inputs, prefills from the answer
log once it has model answers, and prints money as people write it."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from nlq.planner import (
    BRIEF_PRICE_PER_QUESTION,
    PlannerInputs,
    break_even_volume,
    cost_curves,
    instances_needed,
    money,
    plan,
    prefill,
)
from nlq.settings import load_settings

# The brief: 10,000 questions a day; a hosted API at $0.01 a question; a g4dn.xlarge at $0.50 an hour around
# the clock ($360 a month) plus $50 of operations.
BRIEF = PlannerInputs(questions_per_day=10_000, free_share=0.0, prompt_tokens=3000, completion_tokens=150,
                      gpu_per_hour=0.50, gpu_hours_per_day=24, ops_per_month=50, api_input_per_1k=0.003,
                      api_output_per_1k=0.015, api_per_question=0.01)


@pytest.mark.parametrize(("changes", "figure", "expected"), [
    ({}, "hosted_api.monthly", 3_000),  # 10,000 a day × $0.01 × 30 days
    ({}, "gpu_monthly", 360),  # $0.50 × 24 h × 30 days
    ({}, "self_hosted.monthly", 410),  # plus ~$50 operations
    ({}, "self_hosted.per_question", 410 / 300_000),  # about $0.0014 a question
    ({}, "break_even", 41_000),  # 410 / 0.01
    ({"ops_per_month": 0}, "break_even", 36_000),  # the GPU alone: 360 / 0.01
    ({"gpu_per_hour": 0.15}, "gpu_monthly", 108),  # spot, ~70% off
    ({"gpu_hours_per_day": 10}, "gpu_monthly", 150),  # the GPU only in working hours
    ({"free_share": 0.5}, "hybrid.model_calls", 150_000),  # the rules tier cuts model calls by 50%
    ({"free_share": 0.8}, "hybrid.model_calls", 60_000),  # … or by 80%
    ({"free_share": 0.8}, "hybrid_api.monthly", 600),  # and the API's bill with them
    ({"free_share": 0.5}, "hybrid.monthly", 410),  # the own GPU's bill stays while one instance copes
    ({}, "hosted_api.per_question", 0.01),
])
def test_the_briefs_worked_figures(changes: dict, figure: str, expected: float) -> None:
    value: object = plan(replace(BRIEF, **changes))
    for part in figure.split("."):
        value = getattr(value, part)
    assert value == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("value", "text"), [
    (410 / 300_000, "$0.0014"), (410, "$410"), (3_000, "$3,000"), (0, "$0"), (0.01, "$0.01"), (108, "$108"),
    (0.00033533, "$0.00034"), (12.5, "$12.50"), (1_234_567.8, "$1,234,568"), (0.9999, "$1.00"),
    (0.0000001234, "$0.00000012"),
])
def test_money_reads_as_people_write_it(value: float, text: str) -> None:
    assert money(value) == text


def test_the_api_priced_per_token() -> None:
    per_token = replace(BRIEF, api_per_question=None, prompt_tokens=900, completion_tokens=60)
    assert per_token.api_each == pytest.approx(0.9 * 0.003 + 0.06 * 0.015)
    assert plan(per_token).hosted_api.monthly == pytest.approx(300_000 * 0.0036)


def test_a_busy_gpu_needs_a_second_instance_and_the_rules_tier_saves_it() -> None:
    busy = replace(BRIEF, questions_per_day=100_000, model_seconds=1.0, free_share=0.5)  # 27.8 h of model a day
    assert instances_needed(3_000_000, busy) == 2
    report = plan(busy)
    assert (report.self_hosted.instances, report.hybrid.instances) == (2, 1)
    assert report.self_hosted.monthly == pytest.approx(2 * 360 + 50)
    assert report.hybrid.monthly == pytest.approx(410)
    assert break_even_volume(replace(BRIEF, model_seconds=1.0)) == pytest.approx(41_000)


def test_no_break_even_when_the_api_is_free() -> None:
    assert plan(replace(BRIEF, api_per_question=0.0)).break_even is None


def test_the_chart_series_cross_at_the_break_even() -> None:
    curves = cost_curves(BRIEF).pivot(index="questions per month", columns="option", values="USD")
    assert set(curves.columns) == {"Self-hosted", "Hosted API", "Hybrid: rules + self-hosted",
                                   "Hybrid: rules + hosted API"}
    assert curves.index.max() >= 2 * 300_000  # past this volume and the break-even
    below, above = curves.loc[curves.index < 41_000], curves.loc[curves.index > 41_000]
    assert (below["Hosted API"] < below["Self-hosted"]).all()
    assert (above["Hosted API"] > above["Self-hosted"]).all()


def test_prefill_from_the_brief_before_any_model_answer() -> None:
    settings = load_settings({}, secrets_path=None)
    log = pd.DataFrame({"asked_at": ["2026-11-30 10:00"], "route": ["rules"], "status": ["answered"],
                        "model_seconds": [None], "prompt_tokens": [None], "completion_tokens": [None]})
    for entries in (log.iloc[0:0], log):
        start = prefill(entries, settings)
        assert not start.measured and "brief" in start.source
        assert start.inputs.questions_per_day == 10_000 and start.inputs.api_each == BRIEF_PRICE_PER_QUESTION
        assert start.inputs.gpu_per_hour == 0.526 and start.inputs.ops_per_month == 50
        assert start.inputs.gpu_hours_per_day == 24


def test_prefill_from_this_installations_measured_averages() -> None:
    settings = load_settings({"NLQ_API_INPUT_PRICE": "0.001", "NLQ_OPS_PER_MONTH": "80"}, secrets_path=None)
    log = pd.DataFrame({
        "asked_at": ["2026-11-28 09:00", "2026-11-28 17:00", "2026-11-29 12:00", "2026-11-30 23:00"],
        "route": ["model", "rules", "cache", "model"], "status": ["answered"] * 4,
        "model_seconds": [1.0, None, None, 3.0], "prompt_tokens": [800, None, None, 1000],
        "completion_tokens": [50, None, None, 70]})
    start = prefill(log, settings)
    assert start.measured and "4 questions over 3 days, 2 by a model" in start.source
    inputs = start.inputs
    assert inputs.questions_per_day == pytest.approx(4 / 3) and inputs.free_share == 0.5
    assert (inputs.prompt_tokens, inputs.completion_tokens, inputs.model_seconds) == (900, 60, 2.0)
    assert inputs.api_per_question is None
    assert inputs.api_each == pytest.approx(0.9 * 0.001 + 0.06 * 0.015)
    assert inputs.ops_per_month == 80
