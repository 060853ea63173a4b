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
from pathlib import Path
from typing import TextIO

import pandas as pd
from sqlalchemy.exc import SQLAlchemyError

from nlq.answer import Answer
from nlq.audit import record
from nlq.database import first_line
from nlq.demo import build_demo, ensure_demo_file
from nlq.doctor import diagnose
from nlq.errors import NlqError, SettingsError
from nlq.evaluate import CaseResult, check_url, evaluate, load_cases, summarize
from nlq.pipeline import Turn, ask, open_resources
from nlq.roles import apply_role, plan_role, role_url
from nlq.router import ROUTES
from nlq.settings import load_settings, settings_table
from nlq.store import open_store
from nlq.store.log import as_records
from nlq.vet import VetPolicy, vet

EXIT_ANSWERED, EXIT_UNANSWERED, EXIT_USAGE = 0, 1, 2
DOCTOR_STEPS = ("settings", "sign-in", "database", "model server", "model", "reply")
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
    ask_cmd.add_argument("--follow-up-of", type=argparse.FileType("r"), metavar="FILE.json",
                         help="a previous --json answer: this question follows up on it")
    ask_cmd.add_argument("--route", choices=ROUTES, default="auto",
                         help="auto: rules, then cache, then model (default); rules: only without a model; "
                              "model: straight to the model")
    history_cmd = commands.add_parser("history", help="recent questions and answers from the app store")
    history_cmd.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    history_cmd.add_argument("--json", action="store_true", help="one JSON object per line")
    eval_cmd = commands.add_parser("eval", help="score answers against gold SQL (JSONL or defog CSV)")
    eval_cmd.add_argument("file", type=Path, help="JSONL with question and sql, or a defog questions CSV")
    eval_cmd.add_argument("--db", metavar="URL", required=True,
                          help="database URL; {db} in it is replaced by each question's database (defog)")
    eval_cmd.add_argument("--route", choices=ROUTES, default="auto", help="route to measure (default auto)")
    eval_cmd.add_argument("--json", action="store_true", help="one JSON object per question, then a summary")
    eval_cmd.add_argument("--limit", type=int, help="only the first N questions")
    demo_cmd = commands.add_parser("demo", help="build the demo retail database")
    demo_cmd.add_argument("--url", help="target database URL (default: the SQLite file in NLQ_DATA_DIR)")
    commands.add_parser("settings", help="list every setting with its default and meaning")
    commands.add_parser("doctor", help="check settings, database and model server, and say how to fix them")
    vet_cmd = commands.add_parser("vet", help="vet SQL statements (JSON lines with id and sql) without running them")
    source = vet_cmd.add_mutually_exclusive_group()
    source.add_argument("--db", metavar="URL", help="take the dialect and the exposed tables from this database")
    source.add_argument("--dialect", default="postgres", help="dialect without --db (default postgres)")
    vet_cmd.add_argument("--tables", default="", help="comma-separated exposed tables, without --db")
    vet_cmd.add_argument("--jsonl", type=argparse.FileType("r"), default=sys.stdin,
                         help="input file (default: standard input)")
    role_cmd = commands.add_parser("setup-role", help="create the least-privilege PostgreSQL role nlq should use")
    role_cmd.add_argument("--db", metavar="ADMIN_URL", required=True, help="an administrator's database URL")
    role_cmd.add_argument("--role", default="nlq_reader")
    role_cmd.add_argument("--tables", default="", help="comma-separated tables (default: all exposed tables)")
    role_cmd.add_argument("--password", help="the role's password (default: a random one, printed)")
    role_cmd.add_argument("--apply", action="store_true", help="run the SQL instead of only printing it")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "ask":
            return _ask(args)
        if args.command == "demo":
            return _demo(args)
        if args.command == "vet":
            return _vet(args)
        if args.command == "setup-role":
            return _setup_role(args)
        if args.command == "doctor":
            return _doctor()
        if args.command == "eval":
            return _eval(args)
        if args.command == "history":
            return _history(args)
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
    history = _history_from(args.follow_up_of) if args.follow_up_of else ()
    resources = open_resources(load_settings(environ))
    try:
        answer = ask(args.question, resources, history=history, route=args.route)
        record(resources, answer, source="cli")
    finally:
        resources.close()
    if args.json:
        print(json.dumps(answer.to_dict(limit=max(0, args.limit)), ensure_ascii=False, default=str))
    else:
        _print_answer(answer)
    return EXIT_ANSWERED if answer.ok else EXIT_UNANSWERED


def _history_from(handle: TextIO) -> tuple[Turn, ...]:
    try:
        previous = json.load(handle)
        if not isinstance(previous, dict) or "question" not in previous or "history" not in previous:
            raise ValueError("not an answer")
        turns = previous.get("history") or ([{"question": previous["question"], "sql": previous["sql"]}]
                                            if previous.get("sql") else [])
        return tuple(Turn(str(t["question"]), str(t["sql"])) for t in turns)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise SettingsError(f"{handle.name} is not an answer written by `python -m nlq ask --json`.",
                            "Pass the file that a previous `ask --json` printed.") from None


def _print_answer(answer: Answer) -> None:
    print(answer.summary)
    if answer.notice:
        print(answer.notice)
    if answer.understood:
        print(f"Understood as: {answer.understood}")
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


