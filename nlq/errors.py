"""Every failure nlq can report, as typed errors that carry a user-facing message and a next step.

The UI, the CLI and the tests never parse message strings: they read ``kind`` (an ``ErrorKind``, stable and
machine-readable), ``message`` (what happened and why) and ``hint`` (what to do next). This module is the one
place where failures are named and worded, so the browser and the terminal say the same thing, and where each
kind says whether it is calm (nlq working as intended, such as a refusal) and which exit code the CLI gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

EXIT_DONE, EXIT_UNANSWERED, EXIT_USAGE, EXIT_CLARIFY = 0, 1, 2, 3


class ErrorKind(StrEnum):
    """Each kind's value is the stable name the CLI's ``--json``, the answer log and the tests use."""

    SETTINGS = "settings"  # a setting (NLQ_* or secrets.toml) or a file a setting names is wrong
    INPUT = "bad_input"  # a command-line argument or an input file is not what the command takes
    NOT_FOUND = "not_found"  # something asked for by id does not exist (any more)
    BAD_QUESTION = "bad_question"
    HANDED_OVER = "handed_over"
    CLARIFY = "clarify"  # the rules found two or three readings: the user picks one
    MODEL_UNREACHABLE = "model_unreachable"
    MODEL_ASLEEP = "model_asleep"  # outside the model server's working hours (NLQ_MODEL_HOURS): off on purpose
    MODEL_NOT_FOUND = "model_not_found"
    MODEL_TIMEOUT = "model_timeout"
    MODEL_ERROR = "model_error"
    NO_SQL = "no_sql"
    REFUSED = "refused"
    SQL_SYNTAX = "sql_syntax"
    DATABASE_UNREACHABLE = "database_unreachable"
    DATABASE_LOST = "database_lost"  # the connection died mid-query: the database went away, not the SQL's fault
    DATABASE_ERROR = "database_error"
    QUERY_TIMEOUT = "query_timeout"
    TOO_EXPENSIVE = "too_expensive"
    STORE_UNAVAILABLE = "store_unavailable"
    ACCESS_DENIED = "access_denied"
    ADMIN_ONLY = "admin_only"
    UNAUTHORIZED = "unauthorized"  # the HTTP API: no token, or one that is unknown or revoked
    RATE_LIMITED = "rate_limited"  # the HTTP API: a token's calls a minute (NLQ_API_RATE_PER_MINUTE) are used up
    INTERNAL = "internal"

    @property
    def calm(self) -> bool:
        """Working as intended (a refusal, a hand-over, a question to rephrase): shown as a notice, not an alarm."""
        return self in _CALM

    @property
    def exit_code(self) -> int:
        """``python -m nlq``: 2 for bad usage (settings, arguments, input files), 3 for a question that needs
        a choice between readings, 1 for anything else not done."""
        if self is ErrorKind.CLARIFY:
            return EXIT_CLARIFY
        return EXIT_USAGE if self in (ErrorKind.SETTINGS, ErrorKind.INPUT) else EXIT_UNANSWERED


_CALM = frozenset({ErrorKind.REFUSED, ErrorKind.TOO_EXPENSIVE, ErrorKind.BAD_QUESTION, ErrorKind.HANDED_OVER,
                   ErrorKind.CLARIFY, ErrorKind.MODEL_ASLEEP})


class NlqError(Exception):
    """Base of all errors nlq reports to a user; anything else is a bug and is reported as ``internal``."""

    kind = ErrorKind.INTERNAL

    def __init__(self, message: str, hint: str = "", *, sql: str | None = None, detail: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.sql = sql
        self.detail = detail

    def to_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind.value, "message": self.message, "hint": self.hint or None}


class SettingsError(NlqError):
    """A setting is wrong: only for NLQ_* values, secrets.toml and the files settings name."""

    kind = ErrorKind.SETTINGS


class InputError(NlqError):
    """A command's argument or input file (a JSONL line, an answer file, a URL given on the command line)."""

    kind = ErrorKind.INPUT


