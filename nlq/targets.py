"""Which model answers, named without loading any client library: the self-hosted one and the optional
hosted fallback, from the settings.

Kept apart from ``nlq.backends`` (the LangChain clients) so that answering a question the rules can answer,
or printing the settings, never loads LangChain.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from nlq.errors import SettingsError
from nlq.settings import Settings

# The optional package each provider's client needs, where it is not in requirements.txt.
OPTIONAL_PACKAGES = {"bedrock": ("langchain_aws", "requirements-bedrock.txt")}


@dataclass(frozen=True)
class ModelTarget:
    """One model on one server: the primary self-hosted model, or the hosted fallback."""

    provider: str
    name: str
    url: str = ""
    api_key: str = ""
    region: str = ""

    @property
    def hosted(self) -> bool:
        return self.provider == "bedrock"


def primary_target(settings: Settings) -> ModelTarget:
    return ModelTarget(settings.model_provider, settings.model_name, settings.model_url, settings.model_api_key)


def fallback_target(settings: Settings) -> ModelTarget | None:
    if not settings.fallback_model:
        return None
    provider, _, name = settings.fallback_model.partition(":")
    return ModelTarget(provider, name, url=settings.fallback_url, region=settings.fallback_region)


def require_client_package(target: ModelTarget) -> None:
    """A missing optional package must show at start, not at the first hard question; checked without
    importing it."""
    package = OPTIONAL_PACKAGES.get(target.provider)
    if package is None or importlib.util.find_spec(package[0]) is not None:
        return
    raise SettingsError(
        f"NLQ_FALLBACK_MODEL names a Bedrock model, but the {package[0].replace('_', '-')} package is not installed.",
        f"Install it with `.venv/bin/pip install -r {package[1]}`, or clear NLQ_FALLBACK_MODEL.",
    )
