"""``python -m nlq doctor``: check the set-up in order and say exactly how to fix the first thing wrong.

Settings parse → the database connects and lists tables → the model server answers → it has the model →
a one-line prompt gets a reply (and how long it took). Later checks are skipped when an earlier one fails,
because their failure would only repeat the first one's cause.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from langchain_core.messages import HumanMessage
from sqlalchemy import inspect

from nlq.backends import build_chat_model, check_server, primary_target
from nlq.database import Database
from nlq.errors import NlqError
from nlq.model import generate
from nlq.settings import DEFAULT_SECRETS_PATH, Settings, load_settings

PING_TIMEOUT_S = 60.0
PING = "Reply with the single word OK."


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def diagnose(environ: Mapping[str, str] | None = None, secrets_path: Path | None = DEFAULT_SECRETS_PATH) -> list[Check]:
    try:
        settings = load_settings(environ, secrets_path)
    except NlqError as error:
        return [Check("settings", False, error.message, error.hint)]
    return [Check("settings", True, f"model {settings.model} at {settings.model_url}")] + check_setup(settings)


def check_setup(settings: Settings) -> list[Check]:
    """Everything after the settings: used by the CLI and by the app's sidebar, which has its settings."""
    checks = [_database(settings)]
    if not checks[-1].ok:
        return checks
    target = primary_target(settings)
    status = check_server(target)
    if not status.reachable:
        problem = status.problem
        return checks + [Check("model server", False, problem.message if problem else "not reachable",
                               problem.hint if problem else "")]
    checks.append(Check("model server", True, f"{settings.model_url} answers ({len(status.available)} models)"))
    if not status.model_present:
        problem = status.problem
        return checks + [Check("model", False, problem.message if problem else "missing",
                               problem.hint if problem else "")]
    checks.append(Check("model", True, f"{settings.model_name} is available"))
    return checks + [_ping(settings)]


def _database(settings: Settings) -> Check:
    if settings.uses_demo_database and not settings.demo_database_path.exists():
        return Check("database", True, f"demo database (built on first start at {settings.demo_database_path})")
    try:
        database = Database(settings.effective_database_url)
        try:
            with database.read_only(10) as connection:
                tables = inspect(connection).get_table_names()
        finally:
            database.dispose()
    except NlqError as error:
        return Check("database", False, error.message, error.hint)
    if not tables:
        return Check("database", False, f"{database.info.safe_url} has no tables nlq can see",
                     "Point NLQ_DATABASE_URL at the database (and schema) that holds your data, and check that "
                     "its user may read the tables.")
    return Check("database", True, f"{database.info.name} ({database.dialect_name}): {len(tables)} tables")


def _ping(settings: Settings) -> Check:
    target = primary_target(settings)
    chat_model = build_chat_model(target, PING_TIMEOUT_S, 16)
    started = time.perf_counter()
    try:
        reply = generate(chat_model, [HumanMessage(content=PING)], target, PING_TIMEOUT_S)
    except NlqError as error:
        return Check("reply", False, error.message, error.hint)
    seconds = time.perf_counter() - started
    shown = " ".join(reply.text.split())[:40] or "(empty)"
    if not reply.text.strip():
        return Check("reply", False, f"the model replied with nothing in {seconds:.1f} s",
                     "Check the model server's log; the model may be failing to load.")
    return Check("reply", True, f"replied {shown!r} in {seconds:.1f} s")