class NotFound(NlqError):
    kind = ErrorKind.NOT_FOUND


class QuestionError(NlqError):
    kind = ErrorKind.BAD_QUESTION


class HandedOver(NlqError):
    """The rules tier did not understand the whole question; with route ``rules`` this is the answer."""

    kind = ErrorKind.HANDED_OVER


class ModelUnreachable(NlqError):
    kind = ErrorKind.MODEL_UNREACHABLE


class ModelAsleep(NlqError):
    """The model server is off outside its working hours, as the owner scheduled: not a fault."""

    kind = ErrorKind.MODEL_ASLEEP


class ModelNotFound(NlqError):
    kind = ErrorKind.MODEL_NOT_FOUND


class ModelTimeout(NlqError):
    kind = ErrorKind.MODEL_TIMEOUT


class ModelFailed(NlqError):
    kind = ErrorKind.MODEL_ERROR


class NoSqlInReply(NlqError):
    kind = ErrorKind.NO_SQL


class SqlRefused(NlqError):
    """The SQL is not a single read-only query nlq may run; never retried into something else.

    ``rule`` names which rule refused it (write, forbidden_table, forbidden_function, ...)."""

    kind = ErrorKind.REFUSED

    def __init__(self, message: str, hint: str = "", *, sql: str | None = None, rule: str = "refused"):
        super().__init__(message, hint, sql=sql, detail=rule)
        self.rule = rule


class SqlSyntaxError(NlqError):
    kind = ErrorKind.SQL_SYNTAX


class DatabaseUnreachable(NlqError):
    kind = ErrorKind.DATABASE_UNREACHABLE


class DatabaseLost(DatabaseUnreachable):
    """The connection died under a query (server stopped, session terminated, network reset). Not the SQL's
    fault: never sent to a model for repair, never a reason to try another route's SQL on the same database."""

    kind = ErrorKind.DATABASE_LOST


class QueryFailed(NlqError):
    kind = ErrorKind.DATABASE_ERROR


class QueryTimeout(NlqError):
    kind = ErrorKind.QUERY_TIMEOUT


class QueryTooExpensive(NlqError):
    kind = ErrorKind.TOO_EXPENSIVE


class StoreUnavailable(NlqError):
    """nlq's own store (answer log, feedback, examples, cache) could not be opened, read or written. It is a
    record beside the answers, so callers that answer questions carry on without it."""

    kind = ErrorKind.STORE_UNAVAILABLE


class AccessDenied(NlqError):
    """A signed-in person nlq may not serve (outside the allowlist, or no usable e-mail address)."""

    kind = ErrorKind.ACCESS_DENIED


class AdminOnly(NlqError):
    """Something only an admin (NLQ_ADMINS) may do, such as approving examples."""

    kind = ErrorKind.ADMIN_ONLY


@dataclass(frozen=True)
class ErrorReport:
    """An error as stored in an answer: plain data, so it survives JSON, session state and history."""

    kind: ErrorKind
    message: str
    hint: str = ""
    detail: str | None = None

    @classmethod
    def from_exception(cls, error: BaseException) -> ErrorReport:
        if isinstance(error, NlqError):
            return cls(kind=error.kind, message=error.message, hint=error.hint, detail=error.detail)
        return cls(
            kind=ErrorKind.INTERNAL,
            message=f"Something went wrong inside nlq ({type(error).__name__}: {error}).",
            hint="This is a bug in nlq, not in your question. Try again; if it persists, report it with the "
            "question you asked.",
        )

    @property
    def calm(self) -> bool:
        return self.kind.calm

    def to_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind.value, "message": self.message, "hint": self.hint or None, "detail": self.detail}


class Unauthorized(NlqError):
    """A call to the HTTP API without a token nlq knows, or with a revoked one."""

    kind = ErrorKind.UNAUTHORIZED


