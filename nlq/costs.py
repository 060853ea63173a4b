"""What this installation costs per answer, against the same questions at a hosted API's prices.

Self-hosted cost is the GPU instance's hourly price, either spread over the model seconds each answer
actually used (the marginal cost) or as the whole instance all month (what the bill says). A hosted API
charges per token: the same prompt and completion tokens at its per-1K prices. Verified, rules and cache
answers use no model: they cost nothing either way, and an API-only product would have paid for them too.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from nlq.route import Route

HOURS_PER_MONTH = 730
MODEL_ROUTES = tuple(route.value for route in Route if route.uses_model)
FREE_ROUTES = tuple(route.value for route in Route if route.free)
ANSWERED = ("answered", "empty")


@dataclass(frozen=True)
class Prices:
    instance_per_hour: float
    api_input_per_1k: float
    api_output_per_1k: float


@dataclass(frozen=True)
class UsageFigures:
    """Averages measured on this installation's answer log."""
    questions: int
    model_answers: int
    free_answers: int
    model_seconds_per_model_answer: float
    prompt_tokens_per_model_answer: float
    completion_tokens_per_model_answer: float

    answered: int = 0

    @property
    def free_share(self) -> float:
        return self.free_answers / self.questions if self.questions else 0.0

    @property
    def answered_share(self) -> float:
        return self.answered / self.questions if self.questions else 0.0

    @property
    def tokens_per_model_answer(self) -> float:
        return self.prompt_tokens_per_model_answer + self.completion_tokens_per_model_answer


def self_hosted_cost(model_seconds: float, prices: Prices) -> float:
    return model_seconds / 3600 * prices.instance_per_hour


def api_cost(prompt_tokens: float, completion_tokens: float, prices: Prices) -> float:
    return prompt_tokens / 1000 * prices.api_input_per_1k + completion_tokens / 1000 * prices.api_output_per_1k


def usage_figures(log: pd.DataFrame) -> UsageFigures:
    """From History's entries: how many questions, how many needed a model, and what a model answer used."""
    by_model = log[log["route"].isin(MODEL_ROUTES)] if len(log) else log
    free = int(log["route"].isin(FREE_ROUTES).sum()) if len(log) else 0

    def mean(column: str) -> float:
        values = pd.to_numeric(by_model[column], errors="coerce").dropna() if len(by_model) else pd.Series([])
        return float(values.mean()) if len(values) else 0.0

    return UsageFigures(questions=len(log), model_answers=len(by_model), free_answers=free,
                        model_seconds_per_model_answer=mean("model_seconds"),
                        prompt_tokens_per_model_answer=mean("prompt_tokens"),
                        completion_tokens_per_model_answer=mean("completion_tokens"),
                        answered=int(log["status"].isin(ANSWERED).sum()) if "status" in log else 0)


def route_colours() -> dict[str, str]:
    """Each route's colour, the same in every chart and as in the answer's badge."""
    return {route.value: route.chart_colour for route in Route}


def questions_per_day(log: pd.DataFrame) -> pd.DataFrame:
    """Columns day, route, questions."""
    days = pd.to_datetime(log["asked_at"]).dt.date
    return log.assign(day=days).groupby(["day", "route"]).size().reset_index(name="questions")


DAY_MS = 86_400_000


def day_axis(days: pd.Series) -> dict[str, object]:
    """Plotly x-axis settings that label days as dates: left alone, a single day is ticked in hours
    ("00:00:00"), and a long span gets a tick per day; here at most about ten ticks, each on a day."""
    dates = pd.to_datetime(pd.Series(days))
    span = (dates.max() - dates.min()).days + 1 if len(dates) else 1
    return {"type": "date", "tickformat": "%b %-d, %Y", "dtick": DAY_MS * max(1, -(-span // 10))}


def route_mix(log: pd.DataFrame) -> pd.DataFrame:
    """Columns route, questions."""
    return log.groupby("route").size().reset_index(name="questions")


def latency_by_route(log: pd.DataFrame) -> pd.DataFrame:
    """Per route: answers, p50 and p95 total milliseconds, and the share that answered (empty included)."""
    latency = log.groupby("route")["total_ms"].agg(
        answers="size", p50=lambda s: s.quantile(0.5), p95=lambda s: s.quantile(0.95)).reset_index()
    success = log.assign(ok=log["status"].isin(ANSWERED)).groupby("route")["ok"].mean().rename("success")
    return latency.merge(success.reset_index(), on="route")


def tokens_per_answer(log: pd.DataFrame) -> pd.DataFrame:
    """Columns route, tokens (prompt and completion together; 0 for answers without a model)."""
    tokens = (pd.to_numeric(log["prompt_tokens"], errors="coerce").fillna(0)
              + pd.to_numeric(log["completion_tokens"], errors="coerce").fillna(0))
    return pd.DataFrame({"route": log["route"], "tokens": tokens})


def cost_per_question(figures: UsageFigures, prices: Prices) -> tuple[float, float]:
    """(self-hosted marginal, hosted API) cost of an average question, free routes included at zero."""
    model_share = figures.model_answers / figures.questions if figures.questions else 0.0
    own = self_hosted_cost(figures.model_seconds_per_model_answer, prices) * model_share
    api = api_cost(figures.prompt_tokens_per_model_answer, figures.completion_tokens_per_model_answer, prices)
    return own, api  # an API-only product sends every question to the API


def monthly_costs(figures: UsageFigures, prices: Prices, volumes: list[int]) -> pd.DataFrame:
    """Monthly cost against monthly question volume: the instance all month, or the API per question."""
    _, api_each = cost_per_question(figures, prices)
    instance = prices.instance_per_hour * HOURS_PER_MONTH
    return pd.DataFrame({"questions per month": volumes,
                         "self-hosted (instance all month)": [instance] * len(volumes),
                         "hosted API": [api_each * v for v in volumes]})


def break_even_volume(figures: UsageFigures, prices: Prices) -> float | None:
    """Monthly questions above which the self-hosted instance is cheaper than the API; None if never."""
    _, api_each = cost_per_question(figures, prices)
    if api_each <= 0:
        return None
    return prices.instance_per_hour * HOURS_PER_MONTH / api_each
