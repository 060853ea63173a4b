"""``python -m nlq ask``: one question, answered as in the app and recorded in the same answer log."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TextIO

import pandas as pd

from nlq.answer import Answer, Turn
from nlq.errors import EXIT_CLARIFY, EXIT_DONE, EXIT_UNANSWERED, InputError
from nlq.pipeline import ask
from nlq.services import Recorded, open_app
from nlq.settings import load_settings

TERMINAL_ROWS = 20


def run(args: argparse.Namespace) -> int:
    environ = dict(os.environ)
    if args.db:
        environ["NLQ_DATABASE_URL"] = args.db
    history = history_from(args.follow_up_of) if args.follow_up_of else ()
    app = open_app(load_settings(environ))
    try:
        answer = ask(args.question, app.engine, history=history, mode=args.route, choices=args.choose)
        recorded = app.record(answer, source="cli")
    finally:
        app.close()
    if args.json:
        print(json.dumps({**answer.to_dict(limit=max(0, args.limit)), **_record_fields(recorded)},
                         ensure_ascii=False, default=str))
    else:
        _print_answer(answer)
    if not recorded.ok:
        print(f"note: {recorded.notice}", file=sys.stderr)
    if answer.ok:
        return EXIT_DONE
    return EXIT_CLARIFY if answer.clarify else EXIT_UNANSWERED


def history_from(handle: TextIO) -> tuple[Turn, ...]:
    """The conversation a previous ``ask --json`` answer carried, for a follow-up question."""
    try:
        previous = json.load(handle)
        if not isinstance(previous, dict) or "question" not in previous or "history" not in previous:
            raise ValueError("not an answer")
        turns = previous.get("history") or ([{"question": previous["question"], "sql": previous["sql"]}]
                                            if previous.get("sql") else [])
        return tuple(Turn(str(t["question"]), str(t["sql"])) for t in turns)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise InputError(f"{handle.name} is not an answer written by `python -m nlq ask --json`.",
                         "Pass the file that a previous `ask --json` printed.") from None


def _record_fields(recorded: Recorded) -> dict[str, object]:
    """Whether the answer reached the answer log: its id there, or why not."""
    return {"answer_id": recorded.id, "not_recorded": recorded.notice or None, "journaled": recorded.journaled}


def _print_answer(answer: Answer) -> None:
    print(answer.status_line)
    if answer.notice:
        print(answer.notice)
    if answer.understood:
        print(f"Understood as: {answer.understood}")
    if answer.error:
        print(f"\n{answer.error.message}", file=sys.stderr)
        if answer.error.hint:
            print(answer.error.hint, file=sys.stderr)
    if answer.clarify:
        for reading in answer.clarify.readings:
            print(f"  --choose {reading.value}   {reading.label}: {reading.understood}", file=sys.stderr)
        return
    if answer.summary:
        print(f"\n{answer.summary}")
    for check in answer.checks:
        if not (answer.empty and check.kind == "outside_data"):  # the empty answer's sentence says it already
            print(f"Warning: {check.message}")
    if answer.explanation:
        print("\nWhat the SQL does: " + " ".join(answer.explanation))
    if answer.sql:
        print(f"\n{answer.sql}\n")
    if answer.frame is not None:
        if answer.empty:
            if not answer.summary:
                print("No rows matched the question.")
        else:
            with pd.option_context("display.width", 160, "display.max_columns", 20):
                print(answer.frame.head(TERMINAL_ROWS).to_string(index=False))
            if answer.row_count > TERMINAL_ROWS:
                print(f"… {answer.row_count - TERMINAL_ROWS:,} more rows (use --json for all of them)")
        if answer.row_note:
            print(answer.row_note)