class RateLimited(NlqError):
    """A token made more calls this minute than NLQ_API_RATE_PER_MINUTE; ``retry_after_s`` says when to retry."""

    kind = ErrorKind.RATE_LIMITED

    def __init__(self, message: str, hint: str = "", *, retry_after_s: int = 60):
        super().__init__(message, hint)
        self.retry_after_s = retry_after_s


# Wording shared by several call sites lives here so that every surface says the same thing.


def model_unreachable(url: str, model: str, provider: str = "ollama") -> ModelUnreachable:
    if provider == "ollama":
        hint = (f"Start it with `ollama serve`, then `ollama pull {model}`; or set NLQ_MODEL_URL to where your "
                "model server runs.")
    else:
        hint = (f"Start your OpenAI-compatible server (e.g. `vllm serve {model}`), or set NLQ_MODEL_URL to where "
                "it runs.")
    return ModelUnreachable(f"The model server at {url} could not be reached.", hint)


def model_not_found(url: str, model: str, provider: str = "ollama") -> ModelNotFound:
    if provider == "ollama":
        hint = f"Pull it with `ollama pull {model}`, or set NLQ_MODEL to a model the server has."
    else:
        hint = f"Serve it there (e.g. `vllm serve {model}`), or set NLQ_MODEL to one of the server's /v1/models."
    return ModelNotFound(f"The model server at {url} is running but does not have the model '{model}'.", hint)


def database_lost(where: str, detail: str) -> DatabaseLost:
    return DatabaseLost(
        f"The connection to the database {where} was lost while nlq was using it ({detail}). Nothing is wrong "
        "with the question or its SQL.",
        "The database server stopped, restarted or ended the session (an administrator, a crash, the network). "
        "Check that it is running, then ask again.",
        detail=detail,
    )


def model_timeout(seconds: float, calls: int = 1) -> ModelTimeout:
    """``calls``: how many model calls shared the answer's ``seconds`` (the first reply and repair rounds)."""
    rounds = calls - 1
    shared = f", the time it has for one answer, its {rounds} repair round{'s' if rounds > 1 else ''} included" \
        if rounds > 0 else ""
    return ModelTimeout(
        f"The model did not finish its reply within {seconds:g} seconds{shared}.",
        "The model server may be busy or the model too large for its hardware. Try again, ask a simpler "
        "question, or raise NLQ_MODEL_TIMEOUT_S.",
    )


def model_reply_too_long(max_chars: int) -> ModelFailed:
    return ModelFailed(
        f"The model's reply was too long: nlq stopped reading it after {max_chars:,} characters.",
        "The model may be repeating itself, or its server ignores NLQ_MODEL_MAX_TOKENS. Try again or ask a "
        "narrower question; raise NLQ_MODEL_MAX_REPLY_CHARS only if replies this long are expected.",
    )


def model_path_not_found(url: str, model: str, endpoint: str, listed: bool | None) -> ModelFailed:
    """A 404 from the chat endpoint when the server lists the model (``listed``), or its list could not be
    read (None): a URL with a path in it or a proxy in between, not a model to pull."""
    why = f"although it lists the model '{model}'" if listed else "and its list of models could not be read"
    return ModelFailed(
        f"The model server at {url} answered 404 (not found) for {endpoint} {why}.",
        "Check that NLQ_MODEL_URL is the server's own address with no extra path, and that no proxy in between "
        f"rewrites or blocks {endpoint}; then try again.",
    )


def not_utf8(path: Path, error: UnicodeDecodeError, setting: str = "") -> SettingsError:
    """A file nlq reads (secrets.toml, a semantic model, examples) saved in another encoding: named with its
    path and the first byte that is not UTF-8, so its owner can find and re-save it."""
    where = f"byte {error.object[error.start]:#04x} at position {error.start}"
    check = f" (or point {setting} at another file)" if setting else ""
    return SettingsError(f"{path} is not UTF-8 text ({where}); nlq reads every settings file as UTF-8.",
                         f"Save it with the UTF-8 encoding{check}, then start nlq again.")
