from pathlib import Path

import pytest

from nlq.cli.settings import settings_markdown, settings_table
from nlq.errors import SettingsError
from nlq.settings import Settings, load_settings
from tests.support.common import ROOT


def test_defaults_match_the_documented_ones() -> None:
    settings = load_settings({}, secrets_path=None)
    assert settings.database_url == ""
    assert settings.uses_demo_database
    assert settings.model == "ollama:qwen2.5-coder:7b"
    assert (settings.model_provider, settings.model_name) == ("ollama", "qwen2.5-coder:7b")
    assert settings.model_url == "http://localhost:11434"
    assert settings.max_rows == 10000
    assert settings.query_timeout_s == 30
    assert settings.model_timeout_s == 120
    assert settings.effective_database_url == "sqlite:///data/demo.sqlite"


def test_environment_values_are_typed() -> None:
    settings = load_settings({"NLQ_MAX_ROWS": "50", "NLQ_QUERY_TIMEOUT_S": "2.5",
                              "NLQ_MODEL_URL": "http://gpu-box:11434/"}, secrets_path=None)
    assert settings.max_rows == 50
    assert settings.query_timeout_s == 2.5
    assert settings.model_url == "http://gpu-box:11434"


def test_secrets_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('NLQ_MAX_ROWS = 77\nNLQ_MODEL = "ollama:llama3.1:8b"\n[auth]\nclient_id = "x"\n')
    assert load_settings({}, secrets_path=secrets).max_rows == 77
    settings = load_settings({"NLQ_MAX_ROWS": "5"}, secrets_path=secrets)
    assert settings.max_rows == 5
    assert settings.model_name == "llama3.1:8b"


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"NLQ_MAX_ROWS": "lots"}, "NLQ_MAX_ROWS"),
        ({"NLQ_MAX_ROWS": "0"}, "NLQ_MAX_ROWS"),
        ({"NLQ_QUERY_TIMEOUT_S": "-1"}, "NLQ_QUERY_TIMEOUT_S"),
        ({"NLQ_MODEL": "qwen"}, "NLQ_MODEL"),
        ({"NLQ_MODEL": "skynet:big"}, "NLQ_MODEL"),
        ({"NLQ_MODEL_URL": "localhost:11434"}, "NLQ_MODEL_URL"),
        ({"NLQ_DATABASE_URL": "not a url"}, "NLQ_DATABASE_URL"),
        ({"NLQ_MAX_ROW": "10"}, "NLQ_MAX_ROW"),
        ({"NLQ_FALLBACK_MODEL": "openai:gpt-4o"}, "NLQ_FALLBACK_MODEL"),
        ({"NLQ_SAGEMAKER_ENDPOINT_URL": "vpce-0abc"}, "NLQ_SAGEMAKER_ENDPOINT_URL"),  # bedrock: is allowed now
        ({"NLQ_REPAIR_ROUNDS": "9"}, "NLQ_REPAIR_ROUNDS"),
    ],
)
def test_bad_values_fail_naming_the_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ, secrets_path=None)
    assert named in caught.value.message
    assert caught.value.hint


def test_broken_secrets_file_is_reported(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("NLQ_MAX_ROWS = = 3")
    with pytest.raises(SettingsError, match=r"secrets\.toml"):
        load_settings({}, secrets_path=secrets)


def test_settings_table_documents_every_setting() -> None:
    rows = settings_table()
    assert [r[0] for r in rows] == [f"NLQ_{name.upper()}" for name in Settings.model_fields]
    assert all(meaning for _, _, meaning in rows)
    documented = (ROOT / "docs" / "settings.md").read_text()
    assert documented == settings_markdown(), ("docs/settings.md differs from the settings object: regenerate it "
                                               "with `.venv/bin/python -m nlq settings --markdown > docs/settings.md`")
    for variable, _, _ in rows:
        assert f"| `{variable}` |" in documented
