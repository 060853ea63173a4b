"""``python -m nlq``: ask questions, score them, vet SQL, build the demo and check the set-up from a terminal.

Each subcommand lives in its own module, imported only when it runs, so ``--help`` and quick commands start
without loading what they do not use (no LangChain, Plotly or pandas for ``--help``, ``settings`` or
``vet``).

Exit codes are a contract for scripts (``nlq.errors.ErrorKind.exit_code``): 0 done, 1 could not answer or
could not do it (the error says why), 2 bad usage: a wrong argument, input file or setting.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from nlq.errors import NlqError
from nlq.route import Mode

COMMAND_MODULES = {  # subcommand -> module under nlq.cli with run(args) -> exit code
    "ask": "ask", "history": "history", "eval": "evaluation", "demo": "demo", "settings": "settings",
    "doctor": "doctor", "vet": "vet", "setup-role": "setup_role", "costs": "costs",
    "bench-model": "bench_model", "token": "token", "serve": "serve", "verified": "verified",
}
MODES = [mode.value for mode in Mode]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m nlq", description="Ask your database questions in plain "
                                     "language, answered by a self-hosted model.")
    commands = parser.add_subparsers(dest="command", required=True)
    ask = commands.add_parser("ask", help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--db", metavar="URL", help="database URL (overrides NLQ_DATABASE_URL)")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--limit", type=int, default=1000, help="rows included in --json output (default 1000)")
    ask.add_argument("--follow-up-of", type=argparse.FileType("r"), metavar="FILE.json",
                     help="a previous --json answer: this question follows up on it")
    ask.add_argument("--choose", action="append", default=[], metavar="READING",
                     help="the reading to take where the question forks (a `choose` value of an answer's "
                          "`clarify` options, e.g. customer.country); may be repeated")
    ask.add_argument("--route", choices=MODES, default="auto",
                     help="; ".join(f"{mode.value}: {mode.help}" for mode in Mode) + " (default auto)")
    history = commands.add_parser("history", help="recent questions and answers from the app store")
    history.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    history.add_argument("--json", action="store_true", help="one JSON object per line")
    score = commands.add_parser("eval", help="score answers against gold SQL (JSONL or defog CSV)")
    score.add_argument("file", type=Path, help="JSONL with question and sql, or a defog questions CSV")
    score.add_argument("--db", metavar="URL", required=True,
                       help="database URL; {db} in it is replaced by each question's database (defog)")
    score.add_argument("--route", choices=MODES, default="auto", help="route to measure (default auto)")
    score.add_argument("--json", action="store_true", help="one JSON object per question, then a summary")
    score.add_argument("--limit", type=int, help="only the first N questions")
    demo = commands.add_parser("demo", help="build the demo retail database")
    demo.add_argument("--url", help="target database URL (default: the SQLite file in NLQ_DATA_DIR)")
    listing = commands.add_parser("settings", help="every setting's value in effect and where it came from")
    listing.add_argument("--markdown", action="store_true", help="as docs/settings.md (a Markdown table)")
    commands.add_parser("doctor", help="check settings, database and model server, and say how to fix them")
    vet = commands.add_parser("vet", help="vet SQL statements (JSON lines with id and sql) without running them")
    source = vet.add_mutually_exclusive_group()
    source.add_argument("--db", metavar="URL", help="take the dialect and the exposed tables from this database")
    source.add_argument("--dialect", default="postgres", help="dialect without --db (default postgres)")
    vet.add_argument("--tables", default="", help="comma-separated exposed tables, without --db")
    vet.add_argument("--jsonl", type=argparse.FileType("r"), default=sys.stdin,
                     help="input file (default: standard input)")
    role = commands.add_parser("setup-role", help="create the least-privilege PostgreSQL role nlq should use")
    role.add_argument("--db", metavar="ADMIN_URL", required=True, help="an administrator's database URL")
    role.add_argument("--role", default="nlq_reader")
    role.add_argument("--tables", default="", help="comma-separated tables (default: all exposed tables)")
    role.add_argument("--password", help="the role's password (default: a random one, printed)")
    role.add_argument("--apply", action="store_true", help="run the SQL instead of only printing it")
    add_costs_arguments(commands.add_parser("costs", help="what self-hosting costs against a hosted API, a month "
                                            "and a question, and the break-even volume"))
    bench = commands.add_parser("bench-model", help="time the model server with nlq's own prompts at several "
                                "concurrency levels (first token, latency, tokens per second, errors)")
    bench.add_argument("--concurrency", default="1,4,16", metavar="N,N,...",
                       help="requests in flight, one level after another (default 1,4,16)")
    bench.add_argument("--requests", type=int, metavar="N",
                       help="requests per level (default 8, or the level's concurrency if larger)")
    bench.add_argument("--questions", type=Path, metavar="FILE",
                       help="JSONL with a \"question\" on each line (default: the demo's golden questions on the "
                            "demo, else the examples)")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    serve = commands.add_parser("serve", help="the HTTP API for other tools (POST /v1/ask, tokens from `token`)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=8600, help="port (default 8600)")
    token = commands.add_parser("token", help="create, list and revoke the HTTP API's tokens")
    actions = token.add_subparsers(dest="action", required=True)
    actions.add_parser("create", help="a new token, printed once").add_argument(
        "--user", required=True, metavar="EMAIL", help="the user its calls are answered and logged as")
    listing_tokens = actions.add_parser("list", help="id, user, created, last used, revoked")
    listing_tokens.add_argument("--json", action="store_true", help="one JSON object per line")
    actions.add_parser("revoke", help="stop a token working (it stays listed)").add_argument("id", type=int)
    verified = commands.add_parser("verified", help="list, add, check and delete verified answers")
    checked = verified.add_subparsers(dest="action", required=True)
    checked.add_parser("list", help="id, status, who verified it and when, question (stale: why)").add_argument(
        "--json", action="store_true", help="one JSON object per line")
    add = checked.add_parser("add", help="verify SQL for a question (run and vetted first)")
    add.add_argument("question")
    add.add_argument("--sql", required=True, help="the SQL that answers it")
    add.add_argument("--title", default="", help="a title (default: none)")
    add.add_argument("--by", default="local", metavar="EMAIL", help="who vouches for it (default local)")
    checked.add_parser("check", help="re-check them after a schema change; print those that went stale")
    checked.add_parser("delete", help="delete one").add_argument("id", type=int)
    return parser


def add_costs_arguments(parser: argparse.ArgumentParser) -> None:
    """The planner's inputs, each overriding one prefilled value (nlq.cli.costs)."""
    inputs = parser.add_argument_group("inputs (default: measured on this installation, else the brief's)")
    inputs.add_argument("--questions-per-day", type=float, metavar="N")
    inputs.add_argument("--without-model", type=float, metavar="SHARE",
                        help="share answered by rules or the cache, 0 to 1 (e.g. 0.6)")
    inputs.add_argument("--prompt-tokens", type=float, metavar="N", help="per model question")
    inputs.add_argument("--completion-tokens", type=float, metavar="N", help="per model question")
    inputs.add_argument("--model-seconds", type=float, metavar="S",
                        help="GPU seconds per model question (0: one instance whatever the load)")
    inputs.add_argument("--instance", metavar="NAME", help="one of NLQ_GPU_PRICES (default NLQ_GPU_INSTANCE)")
    inputs.add_argument("--gpu-per-hour", type=float, metavar="USD", help="instead of --instance's price")
    inputs.add_argument("--hours-per-day", type=float, metavar="H", help="hours a day the GPU runs (default 24)")
    inputs.add_argument("--ops", type=float, metavar="USD", help="operations a month (default NLQ_OPS_PER_MONTH)")
    api = inputs.add_mutually_exclusive_group()
    api.add_argument("--api-per-question", type=float, metavar="USD", help="a flat hosted-API price a question")
    api.add_argument("--api-per-token", action="store_true",
                     help="price the API by tokens (NLQ_API_INPUT_PRICE, NLQ_API_OUTPUT_PRICE)")
    parser.add_argument("--brief", action="store_true", help="start from the brief's figures, not the log")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        command = importlib.import_module(f"nlq.cli.{COMMAND_MODULES[args.command]}")
        code: int = command.run(args)
        return code
    except NlqError as error:  # settings, input or connection problems before any answer exists
        print(f"error: {error.message}", file=sys.stderr)
        if error.hint:
            print(error.hint, file=sys.stderr)
        return error.kind.exit_code


def names(text: str) -> list[str]:
    """A comma-separated argument's entries, trimmed, empty ones dropped."""
    return [name.strip() for name in text.split(",") if name.strip()]
