"""Proof that nothing leaves: the app runs under ``strace`` recording every connect() of every process
and thread, a real browser asks one question the rules answer and one the model answers, and the only
destinations are the configured database and model server — no telemetry, no version checks, no fonts or
scripts from a CDN, no DNS or external-IP look-ups."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import ROOT, wait_healthy
from tests.support.postgres import PostgresServer, free_port
from tests.support.standin_model import StandinModelServer

pytestmark = pytest.mark.browser

CONNECT_RE = re.compile(r'connect\(\d+, \{sa_family=(AF_INET6?), sin6?_port=htons\((\d+)\), '
                        r'(?:sin_addr=inet_addr\("([^"]+)"\)|sin6_flowinfo=[^,]+, inet_pton\(AF_INET6, "([^"]+)")')


@pytest.fixture
def traced_app(pg_demo_url: str, postgres: PostgresServer, standin: StandinModelServer,
               tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen]]:
    strace = shutil.which("strace")
    assert strace, "strace is missing: scripts/test.sh installs it"
    trace = tmp_path / "connect.trace"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NLQ_")}
    env.update({"NLQ_DATABASE_URL": pg_demo_url, "NLQ_MODEL_URL": standin.url, "NLQ_DATA_DIR": str(tmp_path),
                "NLQ_SEMANTIC_MODEL": str(ROOT / "nlq" / "demo" / "semantic_model.yaml"), "NLQ_CACHE": "false"})
    process = subprocess.Popen(
        [strace, "-f", "-e", "trace=connect", "-o", str(trace), sys.executable, "-m", "streamlit", "run",
         "streamlit_app.py", "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url, trace, process
    finally:  # strace and the app it traces, together
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


def destinations(trace: Path) -> set[tuple[str, int]]:
    found = set()
    for match in CONNECT_RE.finditer(trace.read_text()):
        _family, port, ipv4, ipv6 = match.groups()
        found.add((ipv4 or ipv6, int(port)))
    return found


def test_only_the_database_and_the_model_server_are_contacted(traced_app: tuple[str, Path, subprocess.Popen],
                                                              page: Page,
                                                              postgres: PostgresServer,
                                                              standin: StandinModelServer) -> None:
    url, trace, process = traced_app
    page.goto(url)
    chat = page.get_by_test_id("stChatInputTextArea")
    try:
        expect(chat).to_be_visible(timeout=90_000)  # the first page load prepares the database under strace
    except AssertionError:
        page.screenshot(path=str(Path(trace).with_suffix(".png")))
        raise
    chat.fill("Revenue by region in 2024")
    page.keyboard.press("Enter")
    expect(page.get_by_text("No model: rules").first).to_be_visible(timeout=60_000)
    chat.fill("How did monthly revenue develop in 2025?")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Self-hosted model").first).to_be_visible(timeout=60_000)
    page.get_by_role("link", name="Usage & cost").click()
    expect(page.get_by_role("heading", name="Usage & cost")).to_be_visible(timeout=30_000)

    model_port = int(standin.url.rsplit(":", 1)[1])
    contacted = destinations(trace)
    # the trace saw the connections it must see, so it would also see others
    assert ("127.0.0.1", postgres.port) in contacted and ("127.0.0.1", model_port) in contacted
    assert contacted <= {("127.0.0.1", postgres.port), ("127.0.0.1", model_port)}, contacted
    assert not re.search(r"connect\(\d+, \{sa_family=AF_INET6?, sin6?_port=htons\(53\)", trace.read_text())

    os.killpg(process.pid, signal.SIGTERM)  # the app's log: JSON lines, one per answer, without the questions
    output, _ = process.communicate(timeout=30)
    events = [json.loads(line) for line in output.splitlines() if line.startswith("{") and '"event": "answer"' in line]
    assert [e["route"] for e in events] == ["rules", "model"] and all(e["answer_id"] for e in events)
    assert "Revenue by region" not in output and "develop" not in output


def test_the_trace_parser_sees_outside_addresses(tmp_path: Path) -> None:
    trace = tmp_path / "t"
    trace.write_text('12 connect(5, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("151.101.1.1")}, '
                     '16) = 0\n'
                     '13 connect(6, {sa_family=AF_INET6, sin6_port=htons(53), sin6_flowinfo=htonl(0), '
                     'inet_pton(AF_INET6, "2001:4860::8888", &sin6_addr), sin6_scope_id=0}, 28) = 0\n'
                     '14 connect(7, {sa_family=AF_UNIX, sun_path="/run/x"}, 110) = 0\n')
    assert destinations(trace) == {("151.101.1.1", 443), ("2001:4860::8888", 53)}


def test_the_http_api_contacts_only_the_database_and_the_model_server(
        pg_demo_url: str, postgres: PostgresServer, standin: StandinModelServer, tmp_path: Path) -> None:
    """Issue 18: the same proof for ``python -m nlq serve``, asked a rules question and a model question."""
    strace = shutil.which("strace")
    assert strace, "strace is missing: scripts/test.sh installs it"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NLQ_")}
    env.update({"NLQ_DATABASE_URL": pg_demo_url, "NLQ_MODEL_URL": standin.url, "NLQ_DATA_DIR": str(tmp_path),
                "NLQ_SEMANTIC_MODEL": str(ROOT / "nlq" / "demo" / "semantic_model.yaml"), "NLQ_CACHE": "false"})
    made = subprocess.run([sys.executable, "-m", "nlq", "token", "create", "--user", "ana@example.com"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120, check=True)
    token = made.stdout.splitlines()[0].strip()
    trace, port = tmp_path / "api.trace", free_port()
    process = subprocess.Popen([strace, "-f", "-e", "trace=connect", "-o", str(trace), sys.executable, "-m", "nlq",
                                "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        headers = {"Authorization": f"Bearer {token}"}
        rules = httpx.post(f"{base}/v1/ask", json={"question": "Revenue by region in 2024"}, headers=headers,
                           timeout=60).json()
        model = httpx.post(f"{base}/v1/ask", json={"question": "How did monthly revenue develop in 2025?"},
                           headers=headers, timeout=60).json()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.communicate(timeout=30)
    assert rules["route"] == "rules" and model["route"] == "model", (rules, model)
    model_port = int(standin.url.rsplit(":", 1)[1])
    contacted = destinations(trace)
    assert ("127.0.0.1", postgres.port) in contacted and ("127.0.0.1", model_port) in contacted
    assert contacted <= {("127.0.0.1", postgres.port), ("127.0.0.1", model_port)}, contacted
    assert not re.search(r"connect\(\d+, \{sa_family=AF_INET6?, sin6?_port=htons\(53\)", trace.read_text())
