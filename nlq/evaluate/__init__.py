"""Measuring accuracy per route against gold SQL: ``python -m nlq eval``."""

from nlq.evaluate.cases import EvalCase, expand_gold, load_cases
from nlq.evaluate.compare import needs_order, same_result
from nlq.evaluate.harness import CaseResult, check_url, evaluate, evaluate_case, run_gold, summarize

__all__ = ["CaseResult", "EvalCase", "check_url", "evaluate", "evaluate_case", "expand_gold", "load_cases",
           "needs_order", "run_gold", "same_result", "summarize"]
