"""The cost planner: when does a GPU of one's own beat paying a hosted API per question?

A self-hosted model is a fixed monthly bill (the instance for the hours it runs, plus operations) however
many questions it answers, until one instance is busy all its hours and a second is needed; a hosted API is
a price per question. The rules tier and the cache answer a share of questions with no model at all, which
cuts the API's bill in proportion and the GPU's load (the instances needed) the same way.

A month is 30 days, as the brief's worked figures take it (10,000 questions a day at $0.01 → $3,000; $0.50
an hour around the clock → $360), so the planner's figures can be checked by hand. Before any traffic the
inputs are the brief's figures; once the answer log has model answers, its measured averages
(``nlq.costs.usage_figures``) take their place.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

import pandas as pd

from nlq.costs import Prices, api_cost, usage_figures
from nlq.schedule import schedule_of
from nlq.settings import Settings

DAYS_PER_MONTH = 30
BRIEF_QUESTIONS_PER_DAY = 10_000
BRIEF_PRICE_PER_QUESTION = 0.01  # the brief's hosted API, USD per question
BRIEF_FREE_SHARE = 0.5  # the low end of the brief's "rules tier cuts model calls by 50-80%"
ASSUMED_COMPLETION_TOKENS = 150  # a SQL statement and its reason; the brief names no token counts
ASSUMED_MODEL_SECONDS = 2.0  # a 7B model writing one statement on a T4; measured once there is traffic
MAX_INSTANCES = 10_000  # past this many GPUs the comparison has no meaning left


@dataclass(frozen=True)
class PlannerInputs:
    """What the planner is asked; ``api_per_question`` set prices the API per question instead of per token."""
    questions_per_day: float
    free_share: float  # answered by rules or the cache: no model call
    prompt_tokens: float  # per model question
    completion_tokens: float
    gpu_per_hour: float
    gpu_hours_per_day: float
    ops_per_month: float
    api_input_per_1k: float
    api_output_per_1k: float
    api_per_question: float | None = None
    model_seconds: float = 0.0  # GPU time per model question; 0: capacity is not limited (one instance)

    @property
    def api_each(self) -> float:
        """What the hosted API charges for one model question."""
        if self.api_per_question is not None:
            return self.api_per_question
        return api_cost(self.prompt_tokens, self.completion_tokens, Prices(0, self.api_input_per_1k,
                                                                           self.api_output_per_1k))


@dataclass(frozen=True)
class Option:
    """One way to answer the month's questions: what it costs and how many model calls it makes."""
    name: str
    monthly: float
    per_question: float
    model_calls: float
    instances: int = 0


@dataclass(frozen=True)
class PlannerReport:
    inputs: PlannerInputs
    monthly_questions: float
    self_hosted: Option  # every question to the own GPU
    hosted_api: Option  # every question to the API
    hybrid: Option  # rules and cache first, the rest to the own GPU
    hybrid_api: Option  # rules and cache first, the rest to the API
    break_even: float | None  # monthly questions above which self-hosting is cheaper than the API
    gpu_monthly: float  # one instance, the hours it runs

    @property
    def options(self) -> list[Option]:
        return [self.self_hosted, self.hosted_api, self.hybrid, self.hybrid_api]

    def as_dict(self) -> dict[str, Any]:
        return {"inputs": asdict(self.inputs), "monthly_questions": self.monthly_questions,
                "gpu_monthly": self.gpu_monthly, "break_even_questions_per_month": self.break_even,
                "options": [asdict(option) for option in self.options]}


def gpu_monthly(inputs: PlannerInputs) -> float:
    return inputs.gpu_per_hour * inputs.gpu_hours_per_day * DAYS_PER_MONTH


def instances_needed(model_calls_per_month: float, inputs: PlannerInputs) -> int:
    """GPUs to answer the model calls within the hours they run (at least one: the server is always there)."""
    if inputs.model_seconds <= 0 or inputs.gpu_hours_per_day <= 0:
        return 1
    busy_hours = model_calls_per_month / DAYS_PER_MONTH * inputs.model_seconds / 3600
    return max(1, math.ceil(busy_hours / inputs.gpu_hours_per_day - 1e-9))


def _own(name: str, questions: float, model_calls: float, inputs: PlannerInputs) -> Option:
    count = instances_needed(model_calls, inputs)
    monthly = count * gpu_monthly(inputs) + inputs.ops_per_month
    return Option(name, monthly, monthly / questions if questions else 0.0, model_calls, count)


def _api(name: str, questions: float, model_calls: float, inputs: PlannerInputs) -> Option:
    monthly = model_calls * inputs.api_each
    return Option(name, monthly, monthly / questions if questions else 0.0, model_calls)


def self_hosted_monthly(questions: float, inputs: PlannerInputs, free_share: float = 0.0) -> float:
    return _own("", questions, questions * (1 - free_share), inputs).monthly


def api_monthly(questions: float, inputs: PlannerInputs, free_share: float = 0.0) -> float:
    return questions * (1 - free_share) * inputs.api_each


def break_even_volume(inputs: PlannerInputs, free_share: float = 0.0) -> float | None:
    """Monthly questions at which the own GPU (with as many instances as the load needs) costs what the
    API does; None when the API stays cheaper at any volume."""
    per_call = inputs.api_each * (1 - free_share)
    if per_call <= 0:
        return None
    for count in range(1, MAX_INSTANCES + 1):
        volume = (count * gpu_monthly(inputs) + inputs.ops_per_month) / per_call
        if instances_needed(volume * (1 - free_share), inputs) <= count:
            return volume
    return None


