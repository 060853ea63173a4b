"""Every failure nlq can report, as typed errors that carry a user-facing message and a next step.

The UI, the CLI and the tests never parse message strings: they read ``kind`` (stable, machine-readable),
``message`` (what happened and why) and ``hint`` (what to do next). This module is the one place where
failures are worded, so the wording stays consistent between the browser and the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass


class NlqError(Exception):
    """Base of all errors nlq reports to a user; anything else is a bug and is reported as ``internal``."""

    kind = "internal"

    def __init__(self, message: str, hint: str = "", *, sql: str | None = None, detail: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.sql = sql
        self.detail = detail

    def to_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind, "message": self.message, "hint": self.hint or None}


class SettingsError(NlqError):
    kind = "settings"


class QuestionError(NlqError):
    kind = "bad_question"


class ModelUnreachable(NlqError):
    kind = "model_unreachable"


class ModelNotFound(NlqError):
    kind = "model_not_found"


class ModelTimeout(NlqError):
    kind = "model_timeout"


class ModelFailed(NlqError):
    kind = "model_error"


class NoSqlInReply(NlqError):
    kind = "no_sql"


class SqlRefused(NlqError):
    """The SQL is not a single read-only query nlq may run; never retried into something else.

    ``rule`` names which rule refused it (write, forbidden_table, forbidden_function, ...)."""

    kind = "refused"

    def __init__(self, message: str, hint: str = "", *, sql: str | None = None, rule: str = "refused"):
        super().__init__(message, hint, sql=sql, detail=rule)
        self.rule = rule


class SqlSyntaxError(NlqError):
    kind = "sql_syntax"


class DatabaseUnreachable(NlqError):
    kind = "database_unreachable"


class QueryFailed(NlqError):
    kind = "database_error"


class QueryTimeout(NlqError):
    kind = "query_timeout"


class QueryTooExpensive(NlqError):
    kind = "too_expensive"


class AccessDenied(NlqError):
    """A signed-in person nlq may not serve (outside the allowlist, or no usable e-mail address)."""

    kind = "access_denied"


class AdminOnly(NlqError):
    """Something only an admin (NLQ_ADMINS) may do, such as approving examples."""

    kind = "admin_only"


@dataclass(frozen=True)
class ErrorReport:
    """An error as stored in an answer: plain data, so it survives JSON, session state and history."""

    kind: str
    message: str
    hint: str = ""
    detail: str | None = None

    @classmethod
    def from_exception(cls, error: BaseException) -> ErrorReport:
        if isinstance(error, NlqError):
            return cls(kind=error.kind, message=error.message, hint=error.hint, detail=error.detail)
        return cls(
            kind="internal",
            message=f"Something went wrong inside nlq ({type(error).__name__}: {error}).",
            hint="This is a bug in nlq, not in your question. Try again; if it persists, report it with the "
            "question you asked.",
        )

    def to_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind, "message": self.message, "hint": self.hint or None, "detail": self.detail}


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


def model_timeout(seconds: float) -> ModelTimeout:
    return ModelTimeout(
        f"The model did not finish its reply within {seconds:g} seconds.",
        "The model server may be busy or the model too large for its hardware. Try again, ask a simpler "
        "question, or raise NLQ_MODEL_TIMEOUT_S.",
    )


class HandedOver(NlqError):
    """The rules tier did not understand the whole question; with --route rules this is the answer."""

    kind = "handed_over"
