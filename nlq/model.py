"""One model call: stream the reply (so the UI can show it arriving), hold it to the answer's deadline and to a
size cap, count tokens.

The client libraries' timeouts are per read, so a server that trickles tokens, or stalls after a few, could
hold a call as long as it liked. The stream is therefore read by a daemon worker thread while the caller waits
on a queue for the time the answer's ``ModelBudget`` has left: when that runs out the user hears so at once,
and the worker, told to stop, closes the stream when its read returns (the client's read timeout bounds
that; being a daemon, it never holds up the process's exit). The worker also counts characters and stops at
``max_chars``, because ``NLQ_MODEL_MAX_TOKENS`` is only a request to the server and a runaway reply must fill
neither memory nor the UI.

Every way a model server can fail (not running, model not pulled, too slow, broken reply) becomes one of
nlq's typed errors with a next step (see ``nlq.backends``), because "Connection refused" means nothing to a
business user.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, UsageMetadata
from langsmith import tracing_context

from nlq.backends import as_model_error
from nlq.errors import ModelUnreachable, NlqError, model_reply_too_long, model_timeout
from nlq.steps import ModelBudget, TokenCallback
from nlq.targets import ModelTarget

DEFAULT_MAX_REPLY_CHARS = 8 * 1024  # as NLQ_MODEL_MAX_REPLY_CHARS is by default: 8 characters a token

Piece = tuple[str, UsageMetadata | None]


class _End:
    """The stream ended as it should."""


Item = Piece | _End | BaseException


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
    timeout: float | ModelBudget,
    on_token: TokenCallback | None = None,
    max_chars: int = DEFAULT_MAX_REPLY_CHARS,
) -> ModelReply:
    """Stream the reply and stop it at the deadline or at ``max_chars``. ``timeout`` is the answer's budget,
    which its repair rounds share, or the seconds this one call may take."""
    budget = timeout if isinstance(timeout, ModelBudget) else ModelBudget(timeout)
    if budget.remaining() <= 0:  # the earlier calls used the answer's time: nothing is sent
        raise model_timeout(budget.seconds, budget.calls)
    started = time.perf_counter()
    failure: NlqError | None = None
    try:
        texts, usage = _read(chat_model, messages, budget, max_chars, on_token)
    except NlqError as error:
        failure = error
    except Exception as error:
        failure = as_model_error(error, target, budget.seconds)
    seconds = time.perf_counter() - started
    budget.charge(seconds, reached=not isinstance(failure, ModelUnreachable))
    if failure is not None:
        raise failure from None
    return ModelReply(
        text="".join(texts),
        model=target.name,
        prompt_tokens=usage.get("input_tokens") if usage else None,
        completion_tokens=usage.get("output_tokens") if usage else None,
        seconds=seconds,
    )


def _read(chat_model: BaseChatModel, messages: Sequence[BaseMessage], budget: ModelBudget, max_chars: int,
          on_token: TokenCallback | None) -> tuple[list[str], UsageMetadata | None]:
    """Wait on the worker's queue until the reply ends, fails or the budget runs out. ``on_token`` runs here,
    in the caller's thread, where a front end's callback expects to run."""
    deadline = time.monotonic() + budget.remaining()
    feed: queue.SimpleQueue[Item] = queue.SimpleQueue()
    stop = threading.Event()
    worker = threading.Thread(target=_pump, args=(chat_model, list(messages), max_chars, feed, stop),
                              name="nlq-model-reply", daemon=True)
    worker.start()
    texts: list[str] = []
    usage: UsageMetadata | None = None
    try:
        while True:
            left = deadline - time.monotonic()
            try:
                if left <= 0:
                    raise queue.Empty
                item = feed.get(timeout=left)
            except queue.Empty:
                raise model_timeout(budget.seconds, budget.calls + 1) from None
            if isinstance(item, _End):
                return texts, usage
            if isinstance(item, BaseException):
                raise item
            text, chunk_usage = item
            usage = chunk_usage or usage
            if text:
                texts.append(text)
                if on_token:
                    on_token(text)
    finally:
        stop.set()  # the worker stops at its next piece and closes the stream


def _pump(chat_model: BaseChatModel, messages: list[BaseMessage], max_chars: int, feed: queue.SimpleQueue[Item],
          stop: threading.Event) -> None:
    """The worker: the stream's pieces into the queue until it ends, fails, grows past ``max_chars`` or the
    caller gives up; then the stream is closed, which hangs up on the server."""
    received = 0
    try:
        # Tracing would send the question and schema to LangSmith if the environment enabled it: never. The
        # context is per thread, so it is set here, where the call is made.
        with tracing_context(enabled=False):
            stream = chat_model.stream(messages)
            try:
                for chunk in stream:
                    if stop.is_set():
                        return
                    text = _text(chunk.content)
                    received += len(text)
                    if received > max_chars:  # nothing past the cap is kept, shown or sent back for repair
                        feed.put(model_reply_too_long(max_chars))
                        return
                    feed.put((text, chunk.usage_metadata))
            finally:
                close = getattr(stream, "close", None)
                if close is not None:
                    close()
        feed.put(_End())
    except BaseException as error:  # handed to the caller, which words it (or has gone: then it is dropped)
        feed.put(error)


def _text(content: object) -> str:
    """Message content is a string, or (hosted models) a list of blocks of which some carry text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    return ""
