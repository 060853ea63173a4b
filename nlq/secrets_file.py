"""Reading ``.streamlit/secrets.toml``: the ``NLQ_*`` keys in it, the settings' second source after the
environment. Kept apart from ``nlq.settings`` so that module stays one declaration of the settings."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from nlq.errors import SettingsError, not_utf8

ENV_PREFIX = "NLQ_"


def read_secrets(path: Path | None) -> dict[str, Any]:
    if path is None or not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise not_utf8(path, error) from None
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"Could not read {path}: {error}.", "Fix the TOML syntax of that file.") from None
    return {key: value for key, value in data.items() if key.startswith(ENV_PREFIX)}
