"""The HTTP API (``python -m nlq serve``): the engine for other tools — a chat bot, a notebook, a portal.

It answers over the same ``open_app`` as the CLI and the browser, so a question asked here takes the same
routes, is vetted and run the same way, and lands in the same answer log (as ``source=api``, under the
token's user) with the same JSON log line. Every call but ``/v1/health`` needs a token (``python -m nlq
token``); the allowlist and the admins (NLQ_ALLOWED_USERS, NLQ_ADMINS) are checked on every call, so taking a
user off the list stops their tokens too. Failures are nlq's typed errors, turned into a status and the
``{kind, message, hint}`` body in one place (``error_response``); nothing answers with a stack trace.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nlq.access import AccessPolicy, User, visible_users
from nlq.answer import Turn
from nlq.api_schema import openapi_document
from nlq.dashboards import access, refresh
from nlq.errors import (
    AccessDenied,
    ErrorKind,
    InputError,
    NlqError,
    NotFound,
    RateLimited,
    StoreUnavailable,
    Unauthorized,
)
from nlq.pipeline import ask
from nlq.route import Mode
from nlq.services import App, StoreHandle

log = logging.getLogger("nlq")
MAX_BODY_BYTES = 64 * 1024  # a question with its follow-up history; anything larger is not a question
STATUS = {ErrorKind.UNAUTHORIZED: 401, ErrorKind.ACCESS_DENIED: 403, ErrorKind.ADMIN_ONLY: 403,
          ErrorKind.NOT_FOUND: 404, ErrorKind.INPUT: 400, ErrorKind.RATE_LIMITED: 429,
          ErrorKind.STORE_UNAVAILABLE: 503}
Endpoint = Callable[[Request], Awaitable[Response]]


def json_response(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """JSON as ``ask --json`` writes it (dates and decimals as text)."""
    return Response(json.dumps(body, ensure_ascii=False, default=str), status, headers,
                    media_type="application/json")


def error_response(error: BaseException) -> Response:
    """The one place a failure becomes an HTTP answer: nlq's errors by kind, anything else a logged 500 that
    says only that it is nlq's fault."""
    if not isinstance(error, NlqError):
        log.error("the API failed", exc_info=error, extra={"fields": {"event": "api_error"}})
        error = NlqError("Something went wrong inside nlq.", "This is a bug in nlq, not in your call. Try "
                         "again; if it persists, report it with the time of the call (the log has the details).")
    headers = {}
    if isinstance(error, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after_s)
    return json_response({"error": error.to_dict()}, STATUS.get(error.kind, 500), headers)


def limited(per_minute: int, wait_s: int) -> RateLimited:
    """The one wording of a 429, whichever limiter (the store's or this process's) said no."""
    return RateLimited(f"This token made {per_minute} calls within a minute, its limit.",
                       f"Retry in {wait_s} s; an administrator can raise NLQ_API_RATE_PER_MINUTE.",
                       retry_after_s=wait_s)


