"""Settings and files nlq cannot use are stopped at start with a message naming them, never a traceback.

Issue 14 found values that passed the settings check and then failed every answer ("a bug in nlq", or a raw
PostgreSQL range error), and URLs and files that ended in raw tracebacks. The unit tests walk every numeric
setting; the process tests run ``python -m nlq`` and the app as a user would, with the bad value in place.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from nlq.errors import ErrorKind, SettingsError
from nlq.settings import Settings, load_settings
from tests.support.common import ROOT

NOT_UTF8 = "NLQ_MAX_ROWS = 5\n# caf\xe9 written by an editor set to Latin-1\n".encode("latin-1")
PG_MAX_TIMEOUT_S = 2_147_483_647 / 1000  # statement_timeout is an int of milliseconds
NUMERIC = [name for name, field in Settings.model_fields.items() if field.annotation in (int, float)]
FLOATS = [name for name in NUMERIC if Settings.model_fields[name].annotation is float]


def _env(name: str) -> str:
    return "NLQ_" + name.upper()


def _refused(environ: dict[str, str], secrets_path: Path | None = None) -> SettingsError:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ, secrets_path=secrets_path)
    assert caught.value.kind is ErrorKind.SETTINGS
    return caught.value


# --- bounds of every numeric setting -------------------------------------------------------------------------


@pytest.mark.parametrize("name", NUMERIC)
@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "-1", "1e300", str(10**30)])
def test_every_numeric_setting_refuses_non_finite_negative_and_absurd_values(name: str, value: str) -> None:
    error = _refused({_env(name): value})
    assert _env(name) in error.message
    assert repr(value) in error.message, "the message shows the value that was given"
    assert "; it must be " in error.message, "the message gives the allowed range"


@pytest.mark.parametrize("name", NUMERIC)
def test_every_numeric_setting_states_its_range_and_accepts_its_ends(name: str) -> None:
    error = _refused({_env(name): "not a number"})
    low, high = _ends(error.message)
    settings = load_settings({_env(name): high}, secrets_path=None)
    assert getattr(settings, name) == float(high)
    if low is not None:
        assert getattr(load_settings({_env(name): low}, secrets_path=None), name) == float(low)


def _ends(message: str) -> tuple[str | None, str]:
    """('500', '200000') from "… from 500 to 200000"; (None, '86400') from "… above 0 and at most 86400"."""
    tail = message.rstrip(".").split("; it must be ")[1]
    if " from " in tail:
        low, high = tail.split(" from ")[1].split(" to ")
        return low, high
    return None, tail.split(" at most ")[1]


@pytest.mark.parametrize("name", [name for name in FLOATS if name.endswith("_timeout_s")])
def test_timeouts_fit_postgresqls_statement_timeout(name: str) -> None:
    error = _refused({_env(name): str(PG_MAX_TIMEOUT_S + 1)})
    _, high = _ends(error.message)
    assert float(high) <= PG_MAX_TIMEOUT_S


@pytest.mark.parametrize(("environ", "named", "value"), [
    ({"NLQ_QUERY_TIMEOUT_S": "inf"}, "NLQ_QUERY_TIMEOUT_S", "'inf'"),
    ({"NLQ_QUERY_TIMEOUT_S": "1e12"}, "NLQ_QUERY_TIMEOUT_S", "'1e12'"),
    ({"NLQ_MODEL_TIMEOUT_S": "inf"}, "NLQ_MODEL_TIMEOUT_S", "'inf'"),
    ({"NLQ_MODEL_TIMEOUT_S": "nan"}, "NLQ_MODEL_TIMEOUT_S", "'nan'"),
    ({"NLQ_LOCK_TIMEOUT_S": "0"}, "NLQ_LOCK_TIMEOUT_S", "'0'"),
    ({"NLQ_MAX_COST": "inf"}, "NLQ_MAX_COST", "'inf'"),
    ({"NLQ_API_INPUT_PRICE": "nan"}, "NLQ_API_INPUT_PRICE", "'nan'"),
    ({"NLQ_GPU_PRICES": "g5.xlarge=nan", "NLQ_GPU_INSTANCE": "g5.xlarge"}, "NLQ_GPU_PRICES", "nan"),
    ({"NLQ_GPU_PRICES": "g5.xlarge=inf", "NLQ_GPU_INSTANCE": "g5.xlarge"}, "NLQ_GPU_PRICES", "inf"),
    ({"NLQ_GPU_PRICES": "g5.xlarge=1e9", "NLQ_GPU_INSTANCE": "g5.xlarge"}, "NLQ_GPU_PRICES", "1e9"),
])
def test_the_values_issue_14_met_are_refused_by_name(environ: dict[str, str], named: str, value: str) -> None:
    error = _refused(environ)
    assert named in error.message and value in error.message


@pytest.mark.parametrize(("environ", "name", "expected"), [
    ({"NLQ_QUERY_TIMEOUT_S": "0.5"}, "query_timeout_s", 0.5),
    ({"NLQ_QUERY_TIMEOUT_S": "3600"}, "query_timeout_s", 3600),
    ({"NLQ_MODEL_TIMEOUT_S": "600"}, "model_timeout_s", 600),
    ({"NLQ_MAX_COST": "0"}, "max_cost", 0),
    ({"NLQ_API_OUTPUT_PRICE": "0"}, "api_output_price", 0),
])
def test_sensible_values_still_pass(environ: dict[str, str], name: str, expected: float) -> None:
    assert getattr(load_settings(environ, secrets_path=None), name) == expected


# --- database drivers ------------------------------------------------------------------------------------------

MISSING_DRIVERS = [
    ("mysql://nlq:s3cret@db.internal/shop", "pip install mysqlclient", "MySQLdb"),
    ("mysql+pymysql://nlq:s3cret@db.internal/shop", "pip install pymysql", "pymysql"),
    ("postgresql+nosuchdriver://nlq:s3cret@db.internal/shop", "nosuchdriver", None),
    ("snowflake://nlq:s3cret@account/shop", "pip install snowflake-sqlalchemy", "snowflake"),
]


def _absent(module: str | None) -> None:
    if module is not None and importlib.util.find_spec(module) is not None:
        pytest.skip(f"{module} is installed here")


@pytest.mark.parametrize("variable", ["NLQ_DATABASE_URL", "NLQ_APP_DB_URL"])
@pytest.mark.parametrize(("url", "said", "module"), MISSING_DRIVERS)
def test_a_missing_driver_is_named_with_the_package_to_install(variable: str, url: str, said: str,
                                                               module: str | None) -> None:
    _absent(module)
    error = _refused({variable: url})
    text = f"{error.message} {error.hint}"
    assert variable in error.message and said in text
    assert "s3cret" not in text, "the password never reaches a message"


def test_a_malformed_store_url_is_a_settings_error() -> None:
    assert "NLQ_APP_DB_URL" in _refused({"NLQ_APP_DB_URL": "not a url"}).message


# --- files that are not UTF-8 ----------------------------------------------------------------------------------


def test_a_secrets_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_bytes(NOT_UTF8)
    error = _refused({}, secrets_path=secrets)
    assert str(secrets) in error.message and "UTF-8" in error.message


# --- real processes: the CLI --------------------------------------------------------------------------------------


def _nlq(*args: str, env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NLQ_")}
    return subprocess.run([sys.executable, "-m", "nlq", *args], cwd=cwd,
                          env={**clean, "PYTHONPATH": str(ROOT), **env}, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def quiet_env(demo_dir: Path, tmp_path: Path) -> dict[str, str]:
    """The demo database, a store of the test's own and a model server that is not there (nothing gets so far)."""
    return {"NLQ_DATA_DIR": str(demo_dir), "NLQ_APP_DB_URL": f"sqlite:///{tmp_path / 'app.sqlite'}",
            "NLQ_MODEL_URL": "http://127.0.0.1:9", "NLQ_CACHE": "false"}