def plan(inputs: PlannerInputs) -> PlannerReport:
    questions = inputs.questions_per_day * DAYS_PER_MONTH
    model_calls = questions * (1 - inputs.free_share)
    return PlannerReport(
        inputs=inputs, monthly_questions=questions, gpu_monthly=gpu_monthly(inputs),
        self_hosted=_own("Self-hosted", questions, questions, inputs),
        hosted_api=_api("Hosted API", questions, questions, inputs),
        hybrid=_own("Hybrid: rules + self-hosted", questions, model_calls, inputs),
        hybrid_api=_api("Hybrid: rules + hosted API", questions, model_calls, inputs),
        break_even=break_even_volume(inputs))


def cost_curves(inputs: PlannerInputs, points: int = 41) -> pd.DataFrame:
    """Monthly cost of each option against monthly questions (columns questions per month, option, USD), from
    zero to well past the break-even volume or this installation's volume, whichever is larger."""
    report = plan(inputs)
    top = max(report.break_even or 0, report.monthly_questions, 10_000) * 2
    volumes = [round(top * step / (points - 1)) for step in range(points)]
    rows = []
    for volume in volumes:
        rows += [("Self-hosted", volume, self_hosted_monthly(volume, inputs)),
                 ("Hosted API", volume, api_monthly(volume, inputs)),
                 ("Hybrid: rules + self-hosted", volume, self_hosted_monthly(volume, inputs, inputs.free_share)),
                 ("Hybrid: rules + hosted API", volume, api_monthly(volume, inputs, inputs.free_share))]
    return pd.DataFrame(rows, columns=["option", "questions per month", "USD"])


@dataclass(frozen=True)
class Prefill:
    """The planner's starting inputs and where they came from, said on the page and in ``nlq costs``."""
    inputs: PlannerInputs
    measured: bool
    source: str


def brief_inputs(settings: Settings, instance: str | None = None) -> PlannerInputs:
    """The brief's figures, with the instance, operations and token prices from settings."""
    return PlannerInputs(
        questions_per_day=BRIEF_QUESTIONS_PER_DAY, free_share=BRIEF_FREE_SHARE,
        prompt_tokens=float(settings.prompt_tokens), completion_tokens=ASSUMED_COMPLETION_TOKENS,
        gpu_per_hour=settings.instance_prices[instance or settings.gpu_instance],
        gpu_hours_per_day=scheduled_hours_per_day(settings.model_hours),
        ops_per_month=settings.ops_per_month, api_input_per_1k=settings.api_input_price,
        api_output_per_1k=settings.api_output_price, api_per_question=BRIEF_PRICE_PER_QUESTION,
        model_seconds=ASSUMED_MODEL_SECONDS)


def days_spanned(log: pd.DataFrame) -> int:
    """Calendar days from the first question to the last, both counted (1 for an empty log)."""
    if log.empty:
        return 1
    days = pd.to_datetime(log["asked_at"]).dt.normalize()
    return int((days.max() - days.min()).days) + 1


def prefill(log: pd.DataFrame, settings: Settings) -> Prefill:
    """This installation's measured averages once the log has model answers (questions a day over the days
    it spans, the share without a model, tokens and model seconds per model answer, the API priced per
    token); the brief's figures before that, the API per token too when the model is Bedrock (NLQ_MODEL)."""
    start = brief_inputs(settings)
    figures = usage_figures(log)
    if settings.model_provider == "bedrock":  # the hosted API is the model in use: priced per token, as AWS bills
        start = replace(start, api_per_question=None)
    if figures.model_answers == 0:
        return Prefill(start, False, "the brief's figures (no model answers measured yet)")
    span = days_spanned(log)
    measured = replace(start, questions_per_day=figures.questions / span, free_share=figures.free_share,
                       prompt_tokens=figures.prompt_tokens_per_model_answer,
                       completion_tokens=figures.completion_tokens_per_model_answer, api_per_question=None,
                       model_seconds=figures.model_seconds_per_model_answer)
    return Prefill(measured, True, f"this installation's answer log ({figures.questions:,} questions over "
                                   f"{span:,} day{'s' if span != 1 else ''}, {figures.model_answers:,} by a model)")


def money(value: float) -> str:
    """USD as people write it: $3,000, $410 and $50 without cents, $12.50 with them, $0.0014 and $0.00033 with
    two significant digits (a cost per question is small but never nothing), and $0 for nothing."""
    if value < 0:
        return f"-{money(-value)}"
    if value == 0:
        return "$0"
    if value >= 100:
        return f"${value:,.0f}"
    if value >= 1:
        return f"${value:,.0f}" if round(value, 2) == round(value) else f"${value:,.2f}"
    digits = max(2, 1 - math.floor(math.log10(value)))
    whole, _, cents = f"{value:.{digits}f}".partition(".")
    if whole != "0":  # 0.9999 rounds up to a dollar
        return "$1.00"
    return f"$0.{cents[:2] + cents[2:].rstrip('0')}"


def hourly(value: float) -> str:
    """An instance's hourly price as the cloud's price list writes it ($0.526/h)."""
    return f"${value:,.3f}/h"


def scheduled_hours_per_day(hours: str) -> float:
    """The GPU's hours a day, averaged over the week, from NLQ_MODEL_HOURS (24 when it is always on): the same
    working hours that scale the fleet to zero price it here."""
    schedule = schedule_of(hours)
    return 24.0 if schedule is None else round(schedule.hours_a_day * schedule.days_a_week / 7, 2)