def _vet(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.db:
        resources = open_resources(load_settings({**os.environ, "NLQ_DATABASE_URL": args.db}))
        policy = resources.policy()
        resources.close()
    else:
        policy = VetPolicy.for_tables(args.dialect, _names(args.tables), max_rows=settings.max_rows)
    for number, line in enumerate(args.jsonl, start=1):
        if line.strip():
            print(json.dumps(_vet_line(line, number, policy), ensure_ascii=False), flush=True)
    return EXIT_ANSWERED


def _vet_line(line: str, number: int, policy: VetPolicy) -> dict[str, object]:
    try:
        item = json.loads(line)
        statement_id, statement = item.get("id", number), item["sql"]
    except (ValueError, KeyError, AttributeError, TypeError):
        return {"id": number, "allowed": False, "kind": "bad_input",
                "reason": 'each line must be a JSON object with "sql" (and "id")', "sql": None}
    try:
        query = vet(str(statement), policy)
    except NlqError as error:
        return {"id": statement_id, "allowed": False, "kind": getattr(error, "rule", error.kind),
                "reason": error.message, "sql": None}
    return {"id": statement_id, "allowed": True, "kind": None, "reason": None, "sql": query.sql}


def _setup_role(args: argparse.Namespace) -> int:
    settings = load_settings()
    plan = plan_role(args.db, args.role, _names(args.tables) or None, settings.excluded_table_patterns,
                     args.password)
    print(plan.script(), end="")
    if args.apply:
        apply_role(args.db, plan)
        print(f"-- Applied. Connect nlq with:\nNLQ_DATABASE_URL={role_url(args.db, plan)}")
    elif not args.password:
        print("-- Dry run: nothing was changed. Add --apply to run it (the password above is random).")
    return EXIT_ANSWERED


def _doctor() -> int:
    checks = diagnose()
    for check in checks:
        print(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
        if check.fix:
            print(f"     fix: {check.fix}")
    healthy = all(check.ok for check in checks) and len(checks) == len(DOCTOR_STEPS)
    print("All checks passed." if healthy else "Fix the first failed check, then run `python -m nlq doctor` again.")
    return EXIT_ANSWERED if healthy else EXIT_UNANSWERED


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _settings() -> int:
    for variable, default, meaning in settings_table():
        print(f"{variable:<22} {default:<26} {meaning}")
    return EXIT_ANSWERED


def _eval(args: argparse.Namespace) -> int:
    """Exit 0 whatever the accuracy: a score is a measurement, not a failure."""
    cases = load_cases(args.file)[: args.limit] if args.limit else load_cases(args.file)
    results = evaluate(cases, check_url(args.db), args.route,
                       on_result=_print_result_json if args.json else _print_result_line)
    summary = summarize(results)
    if args.json:
        print(json.dumps(summary), flush=True)
    else:
        _print_summary(summary)
    return EXIT_ANSWERED


def _print_result_json(result: CaseResult) -> None:
    print(json.dumps(result.to_dict(), ensure_ascii=False, default=str), flush=True)


def _print_result_line(result: CaseResult) -> None:
    mark = "ok " if result.correct else "-- " if not result.answered else "BAD"
    note = "" if result.answered else f"  ({result.reason or result.error})"
    if result.error == "gold_failed":
        note = "  (the gold SQL failed on this database)"
    print(f"{mark} {result.route:<8} {result.question}{note}", flush=True)


def _print_summary(summary: dict) -> None:
    print()
    print(f"{'route':<10}{'questions':>10}{'answered':>10}{'correct':>9}{'precision':>11}{'accuracy':>10}"
          f"{'median ms':>11}{'p95 ms':>9}{'tokens':>9}")
    for row in summary["routes"]:
        print(f"{row['route']:<10}{row['questions']:>10}{row['answered']:>10}{row['correct']:>9}"
              f"{_percent(row['precision']):>11}{_percent(row['accuracy']):>10}{_number(row['latency_ms_median']):>11}"
              f"{_number(row['latency_ms_p95']):>9}{row['tokens']:>9}")
    print(f"{'all':<10}{summary['questions']:>10}{summary['answered']:>10}{summary['correct']:>9}"
          f"{_percent(summary['precision']):>11}{_percent(summary['accuracy']):>10}")
    if summary["gold_failed"]:
        print(f"{summary['gold_failed']} gold queries failed to run on this database.")


def _percent(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.1%}"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _history(args: argparse.Namespace) -> int:
    try:
        store = open_store(load_settings().effective_app_db_url)
        try:
            entries = store.log.entries(limit=max(1, args.limit))
        finally:
            store.close()
    except (SQLAlchemyError, OSError) as error:
        print(f"error: nlq's store could not be read: {first_line(error)}", file=sys.stderr)
        print("Check NLQ_APP_DB_URL (empty: the SQLite file in NLQ_DATA_DIR).", file=sys.stderr)
        return EXIT_UNANSWERED
    if args.json:
        for entry in as_records(entries):
            print(json.dumps(entry, ensure_ascii=False), flush=True)
        return EXIT_ANSWERED
    if entries.empty:
        print("No questions asked yet.")
    for entry in entries.itertuples():
        count = None if entry.row_count is None or pd.isna(entry.row_count) else int(entry.row_count)
        rows = "" if count is None else f" · {count:,} row{'' if count == 1 else 's'}"
        print(f"{entry.id:>6}  {entry.asked_at:%Y-%m-%d %H:%M}  {entry.user:<10} {entry.route:<8} {entry.status:<8}"
              f"  {entry.question}{rows}")
    return EXIT_ANSWERED
