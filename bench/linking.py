"""Schema-linking recall and prompt size: the defog questions (11 PostgreSQL databases) and a generated
312-table schema. Recall = share of questions whose gold SQL's tables all made it into the prompt; prompt
size = the whole prompt (instructions and schema) in estimated tokens. Goal: recall ≥ 95% with a median
prompt ≤ 2,000 tokens. Starts its own throwaway PostgreSQL (as the tests do).

    .venv/bin/python -m bench.linking [--budget 3000]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from nlq.database import Database
from nlq.schema import inspect_schema
from tests.support import big_schema, defog
from tests.support.linking_eval import LinkingReport, evaluate
from tests.support.postgres import PostgresServer

ROOT = Path(__file__).resolve().parent.parent


def show(label: str, report: LinkingReport) -> None:
    print(f"{label:<34} {report.questions:>4} questions: recall {report.recall:6.1%}, prompt tokens median "
          f"{report.median_prompt_tokens:,.0f}, p95 {report.p95_prompt_tokens:,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=int, default=3000, help="NLQ_PROMPT_TOKENS to test (default 3000)")
    args = parser.parse_args()
    server = PostgresServer().start()
    try:
        schemas = {name: inspect_schema(Database(url)) for name, url in defog.load_databases(server).items()}
    finally:
        server.stop()
    cases = [(schemas[q.database], q.question, q.tables) for q in defog.questions()]
    show(f"defog, budget {args.budget}", evaluate(cases, args.budget))
    show("defog, budget 800 (forced linking)", evaluate(cases, 800))
    with tempfile.TemporaryDirectory() as folder:
        url, questions = big_schema.build(Path(folder) / "big.sqlite")
        schema = inspect_schema(Database(url))
    show(f"generated {len(schema.tables)} tables, budget {args.budget}",
         evaluate([(schema, q.question, q.tables) for q in questions], args.budget))


if __name__ == "__main__":
    main()
