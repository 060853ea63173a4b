"""Shared fixtures: the demo database on real SQLite and real PostgreSQL, and the stand-in model server."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from streamlit.testing.v1 import AppTest

from nlq.demo import build_demo, ensure_demo_file
from nlq.pipeline import Resources, open_resources
from nlq.roles import apply_role, plan_role, role_url
from nlq.settings import Settings, load_settings
from tests.support import chinook, defog
from tests.support.postgres import PostgresServer
from tests.support.standin_model import Script, StandinModelServer

SUPPORT = Path(__file__).parent / "support"
DEMO_SCRIPT = SUPPORT / "demo_script.json"
ROOT = Path(__file__).parent.parent
# Tests of the model layer switch the rules tier and the cache off, so the model answers every question.
MODEL_ONLY = {"NLQ_RULES": "false", "NLQ_CACHE": "false"}


def demo_script() -> Script:
    return Script.from_dict(json.loads(DEMO_SCRIPT.read_text()))


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


@dataclass(frozen=True)
class SecureDatabase:
    """The demo on PostgreSQL plus a secret table, with nlq's least-privilege role set up by setup-role."""

    admin_url: str
    role_url: str
    exposed: tuple[str, ...]


@pytest.fixture(scope="session")
def secure_db(postgres: PostgresServer) -> SecureDatabase:
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
def make_resources(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., Resources]]:
    opened: list[Resources] = []

    def make(**overrides: str) -> Resources:
        resources = open_resources(make_settings(**overrides))
        opened.append(resources)
        return resources

    yield make
    for resources in opened:
        resources.close()


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """A fresh app store (answer log, feedback, examples) for one test."""
    return f"sqlite:///{tmp_path / 'app.sqlite'}"


@pytest.fixture
def app_test(monkeypatch: pytest.MonkeyPatch, demo_dir: Path, standin: StandinModelServer,
             store_url: str) -> Callable[..., AppTest]:
    """Runs a page (a path from the project root) once in Streamlit's AppTest on the demo database, the
    stand-in model and a fresh store; ``user`` and ``secrets`` are what ``st.user`` and ``st.secrets`` hold."""

    def open_app(path: str, *, user: dict | None = None, secrets: dict | None = None, **environ: str) -> AppTest:
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

    return open_app