BAD_ENVIRONMENTS = [
    ({"NLQ_QUERY_TIMEOUT_S": "inf"}, "NLQ_QUERY_TIMEOUT_S"),
    ({"NLQ_QUERY_TIMEOUT_S": "1e12"}, "NLQ_QUERY_TIMEOUT_S"),
    ({"NLQ_MODEL_TIMEOUT_S": "inf"}, "NLQ_MODEL_TIMEOUT_S"),
    ({"NLQ_DATABASE_URL": "mysql://nlq:pw@127.0.0.1/shop"}, "NLQ_DATABASE_URL"),
    ({"NLQ_DATABASE_URL": "postgresql+nosuchdriver://nlq@127.0.0.1/shop"}, "NLQ_DATABASE_URL"),
    ({"NLQ_APP_DB_URL": "mysql://nlq:pw@127.0.0.1/shop"}, "NLQ_APP_DB_URL"),
    ({"NLQ_APP_DB_URL": "postgresql+nosuchdriver://nlq@127.0.0.1/shop"}, "NLQ_APP_DB_URL"),
]


@pytest.mark.parametrize("command", [["ask", "How many orders per sales channel?"], ["doctor"], ["history"]])
@pytest.mark.parametrize(("bad", "named"), BAD_ENVIRONMENTS)
def test_the_cli_names_the_bad_setting_without_a_traceback(quiet_env: dict[str, str], command: list[str],
                                                          bad: dict[str, str], named: str) -> None:
    done = _nlq(*command, env={**quiet_env, **bad})
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    assert named in output, output
    assert done.returncode == (1 if command == ["doctor"] else 2), output


