"""Model servers by provider: how to build the LangChain client, list models, and word their failures.

This is where LangChain and the providers' client libraries are loaded; nothing on the path of a question
the rules answer imports it (``nlq.targets`` names the models without it).

``ollama`` talks to Ollama's own API; ``openai`` to any OpenAI-compatible server (vLLM, llama.cpp's
server, LM Studio); ``sagemaker`` to a SageMaker endpoint (``nlq.sagemaker``, boto3 an optional extra);
``bedrock`` (an optional extra) is the hosted fallback, or the primary model only when the owner names it in
NLQ_MODEL. The AWS providers' failures and status are ``nlq.aws``'s.
Output length is capped with ``max_tokens`` in the request body, which every OpenAI-compatible server
honours (current langchain-openai sends ``max_completion_tokens``, which some servers ignore).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
import ollama
import openai
from langchain_core.language_models import BaseChatModel
from langchain_ollama import ChatOllama
from langchain_openai import ChatOpenAI

from nlq.aws import CREDENTIALS_HINT, aws_model_error, credentials_source, endpoint_status, is_aws_error
from nlq.errors import (
    ErrorReport,
    ModelFailed,
    NlqError,
    SettingsError,
    model_not_found,
    model_path_not_found,
    model_timeout,
    model_unreachable,
)
from nlq.targets import ModelTarget, require_client_package

STATUS_TIMEOUT_S = 3.0
HTTP_LIBRARIES = ("httpx", "httpx2", "httpcore", "httpcore2")


@dataclass(frozen=True)
class ModelServerStatus:
    """What the sidebar and the doctor say about the model server; checked without sending any question."""

    url: str
    model: str
    reachable: bool
    model_present: bool
    available: tuple[str, ...] = field(default_factory=tuple)
    problem: ErrorReport | None = None


def openai_base_url(url: str) -> str:
    """OpenAI-compatible servers serve under /v1; accept the URL with or without it."""
    return url if url.rstrip("/").endswith("/v1") else url.rstrip("/") + "/v1"


# What a structured reply looks like: the SQL, or (when the schema cannot answer) a reason instead.
ANSWER_SCHEMA = {
    "type": "object",
    "properties": {"sql": {"type": "string"}, "reason": {"type": "string"}},
    "required": ["sql"],
}


def build_chat_model(target: ModelTarget, timeout_s: float, max_tokens: int,
                     structured: str = "off") -> BaseChatModel:
    """``structured``: "auto" uses a JSON schema where the server enforces it for any model (Ollama), "on"
    also asks OpenAI-compatible servers (``response_format``; older ones reject it), "off" never."""
    if target.provider == "ollama":
        return ChatOllama(model=target.name, base_url=target.url, temperature=0, num_predict=max_tokens,
                          client_kwargs={"timeout": timeout_s},
                          format=ANSWER_SCHEMA if structured in ("auto", "on") else None)
    if target.provider == "openai":
        body: dict[str, object] = {"max_tokens": max_tokens}
        if structured == "on":
            body["response_format"] = {"type": "json_schema",
                                       "json_schema": {"name": "sql_answer", "schema": ANSWER_SCHEMA}}
        return ChatOpenAI(model=target.name, base_url=openai_base_url(target.url),
                          api_key=target.api_key or "not-needed", temperature=0, timeout=timeout_s, max_retries=0,
                          stream_usage=True, extra_body=body)
    if target.provider == "bedrock":
        return _bedrock(target, timeout_s, max_tokens)
    if target.provider == "sagemaker":
        require_client_package(target)
        from nlq.sagemaker import ChatSageMaker  # boto3 loads here, for a sagemaker: model only

        return ChatSageMaker(endpoint_name=target.name, region=target.region, endpoint_url=target.url,
                             timeout_s=timeout_s, max_tokens=max_tokens)
    raise SettingsError(f"Unknown model provider {target.provider!r}.", "Set NLQ_MODEL to ollama:NAME or openai:NAME.")


def _bedrock(target: ModelTarget, timeout_s: float, max_tokens: int) -> BaseChatModel:
    require_client_package(target)
    from langchain_aws import ChatBedrockConverse  # optional extra: only for a Bedrock model

    if target.role == "fallback":
        # One request, one reply (no event stream): the hosted model is the rare fallback, not the live path.
        return ChatBedrockConverse(model_id=target.name, region_name=target.region or None, temperature=0,
                                   max_tokens=max_tokens, endpoint_url=target.url or None, disable_streaming=True)
    from botocore.config import Config  # type: ignore[import-untyped]

    # Chosen as the primary model, it answers every model question: streamed (ConverseStream) so the reply shows
    # as it is written, one attempt per call, reads bounded by the answer's time.
    config = Config(connect_timeout=min(10.0, timeout_s), read_timeout=timeout_s, retries={"total_max_attempts": 1})
    return ChatBedrockConverse(model_id=target.name, region_name=target.region or None, temperature=0,
                               max_tokens=max_tokens, endpoint_url=target.url or None, config=config,
                               disable_streaming=False)


def as_model_error(error: Exception, target: ModelTarget, timeout_s: float, listing: bool = False) -> NlqError:
    """Every client library's failure, as one of nlq's errors with the fix for this provider. ``listing``: the
    error came from reading the server's list of models, not from a chat request.

    ``ModelUnreachable`` means the connection was never made, so nothing left this machine; a connection
    dropped mid-reply is a failure of the server, not a server that could not be reached."""
    if target.on_aws and target.role == "primary" and is_aws_error(error):
        return aws_model_error(error, target, timeout_s)
    if _never_connected(error):
        return model_unreachable(target.url, target.name, target.provider)
    if isinstance(error, openai.APITimeoutError) or _is_http(error, "TimeoutException"):
        return model_timeout(timeout_s)
    if isinstance(error, openai.APIConnectionError) or _is_http(error, "TransportError"):
        return ModelFailed(f"The model server at {target.url} closed the connection before its reply was complete.",
                           "Check the model server's log (it may have crashed or run out of memory), and any proxy "
                           "between nlq and it; then try again.")
    status = getattr(error, "status_code", None)
    if status == 404 and isinstance(error, ollama.ResponseError | openai.NotFoundError):
        return _not_found(target, listing)
    if isinstance(error, openai.AuthenticationError) or (
            isinstance(error, httpx.HTTPStatusError) and error.response.status_code == 401):
        return ModelFailed("The model server refused nlq's API key.", "Set NLQ_MODEL_API_KEY to the server's key.")
    if type(error).__module__.startswith("botocore"):  # the optional Bedrock client's errors
        return ModelFailed(f"The hosted fallback model failed: {error}",
                           "Check the AWS credentials, NLQ_FALLBACK_REGION and that the model is enabled in Bedrock.")
    if isinstance(error, ollama.ResponseError | openai.APIStatusError):
        detail = getattr(error, "error", None) or getattr(error, "message", None) or str(error)
        return ModelFailed(f"The model server answered with an error (HTTP {status}): {detail}",
                           "Check the model server's log; the model may have run out of memory.")
    return ModelFailed(f"The model call failed: {type(error).__name__}: {error}",
                       "Check that NLQ_MODEL_URL points at a model server of the kind NLQ_MODEL names.")


def _never_connected(error: BaseException) -> bool:
    """Refused, or no answer to the connection attempt: the request never left. The clients wrap the HTTP
    library's error (Ollama's client in a plain ConnectionError, OpenAI's in APIConnectionError or
    APITimeoutError), so the whole chain of causes is read."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or type(seen) is ConnectionError \
                or _is_http(seen, "ConnectError", "ConnectTimeout"):
            return True
        seen = seen.__cause__ or (None if seen.__suppress_context__ else seen.__context__)
    return False


