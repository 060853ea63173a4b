"""The self-hosted model behind its HTTP protocol: build the LangChain client, stream a reply, name failures.

Every way a model server can fail (not running, model not pulled, too slow, broken reply) becomes one of
nlq's typed errors with a next step, because "Connection refused" means nothing to a business user.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import httpx
import ollama
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_ollama import ChatOllama
from langsmith import tracing_context

from nlq.errors import ErrorReport, ModelFailed, NlqError, model_not_found, model_timeout, model_unreachable
from nlq.settings import Settings

STATUS_TIMEOUT_S = 3.0
TokenCallback = Callable[[str], None]


@dataclass(frozen=True)
class ModelReply:
    text: str
    model: str
    prompt_tokens: int | None
    completion_tokens: int | None
    seconds: float


@dataclass(frozen=True)
class ModelServerStatus:
    """What the sidebar says about the model server; checked without sending any question."""

    url: str
    model: str
    reachable: bool
    model_present: bool
    available: tuple[str, ...] = field(default_factory=tuple)
    problem: ErrorReport | None = None


def build_chat_model(settings: Settings) -> BaseChatModel:
    # Only "ollama" passes settings validation today; other providers plug in here.
    return ChatOllama(
        model=settings.model_name,
        base_url=settings.model_url,
        temperature=0,
        num_predict=settings.model_max_tokens,
        client_kwargs={"timeout": settings.model_timeout_s},
    )


def generate(
    chat_model: BaseChatModel,
    messages: Sequence[BaseMessage],
    settings: Settings,
    on_token: TokenCallback | None = None,
) -> ModelReply:
    """Stream the reply (so the UI can show progress) and stop it at the model timeout."""
    started = time.perf_counter()
    deadline = started + settings.model_timeout_s
    try:
        # Tracing would send the question and schema to LangSmith if the environment enabled it: never.
        with tracing_context(enabled=False):
            chunks = list(_stream(chat_model, messages, deadline, settings, on_token))
    except NlqError:
        raise
    except Exception as error:
        raise _as_model_error(error, settings) from None
    usage = next((chunk_usage for _, chunk_usage in reversed(chunks) if chunk_usage), {})
    return ModelReply(
        text="".join(text for text, _ in chunks),
        model=settings.model_name,
        prompt_tokens=usage.get("input_tokens"),
        completion_tokens=usage.get("output_tokens"),
        seconds=time.perf_counter() - started,
    )


def _stream(
    chat_model: BaseChatModel,
    messages: Sequence[BaseMessage],
    deadline: float,
    settings: Settings,
    on_token: TokenCallback | None,
) -> Iterator[tuple[str, dict[str, int]]]:
    for chunk in chat_model.stream(list(messages)):
        text = chunk.content if isinstance(chunk.content, str) else ""
        if on_token and text:
            on_token(text)
        yield text, dict(chunk.usage_metadata or {})
        if time.perf_counter() > deadline:
            raise model_timeout(settings.model_timeout_s)


def _as_model_error(error: Exception, settings: Settings) -> NlqError:
    if isinstance(error, (ConnectionError, httpx.ConnectError)):
        return model_unreachable(settings.model_url, settings.model_name)
    if isinstance(error, httpx.TimeoutException):
        return model_timeout(settings.model_timeout_s)
    if isinstance(error, ollama.ResponseError):
        if error.status_code == 404:
            return model_not_found(settings.model_url, settings.model_name)
        return ModelFailed(
            f"The model server answered with an error (HTTP {error.status_code}): {error.error}",
            "Check the model server's log; the model may have run out of memory.",
        )
    return ModelFailed(
        f"The model call failed: {type(error).__name__}: {error}",
        "Check that NLQ_MODEL_URL points at a model server of the kind NLQ_MODEL names.",
    )


def check_model_server(settings: Settings) -> ModelServerStatus:
    client = ollama.Client(host=settings.model_url, timeout=STATUS_TIMEOUT_S)
    try:
        listed = client.list()
    except Exception as error:
        problem = _as_model_error(error, settings)
        return ModelServerStatus(settings.model_url, settings.model_name, reachable=False, model_present=False,
                                 problem=ErrorReport.from_exception(problem))
    names = tuple(sorted(m.model for m in listed.models if m.model))
    present = _has_model(names, settings.model_name)
    problem = None if present else ErrorReport.from_exception(
        model_not_found(settings.model_url, settings.model_name))
    return ModelServerStatus(settings.model_url, settings.model_name, reachable=True, model_present=present,
                             available=names, problem=problem)


def _has_model(names: Sequence[str], wanted: str) -> bool:
    """Ollama treats a name without a tag as ':latest'."""
    def full(name: str) -> str:
        return name if ":" in name else f"{name}:latest"

    return full(wanted) in {full(n) for n in names}
