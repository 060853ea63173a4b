"""Which model answers, named without loading any client library: the primary model and the optional hosted
fallback, from the settings.

Kept apart from ``nlq.backends`` (the LangChain clients) so that answering a question the rules can answer,
or printing the settings, never loads LangChain.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from nlq.errors import SettingsError
from nlq.settings import Settings

# The optional package each provider's client needs, where it is not in requirements.txt.
OPTIONAL_PACKAGES = {"bedrock": ("langchain_aws", "requirements-bedrock.txt"),
                     "sagemaker": ("boto3", "requirements-sagemaker.txt")}
AWS_PROVIDERS = ("bedrock", "sagemaker")


@dataclass(frozen=True)
class ModelTarget:
    """One model on one server: the primary model (``role`` "primary"), or the hosted fallback ("fallback").
    For the AWS providers ``url`` is the runtime endpoint URL (empty: the region's own), and ``api_url`` the
    SageMaker API's (where the endpoint's status is read)."""

    provider: str
    name: str
    url: str = ""
    api_key: str = ""
    region: str = ""
    role: str = "primary"
    api_url: str = ""

    @property
    def hosted(self) -> bool:
        """A model run by someone else (AWS Bedrock): what it is sent leaves the owner's infrastructure."""
        return self.provider == "bedrock"

    @property
    def on_aws(self) -> bool:
        return self.provider in AWS_PROVIDERS

    @property
    def setting(self) -> str:
        """The variable that chose this model, for messages that say what to change."""
        return "NLQ_FALLBACK_MODEL" if self.role == "fallback" else "NLQ_MODEL"

    @property
    def where(self) -> str:
        """The server in words: its address, or the AWS endpoint and region."""
        if self.provider == "sagemaker":
            return f"the SageMaker endpoint {self.name} ({self.region or 'default region'})"
        if self.provider == "bedrock":
            return f"AWS Bedrock ({self.region or 'default region'})"
        return self.url


def primary_target(settings: Settings) -> ModelTarget:
    provider, name = settings.model_provider, settings.model_name
    if provider == "sagemaker":
        return ModelTarget(provider, name, url=settings.sagemaker_endpoint_url, region=settings.sagemaker_region,
                           api_url=settings.sagemaker_api_url)
    if provider == "bedrock":  # the owner's explicit choice; the same region and endpoint as the fallback's
        return ModelTarget(provider, name, url=settings.fallback_url, region=settings.fallback_region)
    return ModelTarget(provider, name, settings.model_url, settings.model_api_key)


def fallback_target(settings: Settings) -> ModelTarget | None:
    if not settings.fallback_model:
        return None
    provider, _, name = settings.fallback_model.partition(":")
    return ModelTarget(provider, name, url=settings.fallback_url, region=settings.fallback_region, role="fallback")


def require_client_package(target: ModelTarget) -> None:
    """A missing optional package must show at start, not at the first hard question; checked without
    importing it."""
    package = OPTIONAL_PACKAGES.get(target.provider)
    if package is None or importlib.util.find_spec(package[0]) is not None:
        return
    kind = "a SageMaker endpoint" if target.provider == "sagemaker" else "a Bedrock model"
    raise SettingsError(
        f"{target.setting} names {kind}, but the {package[0].replace('_', '-')} package is not installed.",
        f"Install it with `.venv/bin/pip install -r {package[1]}`, or change {target.setting}.",
    )
