"""The HTTP API (``python -m nlq serve``) and its tokens (``python -m nlq token``), as a client uses them: the
CLI in a real subprocess, the service through a real socket on the demo database with the stand-in model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.common import MODEL_ONLY, ROOT


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
