"""Vetting time per statement over the test corpus (hostile and benign), on both parsers.

Goal: ≤ 2 ms median. Each statement is vetted --repeat times (default 20); the median of its times counts.

    .venv/bin/python -m bench.vet_speed [--repeat 20] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import time
from pathlib import Path

from nlq.errors import SqlRefused, SqlSyntaxError
from nlq.vet import VetPolicy, vet

ROOT = Path(__file__).resolve().parent.parent

GOAL_MEDIAN_MS = 2.0
TABLES = ("regions", "countries", "customers", "sales_reps", "product_categories", "products", "orders",
          "order_lines", "returns", "sales_targets")


def time_statement(sql: str, policy: VetPolicy, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        with contextlib.suppress(SqlRefused, SqlSyntaxError):
            vet(sql, policy)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    corpus = ROOT / "tests" / "corpus"
    statements = {name: [json.loads(line)["sql"] for line in (corpus / f"{name}.jsonl").read_text().splitlines()]
                  for name in ("hostile", "benign")}
    report: dict[str, dict[str, float]] = {}
    for dialect in ("postgres", "sqlite"):
        policy = VetPolicy.for_tables(dialect, TABLES, max_rows=10_000)
        for name, items in statements.items():
            times = [time_statement(sql, policy, args.repeat) for sql in items]
            report[f"{dialect}/{name}"] = {"statements": len(items), "median_ms": statistics.median(times),
                                           "p95_ms": sorted(times)[int(0.95 * (len(times) - 1))]}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    for key, figures in report.items():
        met = "met" if figures["median_ms"] <= GOAL_MEDIAN_MS else "NOT met"
        print(f"{key:<18} {figures['statements']:>4} statements: median {figures['median_ms']:.3f} ms, "
              f"p95 {figures['p95_ms']:.3f} ms (goal ≤ {GOAL_MEDIAN_MS:g} ms median: {met})")


if __name__ == "__main__":
    main()
