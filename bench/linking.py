"""Schema-linking recall, prompt size and time. Recall = share of questions whose gold SQL's tables all made it
into the prompt; prompt size = the whole prompt (instructions and schema) in estimated tokens; time = linking
one question once the schema's index is built (the engine builds it once per schema).

Sets: the defog questions (11 PostgreSQL databases), a generated 312-table enterprise schema, and 300-table
distractor schemas built around Chinook, Oracle HR/CO and FoodMart (tests/support/distractors.py: archives,
summaries, staging copies, event logs, other departments' look-alikes) with the question sets' questions on
those databases (``--half tuning`` while tuning; ``--half heldout`` once, at the end). Goals: recall ≥ 95%,
median prompt ≤ 2,000 tokens, median linking time ≤ 10 ms. Starts its own throwaway PostgreSQL.

    .venv/bin/python -m bench.linking [--budget 3000] [--half tuning|heldout|both] [--show-misses]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from nlq.database import Database
from nlq.evaluate import load_cases
from nlq.linking import LinkingIndex
from nlq.rules import read_values
from nlq.schema import inspect_schema
from tests.support import big_schema, datasets, defog
from tests.support.distractors import gold_tables, surround
from tests.support.linking_eval import LinkingReport, evaluate
from tests.support.postgres import PostgresServer

DISTRACTED = ("chinook", "oracle_hr_co", "foodmart")


def show(label: str, report: LinkingReport, show_misses: bool = False) -> None:
    print(f"{label:<44} {report.questions:>4} questions: recall {report.recall:6.1%}, prompt tokens median "
          f"{report.median_prompt_tokens:,.0f}, p95 {report.p95_prompt_tokens:,.0f}, linking median "
          f"{report.median_ms:.1f} ms")
    for question, missing in report.misses if show_misses else ():
        print(f"    MISSED {', '.join(missing)}: {question}")


def distracted_cases(half: str, folder: Path) -> dict[str, tuple[LinkingIndex, list]]:
    """Per database: its 300-table distractor schema with each question of the half and its gold tables."""
    found = {}
    for name in DISTRACTED:
        url = datasets.sqlite_url(name, folder)
        assert url is not None
        real = inspect_schema(Database(url))
        schema = surround(real, total=300)
        values = read_values(Database(url), real, 30.0)  # what the engine gives its index: the data's values
        cases = []
        for case in load_cases(datasets.QUESTIONS / half / f"{name}.jsonl"):
            queries, dialect = case.gold_for("sqlite")
            cases.append((schema, case.question, gold_tables(queries[0], dialect or "sqlite")))
        found[name] = (LinkingIndex(schema, values=values), cases)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=int, default=3000, help="NLQ_PROMPT_TOKENS to test (default 3000)")
    parser.add_argument("--half", choices=(*datasets.HALVES, "both"), default="tuning")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    halves = ("tuning", "heldout") if args.half == "both" else (args.half,)
    with tempfile.TemporaryDirectory() as folder:
        for half in halves:
            for name, (index, cases) in distracted_cases(half, Path(folder)).items():
                report = evaluate(cases, args.budget, {id(cases[0][0]): index})
                show(f"{name} + distractors (300 tables), {half}", report, args.show_misses)
        url, questions = big_schema.build(Path(folder) / "big.sqlite")
        schema = inspect_schema(Database(url))
        show(f"generated {len(schema.tables)} tables", evaluate([(schema, q.question, q.tables) for q in questions],
                                                                args.budget), args.show_misses)
    server = PostgresServer().start()
    try:
        schemas = {name: inspect_schema(Database(url)) for name, url in defog.load_databases(server).items()}
    finally:
        server.stop()
    cases = [(schemas[q.database], q.question, q.tables) for q in defog.questions()]
    show(f"defog, budget {args.budget}", evaluate(cases, args.budget))
    show("defog, budget 800 (forced linking)", evaluate(cases, 800), args.show_misses)


if __name__ == "__main__":
    main()
