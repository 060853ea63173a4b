"""How far the rules tier gets without any model, and how often it is right when it answers.

The question sets in tests/data/questions, written by others than the rules' authors, on 17 databases (the
demo, Chinook, Lahman, FoodMart, Oracle HR/CO, SQL Murder Mystery, the 11 defog databases), each run on
SQLite and on PostgreSQL where the database exists in both: ``--half tuning`` (read while tuning) or
``--half heldout`` (run once, at the end, unread). ``--own`` adds nlq's own older sets (the demo's golden
set, Chinook's and defog's questions). Goals on the held-out half: precision ≥ 98% on the questions the
rules answer, ≥ 60% of simple questions answered; rules answer time (excluding the database) ≤ 20 ms median.
Starts its own throwaway PostgreSQL.

    .venv/bin/python -m bench.rules_accuracy [--half tuning|heldout] [--own] [--show-wrong] [--show-missed]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import tempfile
import time
from pathlib import Path

from nlq.demo import build_demo, ensure_demo_file
from nlq.engine import open_engine
from nlq.errors import HandedOver
from nlq.evaluate import CaseResult, evaluate, load_cases
from nlq.rules import understand
from nlq.settings import load_settings
from tests.support import chinook, datasets, defog
from tests.support.postgres import PostgresServer

ROOT = Path(__file__).resolve().parent.parent

DEMO_MODEL = ROOT / "nlq" / "demo" / "semantic_model.yaml"
GOLDEN = ROOT / "nlq" / "demo" / "golden.jsonl"
DEFOG_CSV = ROOT / "tests" / "data" / "defog" / "questions" / "questions_gen_postgres.csv"


def report(label: str, results: list[CaseResult], show_wrong: bool) -> list[float]:
    answered = [r for r in results if r.answered]
    correct = [r for r in answered if r.correct]
    print(f"{label:<34} {len(results):>4} questions, rules answered {len(answered):>3} ({_share(answered, results)}), "
          f"correct {len(correct):>3}: precision {_share(correct, answered)}")
    for kind in sorted({r.kind for r in results if r.kind}):
        of_kind = [r for r in results if r.kind == kind]
        kind_answered = [r for r in of_kind if r.answered]
        print(f"    {kind:<10} {len(of_kind):>4} questions: answered {_share(kind_answered, of_kind)}, "
              f"precision {_share([r for r in kind_answered if r.correct], kind_answered)}")
    if show_wrong:
        for wrong in (r for r in answered if not r.correct):
            print(f"    WRONG [{wrong.db}] {wrong.question}\n      rules: {wrong.sql}\n      gold:  {wrong.gold_sql}")
    return [r.latency_ms for r in answered]


def _share(part: list, whole: list) -> str:
    return f"{len(part) / len(whole):6.1%}" if whole else "     -"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show-wrong", action="store_true", help="print each wrong answer with both SQL texts")
    parser.add_argument("--show-missed", action="store_true", help="print each simple question handed over, and why")
    parser.add_argument("--half", choices=datasets.HALVES, default="tuning")
    parser.add_argument("--own", action="store_true", help="also nlq's own older sets")
    args = parser.parse_args()
    latencies = question_sets(args.half, args.show_wrong, args.show_missed)
    if args.own:
        latencies += own_sets(args.show_wrong)
    print(f"rules answer time excluding the database (understand, vet, table, chart): median "
          f"{statistics.median(latencies):.1f} ms, p95 {statistics.quantiles(latencies, n=20)[-1]:.1f} ms over "
          f"{len(latencies)} answers")


def question_sets(half: str, show_wrong: bool, show_missed: bool) -> list[float]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("NLQ_")}
    files = datasets.question_files(half)
    results: list[CaseResult] = []
    server = PostgresServer().start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            environ["NLQ_DATA_DIR"] = folder
            urls = datasets.postgres_urls(server, {f.stem for f in files})
            for path in files:
                cases = load_cases(path)
                env = {**environ, "NLQ_SEMANTIC_MODEL": str(DEMO_MODEL)} if path.stem == "demo" else environ
                sqlite = datasets.sqlite_url(path.stem, Path(folder))
                for engine_name, url in (("SQLite", sqlite), ("PostgreSQL", urls[path.stem])):
                    if url is not None:
                        found = evaluate(cases, url, "rules", env)
                        results += found
                        _line(f"{path.stem} ({engine_name})", found)
    finally:
        server.stop()
    print()
    report(f"all, {half} half", results, show_wrong)
    if show_missed:
        for missed in (r for r in results if r.kind == "simple" and not r.answered):
            print(f"    MISSED [{missed.db}] {missed.question}\n      {missed.reason}")
    return [r.latency_ms for r in results if r.answered]


def _line(label: str, results: list[CaseResult]) -> None:
    simple = [r for r in results if r.kind == "simple"]
    answered = [r for r in results if r.answered]
    simple_answered = _share([r for r in simple if r.answered], simple)
    wrong = len([r for r in answered if not r.correct])
    print(f"  {label:<30} {len(results):>3} questions: simple answered {simple_answered}, answered "
          f"{len(answered):>3}, wrong {wrong:>2}")


def own_sets(show_wrong: bool) -> list[float]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("NLQ_")}
    latencies: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        demo_file = Path(folder) / "demo.sqlite"
        ensure_demo_file(demo_file)
        demo_env = {**environ, "NLQ_SEMANTIC_MODEL": str(DEMO_MODEL), "NLQ_DATA_DIR": folder}
        golden = load_cases(GOLDEN)
        understand_ms = _understand_times(golden, demo_env)
        latencies += report("demo golden set (SQLite)", evaluate(golden, f"sqlite:///{demo_file}", "rules", demo_env),
                            show_wrong)
        server = PostgresServer().start()
        try:
            demo_pg = server.create_database("demo")
            build_demo(demo_pg)
            latencies += report("demo golden set (PostgreSQL)", evaluate(golden, demo_pg, "rules", demo_env),
                                show_wrong)
            plain = {**environ, "NLQ_DATA_DIR": folder}
            latencies += report("Chinook (SQLite, no semantic model)",
                                evaluate(load_cases(chinook.QUESTIONS["sqlite"]), chinook.sqlite_url(), "rules", plain),
                                show_wrong)
            latencies += report("Chinook (PostgreSQL, no model file)",
                                evaluate(load_cases(chinook.QUESTIONS["postgres"]), chinook.load_postgres(server),
                                         "rules", plain), show_wrong)
            defog_cases = load_cases(DEFOG_CSV)
            defog_results = []
            for name, url in defog.load_databases(server).items():
                defog_results += evaluate([c for c in defog_cases if c.db == name], url, "rules", plain)
            latencies += report("defog (11 PostgreSQL databases)", defog_results, show_wrong)
        finally:
            server.stop()
    print(f"understanding alone (parse + compile to SQL), demo golden set: median "
          f"{statistics.median(understand_ms):.2f} ms, "
          f"p95 {statistics.quantiles(understand_ms, n=20)[-1]:.2f} ms")
    return latencies


def _understand_times(cases: list, environ: dict[str, str]) -> list[float]:
    engine = open_engine(load_settings(environ, secrets_path=None))
    catalog = engine.catalog()
    times = []
    for case in cases * 5:
        started = time.perf_counter()
        with contextlib.suppress(HandedOver):
            understand(case.question, catalog)
        times.append((time.perf_counter() - started) * 1000)
    engine.close()
    return times


if __name__ == "__main__":
    main()