def test_listing_the_settings_works_whatever_they_hold(quiet_env: dict[str, str]) -> None:
    done = _nlq("settings", env={**quiet_env, **{k: v for bad, _ in BAD_ENVIRONMENTS for k, v in bad.items()}})
    assert "Traceback" not in done.stderr
    assert "NLQ_QUERY_TIMEOUT_S" in done.stdout, "every setting is listed, so the bad one can be found"
    assert done.returncode == 2 and done.stderr.strip(), "and it says which is not valid"


@pytest.mark.parametrize("command", [["ask", "How many orders per sales channel?"], ["doctor"], ["history"]])
def test_the_cli_names_a_secrets_file_that_is_not_utf8(quiet_env: dict[str, str], tmp_path: Path,
                                                      command: list[str]) -> None:
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_bytes(NOT_UTF8)
    done = _nlq(*command, env=quiet_env, cwd=tmp_path)
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    assert "secrets.toml" in output and "UTF-8" in output, output
    assert done.returncode != 0


@pytest.mark.parametrize("setting", ["NLQ_SEMANTIC_MODEL", "NLQ_EXAMPLES_FILE"])
def test_the_cli_names_an_owner_file_that_is_not_utf8(quiet_env: dict[str, str], tmp_path: Path,
                                                     setting: str) -> None:
    path = tmp_path / "owner file"
    path.write_bytes("metrics:\n  revenue:\n    description: caf\xe9\n".encode("latin-1"))
    done = _nlq("ask", "How many orders per sales channel?", env={**quiet_env, setting: str(path)})
    assert "Traceback" not in done.stderr, done.stderr
    assert str(path) in done.stderr and "UTF-8" in done.stderr, done.stderr
    assert done.returncode == 2


@pytest.mark.parametrize(("url", "said"), [("mysql://nlq:s3cret@127.0.0.1/shop", "pip install mysqlclient"),
                                           ("postgresql+nosuchdriver://nlq@127.0.0.1/shop", "nosuchdriver"),
                                           ("not a url", "not a database URL")])
def test_demo_names_a_url_it_cannot_use(quiet_env: dict[str, str], url: str, said: str) -> None:
    done = _nlq("demo", "--url", url, env=quiet_env)
    assert "Traceback" not in done.stderr, done.stderr
    assert "--url" in done.stderr and said in done.stderr and "s3cret" not in done.stderr, done.stderr
    assert done.returncode == 2


# --- the app's start ---------------------------------------------------------------------------------------------


@pytest.fixture
def start_app(monkeypatch: pytest.MonkeyPatch, quiet_env: dict[str, str]) -> Callable[..., AppTest]:
    def start(**environ: str) -> AppTest:
        for key, value in {**quiet_env, **environ}.items():
            monkeypatch.setenv(key, value)
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
        at.run()
        return at

    return start


@pytest.mark.parametrize(("bad", "named"), BAD_ENVIRONMENTS[::3])
def test_the_app_names_the_bad_setting_at_start(start_app: Callable[..., AppTest], bad: dict[str, str],
                                                named: str) -> None:
    at = start_app(**bad)
    assert not at.exception, at.exception
    assert any(named in error.value and "cannot start" in error.value for error in at.error), \
        [e.value for e in at.error]


def test_the_app_names_a_semantic_model_that_is_not_utf8(start_app: Callable[..., AppTest],
                                                         tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_bytes("metrics: {}\n# caf\xe9\n".encode("latin-1"))
    at = start_app(NLQ_SEMANTIC_MODEL=str(path))
    assert not at.exception, at.exception
    assert any(str(path) in error.value and "UTF-8" in error.value for error in at.error), \
        [e.value for e in at.error]
