"""One model call: stream the reply (so the UI can show it arriving), stop at the deadline, count tokens.

Every way a model server can fail (not running, model not pulled, too slow, broken reply) becomes one of
nlq's typed errors with a next step (see ``nlq.backends``), because "Connection refused" means nothing to a
business user.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, UsageMetadata
from langsmith import tracing_context

from nlq.backends import as_model_error
from nlq.errors import NlqError, model_timeout
from nlq.steps import TokenCallback
from nlq.targets import ModelTarget


@dataclass(frozen=True)
class ModelReply:
    text: str
    model: str
    prompt_tokens: int | None
    completion_tokens: int | None
    seconds: float


def generate(
    chat_model: BaseChatModel,
    messages: Sequence[BaseMessage],
    target: ModelTarget,
    timeout_s: float,
    on_token: TokenCallback | None = None,
) -> ModelReply:
    """Stream the reply (so the UI can show progress) and stop it at the model timeout."""
    started = time.perf_counter()
    deadline = started + timeout_s
    try:
        # Tracing would send the question and schema to LangSmith if the environment enabled it: never.
        with tracing_context(enabled=False):
            chunks = list(_stream(chat_model, messages, deadline, timeout_s, on_token))
    except NlqError:
        raise
    except Exception as error:
        raise as_model_error(error, target, timeout_s) from None
    usage = next((chunk_usage for _, chunk_usage in reversed(chunks) if chunk_usage), None)
    return ModelReply(
        text="".join(text for text, _ in chunks),
        model=target.name,
        prompt_tokens=usage.get("input_tokens") if usage else None,
        completion_tokens=usage.get("output_tokens") if usage else None,
        seconds=time.perf_counter() - started,
    )


def _stream(
    chat_model: BaseChatModel,
    messages: Sequence[BaseMessage],
    deadline: float,
    timeout_s: float,
    on_token: TokenCallback | None,
) -> Iterator[tuple[str, UsageMetadata | None]]:
    for chunk in chat_model.stream(list(messages)):
        text = _text(chunk.content)
        if on_token and text:
            on_token(text)
        yield text, chunk.usage_metadata
        if time.perf_counter() > deadline:
            raise model_timeout(timeout_s)


def _text(content: object) -> str:
    """Message content is a string, or (hosted models) a list of blocks of which some carry text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    return ""