class RateLimit:
    """At most ``per_minute`` calls per token in any 60 seconds (a sliding window, in this process): the
    fallback for while the store cannot count (``SharedRateLimit``)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._calls: dict[int, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, token_id: int) -> None:
        now = time.monotonic()
        with self._lock:
            calls = self._calls.setdefault(token_id, deque())
            while calls and now - calls[0] >= 60:
                calls.popleft()
            if len(calls) >= self.per_minute:
                raise limited(self.per_minute, max(1, math.ceil(60 - (now - calls[0]))))
            calls.append(now)


class SharedRateLimit:
    """At most ``per_minute`` calls per token each clock minute, counted in the app store, so every ``serve``
    process on the same store (compose scale, ApiTaskCount) shares one limit. While the store cannot count,
    this process counts alone: the limit is never lifted, and the switch is logged once each way rather than
    passing silently (nor on every call)."""

    def __init__(self, store: StoreHandle, per_minute: int) -> None:
        self.store = store
        self.per_minute = per_minute
        self.local = RateLimit(per_minute)
        self._alone = False
        self._lock = threading.Lock()

    def check(self, token_id: int) -> None:
        try:
            wait_s = self.store.get().rates.take(token_id, self.per_minute)
        except StoreUnavailable as error:
            self._counting_alone(error)
            self.local.check(token_id)
            return
        self._counting_shared()
        if wait_s is not None:
            raise limited(self.per_minute, wait_s)

    def _counting_alone(self, error: StoreUnavailable) -> None:
        with self._lock:
            if self._alone:
                return
            self._alone = True
        log.warning("The API's rate limit is counted in this process only, not shared with other serve "
                    "processes, until nlq's store can count again: %s", error.message,
                    extra={"fields": {"event": "rate_limit_fallback"}})

    def _counting_shared(self) -> None:
        with self._lock:
            if not self._alone:
                return
            self._alone = False
        log.info("The API's rate limit is counted in nlq's store again, shared by every serve process.",
                 extra={"fields": {"event": "rate_limit_shared"}})


class Api:
    """The endpoints, over one open ``App``."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.policy = AccessPolicy.from_settings(app.settings)
        self.limit = SharedRateLimit(app.store, app.settings.api_rate_per_minute)

    def user_of(self, request: Request) -> User:
        """The token's user, after the rate limit and the allowlist; a typed error otherwise."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("This call needs a token.", "Send 'Authorization: Bearer <token>'; an "
                               "administrator makes one with `python -m nlq token create --user EMAIL`.")
        found = self.app.store.get().tokens.use(token.strip())
        if found is None:
            raise Unauthorized("This token is unknown or revoked.",
                               "Ask an administrator for a new one (`python -m nlq token create`).")
        self.limit.check(found.id)
        if not self.policy.allows(found.user):
            raise AccessDenied(f"{found.user} is not allowed to use nlq here.",
                               "Ask your nlq administrator to add the address or its domain to NLQ_ALLOWED_USERS.")
        return User(found.user, found.user, is_admin=found.user in self.policy.admins, signed_in=True)

    async def health(self, request: Request) -> Response:
        """The service is up: which database it answers about and which model writes SQL (no token)."""
        return json_response({"status": "ok", "database": self.app.engine.info.name,
                              "model": self.app.settings.model})

    async def ask(self, request: Request) -> Response:
        """Answer a question as ``python -m nlq ask --json`` does, logged under the token's user."""
        user = await run_in_threadpool(self.user_of, request)
        body = await request.body()
        question, mode, history, choices, limit = parse_question(body)
        answer = await run_in_threadpool(ask, question, self.app.engine, history=history, mode=mode,
                                         choices=choices)
        recorded = await run_in_threadpool(self.app.record, answer, "api", user.id)
        return json_response({**answer.to_dict(limit=limit), "answer_id": recorded.id,
                              "not_recorded": recorded.notice or None, "journaled": recorded.journaled})

    async def answer(self, request: Request) -> Response:
        """One answer-log entry: the user's own, or anyone's for an admin."""
        user = await run_in_threadpool(self.user_of, request)
        try:
            answer_id = int(request.path_params["answer_id"])
        except ValueError:
            raise InputError("An answer id is a whole number.", "Use the answer_id that /v1/ask returned.") from None
        entry = await run_in_threadpool(self.app.store.get().log.entry, answer_id, visible_users(user))
        if entry is None:
            raise NotFound(f"There is no answer {answer_id} of yours.", "Use the answer_id that /v1/ask returned.")
        return json_response(asdict(entry))

    async def dashboard(self, request: Request) -> Response:
        """A dashboard the user may view (else 404), each tile with fresh data: run now, or kept from a run
        within the dashboard's refresh interval (the same cache as the app's Dashboards page)."""
        user = await run_in_threadpool(self.user_of, request)
        try:
            dashboard_id = int(request.path_params["dashboard_id"])
        except ValueError:
            raise InputError("A dashboard id is a whole number.", "Use the id the Dashboards page shows.") from None

        def fresh() -> dict[str, object]:
            found = access.open_dashboard(self.app.store.get().dashboards, user, dashboard_id)
            return refresh.as_dict(found, refresh.refresh(self.app, found, user.id, source="api"))

        return json_response(await run_in_threadpool(fresh))

    async def openapi(self, request: Request) -> Response:
        """This API described as OpenAPI 3, for client generators and for reading."""
        await run_in_threadpool(self.user_of, request)
        return json_response(openapi_document())


