"""``python -m nlq doctor``: check the set-up in order and say exactly how to fix the first thing wrong.

Settings parse → sign-in, if configured, is complete and its identity provider answers → the database
connects and lists tables → the model server answers → it has the model →
a one-line prompt gets a reply (and how long it took). A model on AWS (``sagemaker:``, ``bedrock:``) is
checked the same way in its own terms: AWS credentials found → the SageMaker endpoint InService → a reply.
Later checks are skipped when an earlier one fails, because their failure would only repeat the first one's cause.
"""

from __future__ import annotations

import importlib.util
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
from langchain_core.messages import HumanMessage
from sqlalchemy import inspect

from nlq.access import PROVIDER_KEYS, sign_in_providers
from nlq.aws import CREDENTIALS_HINT, credentials_source, endpoint_status
from nlq.backends import build_chat_model, check_server
from nlq.database import Database
from nlq.errors import NlqError, StoreUnavailable
from nlq.model import generate
from nlq.schedule import model_asleep
from nlq.schema import inspect_schema
from nlq.settings import DEFAULT_SECRETS_PATH, Settings, load_settings
from nlq.store import open_store
from nlq.store.journal import Journal
from nlq.targets import primary_target, require_client_package

PING_TIMEOUT_S = 60.0
PING = "Reply with the single word OK."
METADATA_TIMEOUT_S = 5.0


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
    where = primary_target(settings).where
    checks = [Check("settings", True, f"model {settings.model} at {where}"),
              sign_in_check(settings, secrets_path)]
    return checks if not checks[-1].ok else checks + check_setup(settings)


def check_setup(settings: Settings) -> list[Check]:
    """Everything after the settings: used by the CLI and by the app's sidebar, which has its settings. The
    answer log (History) comes last: nlq answers without it."""
    serving = _serving(settings)
    checks = serving if not serving[-1].ok else [*serving, _app_store(settings)]
    return [*checks, *_journal(settings)]  # answers waiting to be recorded are told whatever else failed


def _app_store(settings: Settings) -> Check:
    try:
        store = open_store(settings.effective_app_db_url, settings.connect_timeout_s)
        try:
            return Check("app store", True, f"{store.log.count()} answers in History")
        finally:
            store.close()
    except StoreUnavailable as error:
        return Check("app store", False, error.message, error.hint)


def _journal(settings: Settings) -> list[Check]:
    checks: list[Check] = []
    journal = Journal(settings.data_dir, settings.effective_app_db_url)
    if waiting := journal.waiting():
        checks.append(Check("answer journal", False, f"{waiting} answers wait in {journal.path} for the app store",
                            "They are added to History, in order, with the next answer once the store can be "
                            "reached; check NLQ_APP_DB_URL if it cannot."))
    return checks


def _serving(settings: Settings) -> list[Check]:
    checks = [_database(settings)]
    if not checks[-1].ok:
        return checks
    checks.extend(_hidden_columns(settings))
    asleep = model_asleep(settings.model_hours)
    if asleep is not None:  # scaled to zero on purpose: not a failure, and nothing to probe until it wakes
        return [*checks, Check("model server", True, f"asleep: {asleep.message} Checked when it is up.")]
    target = primary_target(settings)
    if target.on_aws:
        return [*checks, *_aws(settings)]
    status = check_server(target)
    if not status.reachable:
        problem = status.problem
        return [*checks, Check("model server", False, problem.message if problem else "not reachable",
                               problem.hint if problem else "")]
    checks.append(Check("model server", True, f"{settings.model_url} answers ({len(status.available)} models)"))
    if not status.model_present:
        problem = status.problem
        return [*checks, Check("model", False, problem.message if problem else "missing",
                               problem.hint if problem else "")]
    checks.append(Check("model", True, f"{settings.model_name} is available"))
    return [*checks, _ping(settings)]


def _aws(settings: Settings) -> list[Check]:
    """Credentials, then (SageMaker) the endpoint's status, then one reply: each only if the one before passed."""
    target = primary_target(settings)
    try:
        require_client_package(target)
    except NlqError as error:
        return [Check("AWS client", False, error.message, error.hint)]
    source = credentials_source()
    if source is None:
        return [Check("AWS credentials", False, "none found (environment, profile or IAM role)", CREDENTIALS_HINT)]
    checks = [Check("AWS credentials", True, f"found ({source})")]
    if target.provider == "sagemaker":
        status, problem = endpoint_status(target)
        if problem is not None:
            return [*checks, Check("endpoint", False, problem.message, problem.hint)]
        checks.append(Check("endpoint", True, f"{target.name} is {status} in {target.region or 'the default region'}"))
    else:
        checks.append(Check("hosted model", True, f"{target.name} on AWS Bedrock: questions and schema go to AWS"))
    return [*checks, _ping(settings)]


