"""A SageMaker endpoint as a LangChain chat model, through boto3's ``sagemaker-runtime`` client.

The containers people deploy for text generation there (LMI with vLLM, Hugging Face TGI) take the OpenAI
messages format — ``{"messages": [...], "max_tokens": N, "stream": true}`` — and reply with an OpenAI chat
completion, or, from ``invoke_endpoint_with_response_stream``, server-sent events cut into ``PayloadPart``
chunks at any byte. LangChain-AWS's ``ChatSagemakerEndpoint`` leaves both formats and the streaming to a
hand-written handler, so nlq speaks the format itself here, with the usage counts the final event carries.

An endpoint whose container cannot stream says so on the first streamed call; from then on this model asks for
the whole reply at once, so the question is still answered (only without text arriving as it is written).
boto3 is imported here alone: only a ``sagemaker:`` model loads it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, convert_to_openai_messages
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

CONTENT_TYPE = "application/json"
CONNECT_TIMEOUT_S = 10.0


class ChatSageMaker(BaseChatModel):
    """One SageMaker endpoint, asked in the OpenAI messages format; no retries (the answer's deadline is nlq's)."""

    endpoint_name: str
    region: str = ""
    endpoint_url: str = ""
    timeout_s: float = 120.0
    max_tokens: int = 1024
    _client: Any = PrivateAttr(default=None)
    _streams: bool = PrivateAttr(default=True)  # False once the endpoint said it cannot stream

    @property
    def _llm_type(self) -> str:
        return "sagemaker-endpoint"

    def client(self) -> Any:
        """The runtime client, made on first use: per-read timeout the answer's, one attempt, no retries."""
        if self._client is None:
            import boto3  # type: ignore[import-untyped]
            from botocore.config import Config  # type: ignore[import-untyped]

            config = Config(connect_timeout=min(CONNECT_TIMEOUT_S, self.timeout_s), read_timeout=self.timeout_s,
                            retries={"total_max_attempts": 1})
            self._client = boto3.session.Session().client(
                "sagemaker-runtime", region_name=self.region or None, endpoint_url=self.endpoint_url or None,
                config=config)
        return self._client

    def body(self, messages: list[BaseMessage], stream: bool) -> bytes:
        payload: dict[str, Any] = {"messages": convert_to_openai_messages(messages, text_format="string"),
                                   "max_tokens": self.max_tokens, "temperature": 0, "stream": stream}
        if stream:
            payload["stream_options"] = {"include_usage": True}
        return json.dumps(payload).encode()

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        response = self.client().invoke_endpoint(EndpointName=self.endpoint_name, ContentType=CONTENT_TYPE,
                                                 Accept=CONTENT_TYPE, Body=self.body(messages, stream=False))
        text, usage = parse_reply(response["Body"].read())
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text, usage_metadata=usage))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        if not self._streams:
            yield from _whole(self._generate(messages))
            return
        try:
            response = self.client().invoke_endpoint_with_response_stream(
                EndpointName=self.endpoint_name, ContentType=CONTENT_TYPE, Accept=CONTENT_TYPE,
                Body=self.body(messages, stream=True))
        except Exception as error:
            if not _cannot_stream(error):
                raise
            self._streams = False
            yield from _whole(self._generate(messages))
            return
        events = response["Body"]
        try:
            for text, usage in read_events(part["PayloadPart"]["Bytes"] for part in events if "PayloadPart" in part):
                yield ChatGenerationChunk(message=AIMessageChunk(content=text, usage_metadata=usage))
        finally:
            events.close()  # hangs up on the endpoint when the caller stops reading (a deadline, a size cap)


def parse_reply(data: bytes) -> tuple[str, UsageMetadata | None]:
    """An OpenAI chat completion (LMI, TGI's messages API); TGI's older ``[{"generated_text": ...}]`` too."""
    reply = json.loads(data or b"{}")
    if isinstance(reply, list) and reply and isinstance(reply[0], dict):
        return str(reply[0].get("generated_text", "")), None
    if not isinstance(reply, dict):
        raise ValueError(f"the endpoint's reply is not a chat completion: {str(reply)[:200]}")
    if "generated_text" in reply:
        return str(reply["generated_text"]), None
    choices = reply.get("choices") or [{}]
    message = choices[0].get("message") or {}
    return str(message.get("content") or ""), _usage(reply.get("usage"))


def read_events(parts: Iterator[bytes]) -> Iterator[tuple[str, UsageMetadata | None]]:
    """Server-sent events from ``PayloadPart`` bytes, which may cut an event (or a UTF-8 character) anywhere:
    each complete ``data:`` line's text delta and, from the last event, the usage counts."""
    buffer = b""
    for part in parts:
        buffer += part
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            piece = _event(line.strip())
            if piece is not None:
                yield piece
    piece = _event(buffer.strip())
    if piece is not None:
        yield piece


def _event(line: bytes) -> tuple[str, UsageMetadata | None] | None:
    if not line.startswith(b"data:"):
        return None
    data = line[len(b"data:"):].strip()
    if not data or data == b"[DONE]":
        return None
    event = json.loads(data)
    choices = event.get("choices") or [{}]
    text = str((choices[0].get("delta") or {}).get("content") or "")
    usage = _usage(event.get("usage"))
    return (text, usage) if text or usage else None


def _usage(usage: object) -> UsageMetadata | None:
    if not isinstance(usage, dict) or "prompt_tokens" not in usage:
        return None
    prompt, completion = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
    return UsageMetadata(input_tokens=prompt, output_tokens=completion, total_tokens=prompt + completion)


def _whole(result: ChatResult) -> Iterator[ChatGenerationChunk]:
    message = result.generations[0].message
    yield ChatGenerationChunk(message=AIMessageChunk(content=message.content,
                                                     usage_metadata=getattr(message, "usage_metadata", None)))


def _cannot_stream(error: Exception) -> bool:
    """SageMaker's answer when the endpoint's container does not support response streaming."""
    response = getattr(error, "response", None) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    return code == "ValidationError" and "stream" in str(error).lower()