def parse_question(body: bytes) -> tuple[str, Mode, tuple[Turn, ...], tuple[str, ...], int]:
    """``/v1/ask``'s body checked field by field; what is wrong is an ``InputError`` naming the field."""
    hint = 'Send JSON such as {"question": "Revenue by region", "route": "auto"}.'
    if len(body) > MAX_BODY_BYTES:
        raise InputError(f"The request body is over {MAX_BODY_BYTES // 1024} KiB.", hint)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InputError("The request body is not JSON.", hint) from None
    if not isinstance(data, dict):
        raise InputError("The request body is not a JSON object.", hint)
    unknown = sorted(set(data) - {"question", "route", "history", "choose", "limit"})
    if unknown:
        raise InputError(f"Unknown field {', '.join(unknown)}.", "Fields: question, route, history, choose, limit.")
    question = data.get("question")
    if not isinstance(question, str) or not question.strip():
        raise InputError("'question' is missing or not text.", hint)
    route = data.get("route", "auto")
    if route not in {mode.value for mode in Mode}:
        raise InputError(f"'route' is {route!r}; it is one of auto, rules, model.", hint)
    history = data.get("history", [])
    if not isinstance(history, list) or not all(
            isinstance(t, dict) and isinstance(t.get("question"), str) and isinstance(t.get("sql"), str)
            for t in history):
        raise InputError("'history' is a list of {question, sql}.", "Pass the 'history' of the previous answer.")
    choices = data.get("choose", [])
    if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
        raise InputError("'choose' is a list of readings (text).", "Pass 'choose' values of an answer's 'clarify'.")
    limit = data.get("limit", 1000)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 0 <= limit <= 100_000:
        raise InputError("'limit' is a whole number from 0 to 100000 (rows in the answer).", hint)
    return (question, Mode(route), tuple(Turn(t["question"], t["sql"]) for t in history), tuple(choices),
            limit)


def guarded(endpoint: Endpoint) -> Endpoint:
    """Every endpoint's failures go through ``error_response``."""
    async def run(request: Request) -> Response:
        try:
            return await endpoint(request)
        except Exception as error:  # the one place every failure becomes an answer
            return error_response(error)

    run.__doc__ = endpoint.__doc__
    return run


def build_api(app: App) -> Starlette:
    """The ASGI application; ``app`` is closed when the server stops."""
    api = Api(app)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        app.close()

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if status == 405:
            return json_response({"error": InputError(f"{request.method} is not allowed on {request.url.path}.",
                                                      "See /v1/openapi.json.").to_dict()}, 405)
        return error_response(NotFound(f"There is no {request.url.path}.", "See /v1/openapi.json.")
                              if status == 404 else exc)

    routes = [Route("/v1/health", guarded(api.health), methods=["GET"]),
              Route("/v1/ask", guarded(api.ask), methods=["POST"]),
              Route("/v1/answers/{answer_id}", guarded(api.answer), methods=["GET"]),
              Route("/v1/dashboards/{dashboard_id}", guarded(api.dashboard), methods=["GET"]),
              Route("/v1/openapi.json", guarded(api.openapi), methods=["GET"])]
    return Starlette(routes=routes, lifespan=lifespan,
                     exception_handlers={HTTPException: not_found, Exception: error_response_handler})


async def error_response_handler(request: Request, exc: Exception) -> Response:
    return error_response(exc)

