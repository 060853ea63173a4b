"""``python -m nlq settings``: every setting's value in effect, where it came from (the environment,
``.streamlit/secrets.toml`` or the default) and the default where it differs, secrets masked; and
docs/settings.md, generated from the one settings object (``nlq.settings.Settings``) so that neither the page
nor this list can drift from the code."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.engine import make_url

from nlq.errors import EXIT_DONE, EXIT_USAGE, SettingsError
from nlq.secrets_file import read_secrets
from nlq.settings import DEFAULT_SECRETS_PATH, Settings, env_name, load_settings

DEMO_DATABASE = "(demo database)"
SECRET_FIELDS = ("model_api_key",)  # shown only as set or not
DATABASE_URL_FIELDS = ("database_url", "app_db_url")  # SQLAlchemy URLs: the password is masked
HTTP_URL_FIELDS = ("model_url", "fallback_url")  # http(s) URLs: a password in them is masked
MASK = "***"


def run(args: argparse.Namespace) -> int:
    if args.markdown:
        print(settings_markdown(), end="")
        return EXIT_DONE
    try:
        print(settings_in_effect(os.environ, DEFAULT_SECRETS_PATH), end="")
    except SettingsError as error:  # still list them all: this command is how a bad value is found
        print(settings_as_given(os.environ), end="")
        print(f"\n{error.message}\n{error.hint}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_DONE


def settings_as_given(environ: Mapping[str, str]) -> str:
    """Every setting as the environment gives it (masked), or its default: what to look at when one is bad."""
    width = max(len(env_name(name)) for name in Settings.model_fields)
    lines = []
    for name, field in Settings.model_fields.items():
        variable = env_name(name)
        given = environ.get(variable)
        value = _given(name, given) if given is not None else (shown(name, field.default) or "(empty)")
        lines.append(f"{variable:<{width}}  {'environment' if given is not None else 'default':<12}  {value}")
    return "Settings as given (nlq would not start with them: see the error below).\n" + "\n".join(lines) + "\n"


def settings_in_effect(environ: Mapping[str, str], secrets_path: Path | None) -> str:
    """The values nlq would run with here, one line each: variable, value (secrets masked), and where it came
    from, with the default beside any value that differs from it. A malformed setting raises SettingsError."""
    settings = load_settings(environ, secrets_path)
    from_secrets = read_secrets(secrets_path)
    width = max(len(env_name(name)) for name in Settings.model_fields)
    lines = []
    changed = 0
    for name, field in Settings.model_fields.items():
        variable = env_name(name)
        value = getattr(settings, name)
        source = "environment" if variable in environ else "secrets file" if variable in from_secrets \
            else "default"
        line = f"{variable:<{width}}  {source:<12}  {shown(name, value) or '(empty)'}"
        if value != field.default:
            changed += 1
            line += f"  (default: {shown(name, field.default).strip('()') or 'empty'})"
        lines.append(line)
    files = f", then the secrets file {secrets_path}" if secrets_path else ""
    head = (f"Settings in effect, from the environment{files}, then the defaults; {changed} differ from the "
            "default. Meanings: docs/settings.md.\n")
    return head + "\n".join(lines) + "\n"


def _given(name: str, text: str) -> str:
    """A raw value from the environment, masked like ``shown``; a URL too broken to parse is not shown."""
    if name in SECRET_FIELDS or not text:
        return f"{MASK} (set)" if text else "(empty)"
    try:
        return shown(name, text)
    except Exception:  # a malformed URL may hold a password: say only that it is set
        return f"{MASK} (set, not readable)"


def shown(name: str, value: Any) -> str:
    """A setting's value as it is written in the environment, with passwords and keys masked."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 120, as the default is written, not 120.0
    text = str(value)
    if name == "database_url" and not text:
        return DEMO_DATABASE
    if not text:
        return ""
    if name in SECRET_FIELDS:
        return f"{MASK} (set)"
    if name in DATABASE_URL_FIELDS:
        return make_url(text).render_as_string(hide_password=True)
    if name in HTTP_URL_FIELDS:
        return _mask_http_password(text)
    return text


def _mask_http_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:{MASK}@{host}"))


def settings_table() -> list[tuple[str, str, str]]:
    """(variable, default, help) rows: docs/settings.md is generated from this."""
    rows = []
    for name, field in Settings.model_fields.items():
        rows.append((env_name(name), shown(name, field.default), field.description or ""))
    return rows


SETTINGS_DOC_INTRO = """# Settings

Every setting is an environment variable, or a top-level key of the same name in `.streamlit/secrets.toml`
(the environment wins). A misspelt name or a malformed value stops nlq at start with a message naming it.
This page is generated from nlq's settings object (`nlq/settings.py`), so it cannot drift from the code:
regenerate it with `.venv/bin/python -m nlq settings --markdown > docs/settings.md`.

```toml
# .streamlit/secrets.toml (keep it out of version control; .gitignore already does)
NLQ_DATABASE_URL = "postgresql://nlq_reader:secret@db.internal:5432/sales"
NLQ_MODEL = "ollama:qwen2.5-coder:7b"
```

| Variable | Default | Meaning |
|---|---|---|
"""


def settings_markdown() -> str:
    """docs/settings.md: the settings table as Markdown (a test fails when the file and this differ)."""
    rows = [f"| `{variable}` | {_code(default)} | {meaning.replace('|', '/')} |"
            for variable, default, meaning in settings_table()]
    return SETTINGS_DOC_INTRO + "\n".join(rows) + "\n"


def _code(default: str) -> str:
    return default if not default or default.startswith("(") else f"`{default}`"
