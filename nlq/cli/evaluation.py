"""``python -m nlq eval``: every question of a gold file through a route, scored against the gold SQL."""

from __future__ import annotations

import argparse
import json
from typing import Any

from nlq.errors import EXIT_DONE
from nlq.evaluate import CaseResult, check_url, evaluate, load_cases, summarize


def run(args: argparse.Namespace) -> int:
    """Exit 0 whatever the accuracy: a score is a measurement, not a failure."""
    cases = load_cases(args.file)[: args.limit] if args.limit else load_cases(args.file)
    results = evaluate(cases, check_url(args.db), args.route,
                       on_result=_print_result_json if args.json else _print_result_line)
    summary = summarize(results)
    if args.json:
        print(json.dumps(summary), flush=True)
    else:
        _print_summary(summary)
    return EXIT_DONE


def _print_result_json(result: CaseResult) -> None:
    print(json.dumps(result.to_dict(), ensure_ascii=False, default=str), flush=True)


def _print_result_line(result: CaseResult) -> None:
    mark = "ok " if result.correct else "-- " if not result.answered else "BAD"
    note = "" if result.answered else f"  ({result.reason or result.error})"
    if result.error == "gold_failed":
        note = "  (the gold SQL failed on this database)"
    print(f"{mark} {result.route:<8} {result.question}{note}", flush=True)


def _print_summary(summary: dict[str, Any]) -> None:
    print()
    print(f"{'route':<10}{'questions':>10}{'answered':>10}{'correct':>9}{'precision':>11}"
          f"{'median ms':>11}{'p95 ms':>9}{'tokens':>9}")
    for row in summary["routes"]:
        print(f"{row['route']:<10}{row['questions']:>10}{row['answered']:>10}{row['correct']:>9}"
              f"{_share(row['correct'], row['answered']):>11}"
              f"{_number(row['latency_ms_median']):>11}{_number(row['latency_ms_p95']):>9}{row['tokens']:>9}")
    print()
    print(summary_line(summary))
    if summary["gold_failed"]:
        print(f"{summary['gold_failed']} gold queries failed to run on this database.")


def summary_line(summary: dict[str, Any]) -> str:
    """"76 questions · 56 answered · 56 correct · accuracy 73.7% of 76 · precision 100.0% of 56 answered": each
    percentage computed once from the exact counts and said of what."""
    total, answered, correct = summary["questions"], summary["answered"], summary["correct"]
    line = f"{total} question{'' if total == 1 else 's'} · {answered} answered · {correct} correct"
    if total:
        line += f" · accuracy {_share(correct, total)} of {total}"
    if answered:
        line += f" · precision {_share(correct, answered)} of {answered} answered"
    return line


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
