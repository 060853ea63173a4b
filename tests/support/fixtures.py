"""The tests' shared fixtures, as a pytest plugin (loaded by tests/conftest.py): the demo database on real
SQLite and real PostgreSQL, the stand-in model server, engines and apps on them, a browser page, and
Streamlit's AppTest.

It also marks each test by what it needs, from the fixtures it uses, so ``-m`` can leave parts out:
``pg`` (a PostgreSQL server), ``browser`` (Chromium), and — set by their modules — ``model`` (the real
llama.cpp model) and ``deploy`` (deployment files and linters). The quick loop is
``bash scripts/test.sh --quick`` (everything but browser, model and deploy).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page
from sqlalchemy import create_engine
from streamlit.testing.v1 import AppTest

from nlq.demo import build_demo, ensure_demo_file
from nlq.engine import Engine, open_engine
from nlq.roles import apply_role, plan_role, role_url
from nlq.services import App, open_app
from nlq.settings import Settings, load_settings
from tests.support import chinook, defog
from tests.support.browser import chromium
from tests.support.common import MODEL_ONLY, ROOT, SUPPORT
from tests.support.postgres import PostgresServer, SecureDatabase
from tests.support.standin_model import Script, StandinModelServer

MARKS_BY_FIXTURE = {"postgres": "pg", "page": "browser"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture, mark in MARKS_BY_FIXTURE.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(mark)


def demo_script() -> Script:
    return Script.from_dict(json.loads((SUPPORT / "demo_script.json").read_text()))


@pytest.fixture(autouse=True)
def _no_stray_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own NLQ_* variables must not change what the tests see."""
    for key in [k for k in os.environ if k.startswith("NLQ_")]:
        monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding the SQLite demo database, built once per test run."""
    folder = tmp_path_factory.mktemp("nlq-data")
    ensure_demo_file(folder / "demo.sqlite")
    return folder


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_demo_url(postgres: PostgresServer) -> str:
    url = postgres.create_database("demo")
    build_demo(url)
    return url


@pytest.fixture(scope="session")
def defog_urls(postgres: PostgresServer) -> dict[str, str]:
    """The 11 defog benchmark databases, loaded once per test run; name -> URL."""
    return defog.load_databases(postgres)


@pytest.fixture(scope="session")
def chinook_pg_url(postgres: PostgresServer) -> str:
    return chinook.load_postgres(postgres)


@pytest.fixture(scope="session")
def secure_db(postgres: PostgresServer) -> SecureDatabase:
    """The demo on PostgreSQL plus a secret table, with nlq's least-privilege role set up by setup-role."""
    admin_url = postgres.create_database("secure")
    build_demo(admin_url)
    engine = create_engine(admin_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE app_users (user_id serial PRIMARY KEY, email text, password text)")
        connection.exec_driver_sql("INSERT INTO app_users (email, password) VALUES ('ceo@example.com', 'hunter2')")
    engine.dispose()
    plan = plan_role(admin_url, "nlq_reader", exclude=["app_users"], password="reader-password")
    apply_role(admin_url, plan)
    return SecureDatabase(admin_url=admin_url, role_url=role_url(admin_url, plan), exposed=plan.tables)


@pytest.fixture
def standin() -> Iterator[StandinModelServer]:
    server = StandinModelServer(demo_script()).start()
    yield server
    server.stop()


@pytest.fixture
def make_settings(demo_dir: Path, standin: StandinModelServer) -> Callable[..., Settings]:
    """Settings for the demo database and the stand-in model; keyword arguments override (NLQ_ names)."""

    def make(**overrides: str) -> Settings:
        environ = {"NLQ_DATA_DIR": str(demo_dir), "NLQ_MODEL_URL": standin.url, **MODEL_ONLY, **overrides}
        return load_settings(environ, secrets_path=None)

    return make


@pytest.fixture
def make_engine(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., Engine]]:
    """An engine alone (no store: no approved examples, no cache), as a library user would open one."""
    opened: list[Engine] = []

    def make(**overrides: str) -> Engine:
        opened.append(open_engine(make_settings(**overrides)))
        return opened[-1]

    yield make
    for engine in opened:
        engine.close()


@pytest.fixture
def chinook_rules(make_engine: Callable[..., Engine]) -> Engine:
    """Chinook (SQLite) answered by the rules tier alone, with no semantic model."""
    return make_engine(NLQ_DATABASE_URL=chinook.sqlite_url(), NLQ_RULES="true")


@pytest.fixture
def rules_on(tmp_path: Path, make_engine: Callable[..., Engine]) -> Callable[[str], Engine]:
    """A rules-tier engine on a small SQLite database made from a script: a schema in miniature."""

    def make(script: str) -> Engine:
        path = tmp_path / f"miniature-{len(list(tmp_path.glob('miniature-*.sqlite')))}.sqlite"
        with sqlite3.connect(path) as connection:
            connection.executescript(script)
        return make_engine(NLQ_DATABASE_URL=f"sqlite:///{path}", NLQ_RULES="true")

    return make


@pytest.fixture
def make_app(make_settings: Callable[..., Settings], tmp_path: Path) -> Iterator[Callable[..., App]]:
    """The engine with a store of its own for the test (unless NLQ_APP_DB_URL is given), as the app and CLI
    open it."""
    opened: list[App] = []

    def make(**overrides: str) -> App:
        overrides = {"NLQ_APP_DB_URL": f"sqlite:///{tmp_path / 'app.sqlite'}", **overrides}
        opened.append(open_app(make_settings(**overrides)))
        return opened[-1]

    yield make
    for app in opened:
        app.close()


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """A fresh app store (answer log, feedback, examples, cache) for one test."""
    return f"sqlite:///{tmp_path / 'app.sqlite'}"


@pytest.fixture
def app_test(monkeypatch: pytest.MonkeyPatch, demo_dir: Path, standin: StandinModelServer,
             store_url: str) -> Callable[..., AppTest]:
    """Runs a page (a path from the project root) once in Streamlit's AppTest on the demo database, the
    stand-in model and a fresh store; ``user`` and ``secrets`` are what ``st.user`` and ``st.secrets`` hold."""

    def open_page(path: str, *, user: dict | None = None, secrets: dict | None = None, **environ: str) -> AppTest:
        for key, value in {"NLQ_DATA_DIR": str(demo_dir), "NLQ_MODEL_URL": standin.url, "NLQ_CACHE": "false",
                           "NLQ_APP_DB_URL": store_url, **environ}.items():
            monkeypatch.setenv(key, value)
        at = AppTest.from_file(str(ROOT / path), default_timeout=60)
        at.secrets.update(secrets or {})
        if user is not None:
            at.user = user
        at.run()
        assert not at.exception, at.exception
        return at

    return open_page


@pytest.fixture
def page() -> Iterator[Page]:
    """A page in Debian's Chromium (headless, no network beyond loopback), downloads allowed."""
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1400, "height": 2100}, accept_downloads=True)
        yield context.new_page()
        context.close()
