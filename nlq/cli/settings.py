"""``python -m nlq settings``: every setting with its default and meaning, and docs/settings.md, both generated
from the one settings object (``nlq.settings.Settings``) so that neither can drift from the code."""

from __future__ import annotations

import argparse

from nlq.errors import EXIT_DONE
from nlq.settings import Settings, env_name


def run(args: argparse.Namespace) -> int:
    if args.markdown:
        print(settings_markdown(), end="")
        return EXIT_DONE
    for variable, default, meaning in settings_table():
        print(f"{variable:<22} {default:<26} {meaning}")
    return EXIT_DONE


def settings_table() -> list[tuple[str, str, str]]:
    """(variable, default, help) rows: ``python -m nlq settings`` and docs/settings.md are generated from this."""
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "(demo database)" if name == "database_url" else "" if default is None else str(default)
        if isinstance(default, bool):
            shown = shown.lower()  # as it is written in the environment
        rows.append((env_name(name), shown, field.description or ""))
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
