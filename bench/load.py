"""Many sessions at once: throughput and the engine's own added latency at 1, 10 and 50 concurrent
sessions on this machine, the way the app runs them (threads sharing one engine and store).

Each session asks the demo's example questions in turn, half through the rules route and half through
the stand-in model server (its own process, answering at once), and records each answer in a SQLite app
store as the app does. Per answer,

    engine overhead = wall time of ask + record − model time − database time

so the figure is what nlq adds, not what the model or the database take. Goal: p95 ≤ 100 ms at 50 sessions.
With ``--think 0`` (the default) every session asks again the moment it has its answer: a stress test
that saturates the machine, where waiting for a CPU dominates. ``--think S`` has each session pause about
S seconds between questions, as people do (a question every 10 s from each of 50 people is 5 a second).

    .venv/bin/python -m bench.load [--sessions 1,10,50] [--questions 16] [--think 0] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench.overhead import percentile, start_standin
from nlq.demo import EXAMPLE_QUESTIONS
from nlq.pipeline import ask
from nlq.services import App, open_app
from nlq.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent

GOAL_P95_MS = 100.0


def session(app: App, questions: int, offset: int, results: list[dict], think_s: float = 0.0) -> None:
    pause = random.Random(offset)
    for number in range(questions):
        if think_s:
            time.sleep(pause.uniform(0.5, 1.5) * think_s)
        question = EXAMPLE_QUESTIONS[(offset + number) % len(EXAMPLE_QUESTIONS)]
        route = "rules" if number % 2 == 0 else "model"
        started = time.perf_counter()
        answer = ask(question, app.engine, mode=route)
        recorded = app.record(answer, source="app")
        wall = (time.perf_counter() - started) * 1000
        outside = answer.timings_ms.get("model", 0.0) + answer.timings_ms.get("database", 0.0)
        results.append({"route": route, "ok": answer.ok, "wall_ms": wall, "overhead_ms": wall - outside,
                        "journaled": recorded.journaled})


def run(app: App, sessions: int, questions: int, think_s: float) -> dict:
    results: list[dict] = []
    threads = [threading.Thread(target=session, args=(app, questions, i, results, think_s))
               for i in range(sessions)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    overhead = [r["overhead_ms"] for r in results]
    wall = [r["wall_ms"] for r in results]
    return {"sessions": sessions, "answers": len(results), "failed": sum(not r["ok"] for r in results),
            "throughput_per_s": round(len(results) / seconds, 1),
            "overhead_ms_median": round(statistics.median(overhead), 1),
            "overhead_ms_p95": round(percentile(overhead, 0.95), 1),
            "latency_ms_p95": round(percentile(wall, 0.95), 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", default="1,10,50")
    parser.add_argument("--questions", type=int, default=16, help="questions per session")
    parser.add_argument("--think", type=float, default=0.0, help="seconds each session pauses between questions")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    standin, url = start_standin()
    rows = []
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            settings = load_settings({"NLQ_DATA_DIR": data_dir, "NLQ_MODEL_URL": url, "NLQ_CACHE": "false"},
                                     secrets_path=None)
            app = open_app(settings)
            session(app, len(EXAMPLE_QUESTIONS), 0, [])  # warm-up: schema, catalog, store, imports
            for count in (int(n) for n in args.sessions.split(",")):
                rows.append(run(app, count, args.questions, args.think))
            app.close()
    finally:
        standin.terminate()
    if args.json:
        print(json.dumps(rows))
        return
    print(f"{'sessions':>8} {'answers':>8} {'failed':>7} {'answers/s':>10} {'overhead p50':>13} "
          f"{'overhead p95':>13} {'latency p95':>12}")
    for row in rows:
        print(f"{row['sessions']:>8} {row['answers']:>8} {row['failed']:>7} {row['throughput_per_s']:>10} "
              f"{row['overhead_ms_median']:>10} ms {row['overhead_ms_p95']:>10} ms {row['latency_ms_p95']:>9} ms")
    last = rows[-1]
    met = "met" if last["overhead_ms_p95"] <= GOAL_P95_MS else "NOT met"
    print(f"goal: p95 engine overhead ≤ {GOAL_P95_MS:.0f} ms at {last['sessions']} sessions: {met}")


if __name__ == "__main__":
    main()
