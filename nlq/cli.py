"""``python -m nlq``: ask questions, build the demo database and list settings from a terminal.

Exit codes are a contract for scripts: 0 answered, 1 could not answer (the error says why), 2 bad usage
or bad settings.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

import pandas as pd

from nlq.answer import Answer
from nlq.demo import build_demo, ensure_demo_file
from nlq.errors import NlqError
from nlq.pipeline import ask, open_resources
from nlq.settings import load_settings, settings_table

EXIT_ANSWERED, EXIT_UNANSWERED, EXIT_USAGE = 0, 1, 2
TERMINAL_ROWS = 20


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m nlq", description="Ask your database questions in plain "
                                     "language, answered by a self-hosted model.")
    commands = parser.add_subparsers(dest="command", required=True)
    ask_cmd = commands.add_parser("ask", help="answer one question")
    ask_cmd.add_argument("question")
    ask_cmd.add_argument("--db", metavar="URL", help="database URL (overrides NLQ_DATABASE_URL)")
    ask_cmd.add_argument("--json", action="store_true", help="print one JSON object")
    ask_cmd.add_argument("--limit", type=int, default=1000, help="rows included in --json output (default 1000)")
    demo_cmd = commands.add_parser("demo", help="build the demo retail database")
    demo_cmd.add_argument("--url", help="target database URL (default: the SQLite file in NLQ_DATA_DIR)")
    commands.add_parser("settings", help="list every setting with its default and meaning")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "ask":
            return _ask(args)
        if args.command == "demo":
            return _demo(args)
        return _settings()
    except NlqError as error:  # settings or connection problems before any answer exists
        print(f"error: {error.message}", file=sys.stderr)
        if error.hint:
            print(error.hint, file=sys.stderr)
        return EXIT_USAGE if error.kind == "settings" else EXIT_UNANSWERED


def _ask(args: argparse.Namespace) -> int:
    environ = dict(os.environ)
    if args.db:
        environ["NLQ_DATABASE_URL"] = args.db
    resources = open_resources(load_settings(environ))
    try:
        answer = ask(args.question, resources)
    finally:
        resources.close()
    if args.json:
        print(json.dumps(answer.to_dict(limit=max(0, args.limit)), ensure_ascii=False, default=str))
    else:
        _print_answer(answer)
    return EXIT_ANSWERED if answer.ok else EXIT_UNANSWERED


def _print_answer(answer: Answer) -> None:
    print(answer.summary)
    if answer.error:
        print(f"\n{answer.error.message}", file=sys.stderr)
        if answer.error.hint:
            print(answer.error.hint, file=sys.stderr)
    if answer.sql:
        print(f"\n{answer.sql}\n")
    if answer.frame is not None:
        if answer.empty:
            print("No rows matched the question.")
        else:
            with pd.option_context("display.width", 160, "display.max_columns", 20):
                print(answer.frame.head(TERMINAL_ROWS).to_string(index=False))
            if answer.row_count > TERMINAL_ROWS:
                print(f"… {answer.row_count - TERMINAL_ROWS:,} more rows (use --json for all of them)")
        if answer.row_note:
            print(answer.row_note)


def _demo(args: argparse.Namespace) -> int:
    if args.url:
        build = build_demo(args.url)
    else:
        path = load_settings().demo_database_path
        if path.exists():
            path.unlink()
        build = ensure_demo_file(path)
        assert build is not None  # the file was just removed
    total = sum(build.row_counts.values())
    print(f"Demo database written to {build.url} in {build.seconds:.1f} s: {total:,} rows")
    for table, count in build.row_counts.items():
        print(f"  {table:<20} {count:>7,}")
    return EXIT_ANSWERED


def _settings() -> int:
    for variable, default, meaning in settings_table():
        print(f"{variable:<22} {default:<26} {meaning}")
    return EXIT_ANSWERED