def _is_http(error: BaseException, *names: str) -> bool:
    """Is ``error`` one of the HTTP library's errors ``names`` (or of a subclass)? By name, because the
    OpenAI client uses its own fork of httpx (httpx2), whose classes are not httpx's."""
    return any(cls.__name__ in names and cls.__module__.split(".")[0] in HTTP_LIBRARIES for cls in type(error).__mro__)


def _not_found(target: ModelTarget, listing: bool) -> NlqError:
    """A 404 means "model not pulled" only when the server's list of models lacks it; a 404 for a model it
    lists (or from a server whose list cannot be read) is a wrong URL path or a proxy in between."""
    chat = "/api/chat" if target.provider == "ollama" else "/v1/chat/completions"
    if listing:
        return model_path_not_found(target.url, target.name, "/api/tags" if target.provider == "ollama"
                                    else "/v1/models", listed=None)
    try:
        listed: bool | None = _has_model(_list_models(target), target.name, target.provider)
    except Exception:  # the list could not be read either: say so rather than guess
        listed = None
    if listed is False:
        return model_not_found(target.url, target.name, target.provider)
    return model_path_not_found(target.url, target.name, chat, listed)


def check_server(target: ModelTarget) -> ModelServerStatus:
    """Is the server up, and does it have the model? Ollama: /api/tags; OpenAI-compatible: /v1/models; on AWS:
    credentials found and (SageMaker) the endpoint InService."""
    if target.on_aws:
        return _check_aws(target)
    try:
        names = _list_models(target)
    except Exception as error:
        failure = as_model_error(error, target, STATUS_TIMEOUT_S, listing=True)
        return ModelServerStatus(target.url, target.name, reachable=False, model_present=False,
                                 problem=ErrorReport.from_exception(failure))
    present = _has_model(names, target.name, target.provider)
    problem: ErrorReport | None = None
    if not present:
        problem = ErrorReport.from_exception(model_not_found(target.url, target.name, target.provider))
    return ModelServerStatus(target.url, target.name, reachable=True, model_present=present,
                             available=tuple(sorted(names)), problem=problem)


