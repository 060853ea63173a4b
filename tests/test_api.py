"""The HTTP API (``python -m nlq serve``) and its tokens (``python -m nlq token``), as a client uses them: the
CLI in a real subprocess, the service through a real socket on the demo database with the stand-in model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from nlq.api import build_api
from nlq.cli import build_parser
from nlq.errors import StoreUnavailable
from nlq.logs import configure_json_logging
from nlq.services import open_app
from nlq.settings import Settings
from tests.support.common import MODEL_ONLY, ROOT
from tests.support.postgres import free_port


def _nlq(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NLQ_")}
    return subprocess.run([sys.executable, "-m", "nlq", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def cli_env(demo_dir: Path, store_url: str) -> dict[str, str]:
    return {"NLQ_DATA_DIR": str(demo_dir), "NLQ_APP_DB_URL": store_url, **MODEL_ONLY}


def test_token_create_list_revoke_through_the_cli(cli_env: dict[str, str], store_url: str) -> None:
    made = _nlq("token", "create", "--user", "Ana@Example.com", env=cli_env)
    assert made.returncode == 0, made.stderr
    token = made.stdout.splitlines()[0]
    assert len(token) >= 40 and "ana@example.com" in made.stdout
    assert token not in Path(store_url.removeprefix("sqlite:///")).read_bytes().decode("latin-1")  # hash only
    listed = [json.loads(line) for line in _nlq("token", "list", "--json", env=cli_env).stdout.splitlines()]
    assert listed == [{"id": 1, "user": "ana@example.com", "created": listed[0]["created"], "last_used": None,
                       "revoked": None}]
    assert _nlq("token", "revoke", "1", env=cli_env).returncode == 0
    assert "revoked" in _nlq("token", "list", env=cli_env).stdout
    missing = _nlq("token", "revoke", "7", env=cli_env)
    assert missing.returncode == 1 and "no token 7" in missing.stderr
    bad = _nlq("token", "create", "--user", "ana", env=cli_env)
    assert bad.returncode == 2 and "not an e-mail address" in bad.stderr


class Served:
    """The API on a free loopback port, served by uvicorn in a thread, with a token per user."""

    def __init__(self, settings: Settings) -> None:
        self.app = open_app(settings)
        self.tokens = {user: self.app.store.get().tokens.create(user)[1]
                       for user in ("ana@example.com", "bo@example.com", "boss@example.com")}
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(build_api(self.app), host="127.0.0.1", port=self.port,
                                                    log_config=None, access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.server.started
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)

    def call(self, method: str, path: str, user: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[user]}"} if user else {}
        return httpx.request(method, f"http://127.0.0.1:{self.port}{path}", headers=headers, timeout=60, **kwargs)


@pytest.fixture
def served(make_settings: Callable[..., Settings], store_url: str) -> Iterator[Served]:
    settings = make_settings(NLQ_APP_DB_URL=store_url, NLQ_RULES="true", NLQ_ADMINS="boss@example.com",
                             NLQ_ALLOWED_USERS="ana@example.com,bo@example.com", NLQ_API_RATE_PER_MINUTE="5")
    with Served(settings) as running:
        yield running


def _within_one_clock_minute(needed_s: float = 20.0) -> None:
    """The limit counts per clock minute (nlq/store/rate.py): calls that straddle a minute's end start a new count,
    so a test of six calls waits for a minute with room for them all (it failed 1 full run in 3 without)."""
    left = 60 - time.time() % 60
    if left < needed_s:
        time.sleep(left + 0.5)


def _error(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["kind"] == kind and error["message"] and set(error) == {"kind", "message", "hint"}
    assert "Traceback" not in response.text
    return error


def test_health_needs_no_token(served: Served) -> None:
    health = served.call("GET", "/v1/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": served.app.engine.info.name,
                             "model": served.app.settings.model}


def test_a_rules_question_is_answered_logged_and_read_back(served: Served, capsys: pytest.CaptureFixture[str]) -> None:
    configure_json_logging()
    asked = served.call("POST", "/v1/ask", "ana@example.com",
                        json={"question": "How many orders per sales channel?", "route": "rules"})
    assert asked.status_code == 200, asked.text
    answer = asked.json()
    assert answer["route"] == "rules" and answer["error"] is None and answer["row_count"] == 3
    assert answer["columns"] and answer["sql"].startswith("SELECT") and isinstance(answer["answer_id"], int)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert any(line.get("event") == "answer" and line["answer_id"] == answer["answer_id"] for line in lines)
    entry = served.call("GET", f"/v1/answers/{answer['answer_id']}", "ana@example.com").json()
    assert entry["user"] == "ana@example.com" and entry["sql"] == answer["sql"] and entry["route"] == "rules"
    _error(served.call("GET", f"/v1/answers/{answer['answer_id']}", "bo@example.com"), 404, "not_found")
    assert served.call("GET", f"/v1/answers/{answer['answer_id']}", "boss@example.com").status_code == 200
    _error(served.call("GET", "/v1/answers/abc", "ana@example.com"), 400, "bad_input")


def test_calls_without_a_live_token_are_refused(served: Served) -> None:
    _error(served.call("POST", "/v1/ask", json={"question": "How many orders?"}), 401, "unauthorized")
    wrong = httpx.get(f"http://127.0.0.1:{served.port}/v1/answers/1", headers={"Authorization": "Bearer nope"})
    _error(wrong, 401, "unauthorized")
    store = served.app.store.get()
    ana = next(t for t in store.tokens.all() if t.user == "ana@example.com")
    assert ana.last_used_at is None
    assert served.call("GET", "/v1/openapi.json", "ana@example.com").status_code == 200
    assert store.tokens.revoke(ana.id)
    _error(served.call("GET", "/v1/openapi.json", "ana@example.com"), 401, "unauthorized")
    # a token whose user is not (or no longer) on NLQ_ALLOWED_USERS is refused, as signing in would be
    outsider = store.tokens.create("eve@example.com")[1]
    refused = httpx.get(f"http://127.0.0.1:{served.port}/v1/openapi.json",
                        headers={"Authorization": f"Bearer {outsider}"})
    _error(refused, 403, "access_denied")


@pytest.mark.parametrize(("body", "problem"), [
    (b"{not json", "not JSON"), (b"[1]", "not a JSON object"), (b'{"question": ""}', "question"),
    (b'{"question": "x", "route": "fast"}', "route"), (b'{"question": "x", "history": [1]}', "history"),
    (b'{"question": "x", "sql": "DROP TABLE x"}', "Unknown field sql")])
def test_bad_input_is_a_typed_400(served: Served, body: bytes, problem: str) -> None:
    error = _error(served.call("POST", "/v1/ask", "bo@example.com", content=body), 400, "bad_input")
    assert problem in error["message"]
    assert served.app.store.get().log.count() == 0  # nothing asked, nothing logged


def test_the_rate_limit_answers_429_with_retry_after(served: Served) -> None:
    _within_one_clock_minute()
    for _ in range(5):
        assert served.call("GET", "/v1/openapi.json", "bo@example.com").status_code == 200
    limited = served.call("GET", "/v1/openapi.json", "bo@example.com")
    _error(limited, 429, "rate_limited")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert served.call("GET", "/v1/openapi.json", "ana@example.com").status_code == 200  # per token
    assert served.call("GET", "/v1/health").status_code == 200


def test_the_openapi_document_lists_the_paths(served: Served) -> None:
    document = served.call("GET", "/v1/openapi.json", "ana@example.com").json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {"/v1/health", "/v1/ask", "/v1/answers/{answer_id}",
                                      "/v1/dashboards/{dashboard_id}", "/v1/openapi.json"}
    assert document["components"]["securitySchemes"]["token"]["scheme"] == "bearer"


def test_unknown_paths_and_methods_are_typed_too(served: Served) -> None:
    _error(served.call("GET", "/v1/nothing", "ana@example.com"), 404, "not_found")
    assert served.call("GET", "/v1/ask", "ana@example.com").status_code == 405


def _listening_on(port: int) -> list[str]:
    """The IPv4 addresses a socket listens on at ``port``, read from /proc/net/tcp (state 0A is LISTEN): no
    tool such as ss, which a fresh Debian machine may lack."""
    found = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        address, local_port = fields[1].split(":")
        if fields[3] == "0A" and int(local_port, 16) == port:
            found.append(".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0)))
    return found


def test_serve_binds_localhost_by_default(cli_env: dict[str, str], demo_dir: Path) -> None:
    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NLQ_")}
    process = subprocess.Popen([sys.executable, "-m", "nlq", "serve", "--port", str(port)], cwd=ROOT,
                               env={**clean, **cli_env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert health.json()["status"] == "ok"
        assert _listening_on(port) == ["127.0.0.1"]  # the local address, from the kernel's own table
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=30)
    assert json.loads(out.splitlines()[0])["event"] == "serve"


def test_a_bug_is_a_logged_500_without_a_trace(served: Served, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    configure_json_logging()

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("nlq.api.ask", broken)
    failed = served.call("POST", "/v1/ask", "ana@example.com", json={"question": "How many orders?"})
    _error(failed, 500, "internal")
    assert "secret internals" not in failed.text and "RuntimeError" not in failed.text
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert any(line.get("event") == "api_error" and "secret internals" in line["traceback"] for line in logged)


def test_the_documented_client_works(served: Served) -> None:
    text = (ROOT / "docs" / "cli.md").read_text()
    code = text.split("chat-bot-style client", 1)[1].split("```python\n", 1)[1].split("```\n", 1)[0]
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # the docs' own snippet, run as a reader would
    namespace.update(API=f"http://127.0.0.1:{served.port}", TOKEN=served.tokens["ana@example.com"])
    assert "SELECT" in namespace["reply"]("How many orders per sales channel?")
    namespace["TOKEN"] = "revoked-or-wrong"
    assert namespace["reply"]("How many orders?").startswith("Sorry: This token is unknown")


def test_the_openapi_answer_names_its_verified_answer(served: Served) -> None:
    """A client sees in the schema that an answer may rest on a verified answer, and whose."""
    answer = served.call("GET", "/v1/openapi.json", "ana@example.com").json()["components"]["schemas"]["Answer"]
    verified = answer["properties"]["verified"]
    assert verified["nullable"] is True and set(verified["required"]) == {"id", "verified_by", "verified_at"}
    assert verified["properties"]["verified_at"]["format"] == "date-time"
    assert "verified" in answer["properties"]["route"]["enum"]
    document = served.call("GET", "/v1/openapi.json", "ana@example.com").json()
    ask = document["paths"]["/v1/ask"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ask == {"$ref": "#/components/schemas/Answer"}


def _serve(port: int, env: dict[str, str]) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NLQ_")}
    process = subprocess.Popen([sys.executable, "-m", "nlq", "serve", "--port", str(port)], cwd=ROOT,
                               env={**clean, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=5).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError(process.communicate(timeout=30)[0])


def test_two_serve_processes_on_one_store_share_one_rate_limit(cli_env: dict[str, str]) -> None:
    """Replicas of ``serve`` (compose scale, ApiTaskCount) count a token's calls in the store they share: the
    limit is the token's, not each process's."""
    env = {**cli_env, "NLQ_API_RATE_PER_MINUTE": "4"}
    token = _nlq("token", "create", "--user", "ana@example.com", env=env).stdout.splitlines()[0]
    ports = [free_port(), free_port()]
    processes = [_serve(port, env) for port in ports]
    try:
        _within_one_clock_minute()
        statuses = [httpx.get(f"http://127.0.0.1:{ports[n % 2]}/v1/openapi.json", timeout=30,
                              headers={"Authorization": f"Bearer {token}"}) for n in range(6)]
        assert [s.status_code for s in statuses] == [200, 200, 200, 200, 429, 429]
        assert all(1 <= int(s.headers["Retry-After"]) <= 60 for s in statuses[4:])
        assert statuses[4].json()["error"]["kind"] == "rate_limited"
    finally:
        for process in processes:
            process.terminate()
            process.communicate(timeout=30)


def test_a_store_that_cannot_count_falls_back_to_this_process_and_says_so(
        served: Served, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    configure_json_logging()

    def unreachable(*_: object) -> None:
        raise StoreUnavailable("nlq's store could not be written: connection refused", "Check NLQ_APP_DB_URL.")

    monkeypatch.setattr(served.app.store.get().rates, "take", unreachable)
    for _ in range(5):
        assert served.call("GET", "/v1/openapi.json", "bo@example.com").status_code == 200
    _error(served.call("GET", "/v1/openapi.json", "bo@example.com"), 429, "rate_limited")  # never fails open
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    fallbacks = [line for line in logged if line.get("event") == "rate_limit_fallback"]
    assert len(fallbacks) == 1 and fallbacks[0]["level"] == "warning"  # said once, not on every call
    assert "connection refused" in fallbacks[0]["message"]
