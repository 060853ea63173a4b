"""``python -m nlq costs``: the cost planner as a report, for a budget discussion without opening the app.

It starts from what the Usage & cost page starts from (the answer log's measured averages once it has model
answers, the brief's figures before) and each flag overrides one input, so a what-if is one command.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace

from nlq.errors import EXIT_DONE, EXIT_USAGE, StoreUnavailable
from nlq.planner import PlannerReport, Prefill, brief_inputs, hourly, money, plan, prefill
from nlq.settings import Settings, load_settings
from nlq.store import open_store

LIMIT = 1_000_000  # entries read from the log: enough for averages, bounded for memory


def starting_point(settings: Settings, brief: bool) -> Prefill:
    if brief:
        return Prefill(brief_inputs(settings), False, "the brief's figures (--brief)")
    try:
        store = open_store(settings.effective_app_db_url)
    except StoreUnavailable as error:  # the planner still answers: from the brief, saying why
        print(f"note: {error.message}; starting from the brief's figures", file=sys.stderr)
        return Prefill(brief_inputs(settings), False, "the brief's figures (the app store is unavailable)")
    try:
        return prefill(store.log.entries(limit=LIMIT), settings)
    finally:
        store.close()


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    start = starting_point(settings, args.brief)
    inputs = start.inputs
    if args.instance is not None:
        if args.instance not in settings.instance_prices:
            print(f"error: --instance {args.instance!r} is not one of NLQ_GPU_PRICES: "
                  f"{', '.join(settings.instance_prices)}", file=sys.stderr)
            return EXIT_USAGE
        inputs = replace(inputs, gpu_per_hour=settings.instance_prices[args.instance])
    if args.without_model is not None and not 0 <= args.without_model <= 1:
        print("error: --without-model is a share from 0 to 1", file=sys.stderr)
        return EXIT_USAGE
    overrides = {"questions_per_day": args.questions_per_day, "free_share": args.without_model,
                 "prompt_tokens": args.prompt_tokens, "completion_tokens": args.completion_tokens,
                 "model_seconds": args.model_seconds, "gpu_per_hour": args.gpu_per_hour,
                 "gpu_hours_per_day": args.hours_per_day, "ops_per_month": args.ops,
                 "api_per_question": args.api_per_question}
    negative = [name for name, value in overrides.items() if value is not None and value < 0]
    if negative or (args.hours_per_day is not None and args.hours_per_day > 24):
        print("error: inputs are not negative and a day has at most 24 hours", file=sys.stderr)
        return EXIT_USAGE
    inputs = replace(inputs, **{name: value for name, value in overrides.items() if value is not None})
    if args.api_per_token:
        inputs = replace(inputs, api_per_question=None)
    report = plan(inputs)
    if args.json:
        print(json.dumps({"source": start.source, "measured": start.measured, **report.as_dict()}))
    else:
        print(render(report, start.source))
    return EXIT_DONE


def render(report: PlannerReport, source: str) -> str:
    """The report as a terminal reads it: the inputs, one row per option, the break-even sentence."""
    given = report.inputs
    api = (f"{money(given.api_per_question)} a question" if given.api_per_question is not None else
           f"{money(given.api_input_per_1k)} / {money(given.api_output_per_1k)} per 1K prompt / completion tokens "
           f"= {money(given.api_each)} a question")
    lines = [f"Inputs, from {source}:",
             f"  {given.questions_per_day:,.0f} questions a day ({report.monthly_questions:,.0f} a month of 30 days),"
             f" {given.free_share:.0%} answered without a model",
             f"  {given.prompt_tokens:,.0f} prompt + {given.completion_tokens:,.0f} completion tokens and "
             f"{given.model_seconds:g} GPU seconds per model question",
             f"  GPU {hourly(given.gpu_per_hour)} × {given.gpu_hours_per_day:g} h a day = "
             f"{money(report.gpu_monthly)} a month, plus {money(given.ops_per_month)} operations",
             f"  hosted API: {api}", ""]
    rows = [("option", "a month", "a question", "model calls a month", "GPUs")]
    rows += [(o.name, money(o.monthly), money(o.per_question), f"{o.model_calls:,.0f}",
              str(o.instances) if o.instances else "-") for o in report.options]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join([row[0].ljust(widths[0]), *cells]))
    lines.append("")
    if report.break_even is None:
        lines.append("Break-even: never — the hosted API stays cheaper at any volume.")
    else:
        lines.append(f"Break-even: {report.break_even:,.0f} questions a month "
                     f"({report.break_even / 30:,.0f} a day); above it self-hosting is cheaper than the API.")
    return "\n".join(lines)
