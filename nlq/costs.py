"""What this installation costs per answer, against the same questions at a hosted API's prices.

Self-hosted cost is the GPU instance's hourly price, either spread over the model seconds each answer
actually used (the marginal cost) or as the whole instance all month (what the bill says). A hosted API
charges per token: the same prompt and completion tokens at its per-1K prices. Rules and cache answers
use no model: they cost nothing either way, and an API-only product would have paid for them too.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

HOURS_PER_MONTH = 730
MODEL_ROUTES = ("model", "fallback")
FREE_ROUTES = ("rules", "cache")


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

    @property
    def free_share(self) -> float:
        return self.free_answers / self.questions if self.questions else 0.0


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
                        completion_tokens_per_model_answer=mean("completion_tokens"))


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
