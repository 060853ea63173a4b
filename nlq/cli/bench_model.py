"""``python -m nlq bench-model``: how fast the configured model server answers nlq's own prompts, one at a
time and with several in flight, as a table or one JSON object; the run is kept for the Usage & cost page.

A server that cannot be reached, or lacks the model, is an error like anywhere else in nlq (exit 1, the
message and the fix); a run in which no request succeeded also exits 1, after its table.
"""

from __future__ import annotations

import argparse
import json
import sys

from nlq.benchmark import BenchRun, Level, benchmark, save_run, saved_path
from nlq.errors import EXIT_DONE, EXIT_UNANSWERED, InputError
from nlq.services import open_app
from nlq.settings import load_settings

HEADERS = ("in flight", "requests", "errors", "TTFT p50", "TTFT p95", "latency p50", "latency p95",
           "tok/s each", "tok/s all", "req/s")


def run(args: argparse.Namespace) -> int:
    levels = parse_levels(args.concurrency)
    settings = load_settings()
    app = open_app(settings)
    try:
        report = benchmark(app.engine, levels, args.requests, args.questions)
    finally:
        app.close()
    path = saved_path(settings)
    save_run(report, path)
    if args.json:
        print(json.dumps(report.as_dict()))
    else:
        print(render(report))
        print(f"Saved to {path} (shown on the Usage & cost page).")
    if report.answered == 0:
        print("error: no request got a reply; see the errors above.", file=sys.stderr)
        return EXIT_UNANSWERED
    return EXIT_DONE


def parse_levels(text: str) -> list[int]:
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        levels = []
    if not levels or min(levels) < 1:
        raise InputError(f"--concurrency {text!r} is not a list of whole numbers of at least 1.",
                         "For example --concurrency 1,4,16.")
    return levels


def render(report: BenchRun) -> str:
    """The run as a terminal reads it: what was measured where, one row per level, and what the figures are."""
    warm = f"{report.warm_up_s:.2f} s" if report.warm_up_s is not None else "failed"
    prompt = f", prompts of {report.prompt_tokens_mean:,.0f} tokens on average" if report.prompt_tokens_mean else ""
    lines = [f"Model {report.model} ({report.provider}) at {report.server}",
             f"{report.questions} questions from {report.questions_from}{prompt}; at most {report.timeout_s:g} s "
             f"a request; first request alone (warm-up): {warm}", ""]
    rows = [HEADERS, *(_cells(level) for level in report.levels)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines += ["  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines += ["", "Seconds from sending a request: to its first token (TTFT) and to its end (latency). tok/s each: "
              "a request's output tokens over its time after the first token (median); tok/s all: every output "
              "token over the level's time."]
    if any(level.tokens in ("estimated", "mixed") for level in report.levels):
        lines.append("* The server reported no token counts: output tokens are estimated as characters / 4.")
    return "\n".join(lines)


def _cells(level: Level) -> tuple[str, ...]:
    star = "*" if level.tokens in ("estimated", "mixed") else ""
    errors = ", ".join(f"{count} {kind}" for kind, count in level.errors.items()) or "0"
    return (str(level.concurrency), str(level.requests), errors, _s(level.ttft_p50_s), _s(level.ttft_p95_s),
            _s(level.latency_p50_s), _s(level.latency_p95_s), _n(level.tokens_per_s_per_request, star),
            _n(level.tokens_per_s, star), f"{level.requests_per_s:.2f}")


def _s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f} s"


def _n(value: float | None, star: str) -> str:
    return "-" if value is None else f"{value:,.1f}{star}"