def _check_aws(target: ModelTarget) -> ModelServerStatus:
    """No question is sent: the credentials boto3 finds, then the SageMaker endpoint's status (Bedrock has none
    to read; the doctor's one-line reply checks it)."""
    try:
        require_client_package(target)
        found = credentials_source()
    except NlqError as error:
        return ModelServerStatus(target.where, target.name, False, False, problem=ErrorReport.from_exception(error))
    if found is None:
        problem = ModelFailed(f"nlq found no AWS credentials for {target.where}.", CREDENTIALS_HINT)
        return ModelServerStatus(target.where, target.name, False, False, problem=ErrorReport.from_exception(problem))
    status, report = endpoint_status(target)
    if report is not None:
        return ModelServerStatus(target.where, target.name, reachable=status != "unknown", model_present=False,
                                 problem=report)
    return ModelServerStatus(target.where, target.name, reachable=True, model_present=True, available=(target.name,))


def _list_models(target: ModelTarget) -> list[str]:
    if target.provider == "ollama":
        listed = ollama.Client(host=target.url, timeout=STATUS_TIMEOUT_S).list()
        return [m.model for m in listed.models if m.model]
    headers = {"Authorization": f"Bearer {target.api_key}"} if target.api_key else {}
    response = httpx.get(openai_base_url(target.url) + "/models", headers=headers, timeout=STATUS_TIMEOUT_S)
    response.raise_for_status()  # a 401 is worded by as_model_error, as the client's own refusal is
    return [str(item.get("id")) for item in response.json().get("data", [])]


def _has_model(names: list[str], wanted: str, provider: str) -> bool:
    if provider != "ollama":
        return wanted in names

    def full(name: str) -> str:  # Ollama treats a name without a tag as ':latest'
        return name if ":" in name else f"{name}:latest"

    return full(wanted) in {full(n) for n in names}
