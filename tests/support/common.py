"""Constants the tests share: where the project is, and the settings that make the model answer everything."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).parent.parent.parent
SUPPORT = Path(__file__).parent
# Tests of the model layer switch the rules tier and the cache off, so the model answers every question.
MODEL_ONLY = {"NLQ_RULES": "false", "NLQ_CACHE": "false"}
