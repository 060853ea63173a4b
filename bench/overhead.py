"""Engine overhead per question: everything nlq does itself, apart from model time and database time.

Runs the demo questions (cycled to --questions, default 240) through ``nlq.pipeline.ask`` on the demo
SQLite database with the stand-in model server in its own process, and prints the median and p95 of

    overhead = total − model (the generate step) − database (driver execution and fetch)

with each step's share of it. Goal: ≤ 15 ms median. Drawing the Plotly figure happens in the UI, not the
engine; its cost is printed separately for information.

    .venv/bin/python -m bench.overhead [--questions 240] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from nlq.demo import EXAMPLE_QUESTIONS
from nlq.engine import Engine, open_engine
from nlq.figures import build_figure
from nlq.pipeline import ask
from nlq.settings import load_settings
from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parent.parent

GOAL_MEDIAN_MS = 15.0


def start_standin() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.standin_model", "--port", str(port), "--script",
         str(ROOT / "tests/support/demo_script.json")], cwd=ROOT, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/api/version", timeout=1).read()
            return process, url
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("stand-in model server did not start")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=240)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    standin, url = start_standin()
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            settings = load_settings({"NLQ_DATA_DIR": data_dir, "NLQ_MODEL_URL": url, "NLQ_RULES": "false",
                                      "NLQ_CACHE": "false"}, secrets_path=None)  # the model path
            engine = open_engine(settings)
            for question in EXAMPLE_QUESTIONS:  # warm-up: schema introspection and imports happen once
                ask(question, engine)
            report = measure(engine, args.questions)
            engine.close()
    finally:
        standin.terminate()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)


def measure(engine: Engine, count: int) -> dict[str, object]:
    overheads, figures, shares = [], [], {"prompt": [], "vet": [], "frame": [], "chart": [], "glue": []}
    for index in range(count):
        answer = ask(EXAMPLE_QUESTIONS[index % len(EXAMPLE_QUESTIONS)], engine)
        assert answer.ok, answer.error
        t = answer.timings_ms
        parts = {"prompt": t["schema"], "vet": t["vet"], "frame": t["execute"] - t["database"], "chart": t["chart"]}
        overhead = t["total"] - t["generate"] - t["database"]
        parts["glue"] = overhead - sum(parts.values())
        overheads.append(overhead)
        for name, value in parts.items():
            shares[name].append(value)
        started = time.perf_counter()
        build_figure(answer.frame, answer.chart)
        figures.append((time.perf_counter() - started) * 1000)
    total_overhead = sum(overheads)
    return {
        "questions": count,
        "overhead_ms": {"median": statistics.median(overheads), "p95": percentile(overheads, 0.95)},
        "goal_median_ms": GOAL_MEDIAN_MS,
        "share_of_overhead": {name: sum(v) / total_overhead for name, v in shares.items()},
        "figure_ms_ui": {"median": statistics.median(figures), "p95": percentile(figures, 0.95)},
    }


def print_report(report: dict) -> None:
    overhead = report["overhead_ms"]
    print(f"engine overhead over {report['questions']} questions: median {overhead['median']:.1f} ms, "
          f"p95 {overhead['p95']:.1f} ms (goal ≤ {report['goal_median_ms']:.0f} ms median: "
          f"{'met' if overhead['median'] <= report['goal_median_ms'] else 'NOT met'})")
    for name, share in report["share_of_overhead"].items():
        print(f"  {name:<7} {share:6.1%}")
    figure = report["figure_ms_ui"]
    print(f"Plotly figure (drawn by the UI, not counted): median {figure['median']:.1f} ms, "
          f"p95 {figure['p95']:.1f} ms")


if __name__ == "__main__":
    main()