def _database(settings: Settings) -> Check:
    if settings.uses_demo_database and not settings.demo_database_path.exists():
        return Check("database", True, f"demo database (built on first start at {settings.demo_database_path})")
    try:
        database = Database(settings.effective_database_url, settings.connect_timeout_s)
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


def _hidden_columns(settings: Settings) -> list[Check]:
    """Which columns no question may read, and why: a secret hidden by default is told, never silent."""
    if settings.uses_demo_database and not settings.demo_database_path.exists():
        return []
    try:
        database = Database(settings.effective_database_url, settings.connect_timeout_s)
        try:
            hidden = inspect_schema(database, settings.excluded_table_patterns, settings.column_rules).hidden_columns
        finally:
            database.dispose()
    except NlqError as error:
        return [Check("hidden columns", False, error.message, error.hint)]
    if not hidden:
        return [Check("hidden columns", True, "none: no column looks like a secret or is named in "
                      "NLQ_EXCLUDE_COLUMNS")]
    listed = "; ".join(f"{c.table}.{c.column} ({c.reason})" for c in hidden)
    return [Check("hidden columns", True, f"{len(hidden)} hidden from every question: {listed}. To open one on "
                  "purpose, name it in NLQ_EXPOSE_COLUMNS")]


def sign_in_check(settings: Settings, secrets_path: Path | None) -> Check:
    """The ``[auth]`` section Streamlit's st.login reads: complete, and its identity provider answering."""
    auth = _auth_section(secrets_path)
    if auth is None:
        return Check("sign-in", True, "off: single-user local mode (add [auth] to .streamlit/secrets.toml to sign "
                     "people in)")
    problem = _auth_problem(auth)
    if problem:
        return Check("sign-in", False, problem,
                     "Fix the [auth] section of .streamlit/secrets.toml (docs/deployment.md → Sign-in and users).")
    providers = sign_in_providers(auth)
    for name, provider in providers.items():
        url = str(provider["server_metadata_url"])
        try:
            metadata = httpx.get(url, timeout=METADATA_TIMEOUT_S).raise_for_status().json()
            metadata["authorization_endpoint"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
            return Check("sign-in", False, f"the identity provider {name or 'in [auth]'} did not answer at {url} "
                         f"({error})",
                         "Check server_metadata_url and that this machine can reach the identity provider.")
    who = ("anyone the identity provider signs in" if not settings.allowed_users
           else f"only {settings.allowed_users}")
    admins = settings.admins or "none, so nobody can approve examples (set NLQ_ADMINS)"
    names = ", ".join(name or "[auth]" for name in providers)
    return Check("sign-in", True, f"OpenID Connect via {names}; may use nlq: {who}; admins: {admins}")


def _auth_section(secrets_path: Path | None) -> dict | None:
    if secrets_path is None or not secrets_path.is_file():
        return None
    try:
        auth = tomllib.loads(secrets_path.read_text(encoding="utf-8")).get("auth")
    except (OSError, tomllib.TOMLDecodeError):
        return None  # the settings check reports an unreadable secrets file
    return auth if isinstance(auth, dict) else None


def _auth_problem(auth: dict) -> str:
    if importlib.util.find_spec("authlib") is None:
        return "the Authlib package that sign-in needs is not installed (pip install -r requirements.txt)"
    missing = [key for key in ("redirect_uri", "cookie_secret") if not auth.get(key)]
    if missing:
        return f"[auth] lacks {' and '.join(missing)}"
    if not str(auth["redirect_uri"]).endswith("/oauth2callback"):
        return f"redirect_uri must be the app's address ending in /oauth2callback, not {auth['redirect_uri']!r}"
    providers = sign_in_providers(auth)
    if not providers:
        return "[auth] names no identity provider (client_id, client_secret, server_metadata_url)"
    for name, provider in providers.items():
        lacking = [key for key in PROVIDER_KEYS if not provider.get(key)]
        if lacking:
            return f"{'[auth]' if name is None else f'[auth.{name}]'} lacks {', '.join(lacking)}"
    return ""


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
