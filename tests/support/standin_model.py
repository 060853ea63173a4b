"""A loopback stand-in model server, so the real ChatOllama and ChatOpenAI clients are tested over HTTP.

It speaks Ollama's ``/api/chat`` (NDJSON streaming, final line with ``prompt_eval_count``/``eval_count``),
``/api/tags`` and ``/api/version``, and the OpenAI protocol's ``/v1/chat/completions`` (server-sent events,
a final usage chunk) and ``/v1/models``. It answers from a script: the first rule whose ``match`` occurs
in the last user message decides the reply, its delay, or an HTTP error. The faults a real server shows are
rules too: a reply that trickles (``piece_delay_s``), a stream that stalls before its end (``stall_s``), a
runaway reply of any size made as it is sent (``size``), a server that hangs up mid-reply (``hang_up``), and
a 404 for a model the server lists (``status``).

It also speaks AWS's protocols, for the real boto3 clients pointed at it (``endpoint_url``) with dummy
credentials: Bedrock's Converse and ConverseStream, the SageMaker runtime's ``/endpoints/NAME/invocations``
(an OpenAI chat completion, as the LMI/vLLM and TGI containers reply) and ``/invocations-response-stream``
(server-sent events cut into ``PayloadPart`` events, in the binary event-stream framing boto3 decodes), and
the SageMaker API's DescribeEndpoint. An AWS error is a rule too (``aws_error``: its code, with ``error`` its
message and ``status`` its HTTP status).

Run alone (for the browser test, the benchmark or a demo without a GPU):
    python -m tests.support.standin_model --port 11500 --script tests/support/demo_script.json
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import socket
import struct
import threading
import time
import urllib.parse
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DEFAULT_MODELS = ("qwen2.5-coder:7b",)
DEFAULT_ENDPOINTS = ("sql-writer",)
# What a test sets so the real boto3 clients sign with dummy keys and look nowhere else for credentials.
AWS_TEST_ENVIRONMENT = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                        "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent",
                        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}
ACCOUNT = "123456789012"


@dataclass
class Rule:
    match: str = ""
    reply: str = ""
    delay_s: float = 0.0  # before the first byte
    piece_delay_s: float = 0.0  # between streamed pieces: a model that trickles
    stall_s: float = 0.0  # after the last piece, before the end of the stream: a server that stalls mid-reply
    size: int = 0  # > 0: the reply repeated to this many characters, made as it is sent (a runaway model)
    hang_up: bool = False  # close the connection after the last piece, without ending the stream (a crash)
    status: int = 200
    error: str = ""
    protocol: str = ""  # "ollama", "openai", "bedrock" or "sagemaker": answer only that protocol ("" = any)
    aws_error: str = ""  # AWS protocols: answer with this error code (e.g. ThrottlingException) and ``error``


@dataclass
class Script:
    rules: list[Rule] = field(default_factory=list)
    default: Rule = field(default_factory=lambda: Rule(reply="I cannot answer that from this schema."))
    models: tuple[str, ...] = DEFAULT_MODELS
    endpoints: tuple[str, ...] = DEFAULT_ENDPOINTS  # SageMaker endpoints that exist
    endpoint_status: str = "InService"  # what DescribeEndpoint says of them
    endpoint_streams: bool = True  # False: a container without response streaming

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Script:
        return cls(
            rules=[Rule(**r) for r in data.get("rules", [])],
            default=Rule(**data["default"]) if "default" in data else cls().default,
            models=tuple(data.get("models", DEFAULT_MODELS)),
            endpoints=tuple(data.get("endpoints", DEFAULT_ENDPOINTS)),
        )

    def rule_for(self, text: str, protocol: str = "") -> Rule:
        lowered = text.lower()
        return next((r for r in self.rules if r.match.lower() in lowered and r.protocol in ("", protocol)),
                    self.default)


class StandinModelServer:
    def __init__(self, script: Script | None = None, port: int = 0) -> None:
        self.script = script or Script()
        self.requests: list[dict[str, Any]] = []  # every /api/chat body, for tests to inspect the prompt
        self.stopping = threading.Event()  # ends the stalls of handlers still running when the server stops
        handler = type("Handler", (_Handler,), {"owner": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> StandinModelServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    owner: StandinModelServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def handle(self) -> None:
        # The client hung up mid-reply (a deadline or a size cap): no traceback on the test's stderr.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().handle()

    def _send_json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/v1/models":
            models = [{"id": m, "object": "model", "created": 0, "owned_by": "standin"}
                      for m in self.owner.script.models]
            self._send_json(200, {"object": "list", "data": models})
        elif self.path == "/api/tags":
            models = [{"name": m, "model": m, "modified_at": _now(), "size": 4_700_000_000,
                       "digest": "0" * 64, "details": {"format": "gguf", "family": "qwen2"}}
                      for m in self.owner.script.models]
            self._send_json(200, {"models": models})
        elif self.path == "/api/version":
            self._send_json(200, {"version": "0.0.0-standin"})
        else:
            self._send_json(404, {"error": "not found"})

    def do_POST(self) -> None:
        if self.path.startswith("/model/") and self.path.endswith(("/converse", "/converse-stream")):
            self._bedrock(stream=self.path.endswith("/converse-stream"))
            return
        if self.path.startswith("/endpoints/"):
            self._sagemaker()
            return
        if self.headers.get("X-Amz-Target", "").startswith("SageMaker."):
            self._sagemaker_api()
            return
        openai_protocol = self.path == "/v1/chat/completions"
        if self.path != "/api/chat" and not openai_protocol:
            self._send_json(404, {"error": "not found"})
            return
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        self.owner.requests.append(body)
        script = self.owner.script
        model = body.get("model", "")
        if model not in script.models:
            if openai_protocol:
                self._send_json(404, {"error": {"message": f"The model `{model}` does not exist.",
                                                "type": "NotFoundError", "code": 404}})
            else:
                self._send_json(404, {"error": f'model "{model}" not found, try pulling it first'})
            return
        messages = body.get("messages", [])
        question = next((str(m.get("content", "")) for m in reversed(messages) if m.get("role") == "user"), "")
        rule = script.rule_for(question, "openai" if openai_protocol else "ollama")
        time.sleep(rule.delay_s)  # a slow model: the client may hang up meanwhile
        if rule.status != 200:
            error = rule.error or "stand-in failure"
            self._send_json(rule.status, {"error": {"message": error, "code": rule.status} if openai_protocol
                                          else error})
            return
        prompt_tokens = sum(len(str(m.get("content", ""))) for m in messages) // 4
        if openai_protocol:
            self._openai(model, rule, prompt_tokens, body)
            return
        final = {"model": model, "created_at": _now(), "done": True, "done_reason": "stop",
                 "total_duration": 1_000_000, "load_duration": 1000, "prompt_eval_count": prompt_tokens,
                 "prompt_eval_duration": 1000, "eval_duration": 1000}
        if body.get("stream", True):
            self._stream(model, rule, final)
        else:
            text = "".join(_reply_pieces(rule))
            self._send_json(200, {**final, "eval_count": len(_pieces(text)),
                                  "message": {"role": "assistant", "content": text}})

    def _stream(self, model: str, rule: Rule, final: dict[str, Any]) -> None:
        def lines() -> Iterator[dict[str, Any]]:
            count = 0
            for piece in self._paced(rule):
                count += 1
                yield {"model": model, "created_at": _now(), "message": {"role": "assistant", "content": piece},
                       "done": False}
            yield {**final, "eval_count": count, "message": {"role": "assistant", "content": ""}}

        self._send_chunked("application/x-ndjson", (json.dumps(line) + "\n" for line in lines()))

    def _paced(self, rule: Rule) -> Iterator[str]:
        """The reply's pieces as the rule paces them: a trickle between pieces, a stall before the end."""
        for index, piece in enumerate(_reply_pieces(rule)):
            if index and rule.piece_delay_s:
                time.sleep(rule.piece_delay_s)
            yield piece
        if rule.stall_s:
            self.owner.stopping.wait(rule.stall_s)
        if rule.hang_up:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)  # mid-stream: the client never sees the stream's end
            raise BrokenPipeError("the stand-in hung up, as its rule says")

    def _send_chunked(self, content_type: str, payloads: Iterable[str | bytes],
                      headers: dict[str, str] | None = None) -> None:
        """One HTTP chunk per payload, sent as it is made, so pacing and size reach the client as they are."""
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for payload in payloads:
                data = payload.encode() if isinstance(payload, str) else payload
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout or size test); nothing to tell it

    def _bedrock(self, stream: bool = False) -> None:
        """Bedrock's Converse API (one JSON reply), as the optional hosted fallback's client sends it, and
        ConverseStream (events), as the client of a Bedrock model chosen as the primary one sends it."""
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        body["bedrock_model"] = urllib.parse.unquote(self.path.split("/")[2])
        body["bedrock_stream"] = stream
        self.owner.requests.append(body)
        users = [m for m in body.get("messages", []) if m.get("role") == "user"]
        question = "".join(block.get("text", "") for block in (users[-1]["content"] if users else []))
        rule = self.owner.script.rule_for(question, "bedrock")
        if rule.aws_error:
            self._aws_error(rule.status if rule.status != 200 else 400, rule.aws_error, rule.error)
            return
        reply = rule.reply
        usage = {"inputTokens": len(json.dumps(body)) // 4, "outputTokens": len(_pieces(reply)),
                 "totalTokens": len(json.dumps(body)) // 4 + len(_pieces(reply))}
        if not stream:
            self._send_json(200, {"output": {"message": {"role": "assistant", "content": [{"text": reply}]}},
                                  "stopReason": "end_turn", "metrics": {"latencyMs": 5}, "usage": usage})
            return

        def events() -> Iterator[bytes]:
            yield _aws_event("messageStart", {"role": "assistant"})
            for piece in self._paced(rule):
                yield _aws_event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": piece}})
            yield _aws_event("contentBlockStop", {"contentBlockIndex": 0})
            yield _aws_event("messageStop", {"stopReason": "end_turn"})
            yield _aws_event("metadata", {"usage": usage, "metrics": {"latencyMs": 5}})

        self._send_chunked("application/vnd.amazon.eventstream", events())

    def _aws_error(self, status: int, code: str, message: str) -> None:
        """An AWS service's error as botocore reads it: the code in x-amzn-ErrorType and the body."""
        data = json.dumps({"__type": code, "message": message or code, "Message": message or code}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("x-amzn-ErrorType", code)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _sagemaker(self) -> None:
        """The SageMaker runtime: InvokeEndpoint answers a chat completion, InvokeEndpointWithResponseStream
        the same as server-sent events, each event cut in two ``PayloadPart`` events (a real endpoint cuts
        anywhere, so nlq must join them)."""
        _, _, name, action = self.path.split("/", 3)
        name = urllib.parse.unquote(name)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        self.owner.requests.append({**body, "sagemaker_endpoint": name, "sagemaker_action": action})
        script = self.owner.script
        if name not in script.endpoints:
            self._aws_error(400, "ValidationError", f"Endpoint {name} of account {ACCOUNT} not found.")
            return
        streaming = action == "invocations-response-stream"
        if streaming and not script.endpoint_streams:
            self._aws_error(400, "ValidationError", "This model does not support response streaming.")
            return
        messages = body.get("messages", [])
        question = next((str(m.get("content", "")) for m in reversed(messages) if m.get("role") == "user"), "")
        rule = script.rule_for(question, "sagemaker")
        time.sleep(rule.delay_s)
        if rule.aws_error:
            self._aws_error(rule.status if rule.status != 200 else 400, rule.aws_error, rule.error)
            return
        prompt_tokens = sum(len(str(m.get("content", ""))) for m in messages) // 4
        if not streaming:
            reply = "".join(_reply_pieces(rule))
            usage = {"prompt_tokens": prompt_tokens, "completion_tokens": len(_pieces(reply)),
                     "total_tokens": prompt_tokens + len(_pieces(reply))}
            self._send_json(200, {"id": "chatcmpl-standin", "object": "chat.completion", "model": name,
                                  "choices": [{"index": 0, "finish_reason": "stop",
                                               "message": {"role": "assistant", "content": reply}}],
                                  "usage": usage})
            return

        def parts() -> Iterator[bytes]:
            count = 0
            for piece in self._paced(rule):
                count += 1
                yield from _payload_parts({"choices": [{"index": 0, "delta": {"content": piece}}]})
            yield from _payload_parts({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            if (body.get("stream_options") or {}).get("include_usage"):
                yield from _payload_parts({"choices": [], "usage": {
                    "prompt_tokens": prompt_tokens, "completion_tokens": count, "total_tokens": prompt_tokens + count}})
            yield _aws_event("PayloadPart", b"data: [DONE]\n\n")

        self._send_chunked("application/vnd.amazon.eventstream", parts(),
                           {"X-Amzn-SageMaker-Content-Type": "text/event-stream"})

    def _sagemaker_api(self) -> None:
        """The SageMaker API's DescribeEndpoint, which the doctor and the sidebar read."""
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        name = str(body.get("EndpointName", ""))
        self.owner.requests.append({"sagemaker_api": self.headers["X-Amz-Target"], "EndpointName": name})
        if name not in self.owner.script.endpoints:
            self._aws_error(400, "ValidationException", f"Could not find endpoint \"{name}\".")
            return
        arn = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/{name}"
        self._send_json(200, {"EndpointName": name, "EndpointArn": arn, "EndpointConfigName": name,
                              "EndpointStatus": self.owner.script.endpoint_status, "CreationTime": 0,
                              "LastModifiedTime": 0})

    def _openai(self, model: str, rule: Rule, prompt_tokens: int, body: dict[str, Any]) -> None:
        def usage(completion_tokens: int) -> dict[str, int]:
            return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens}

        base = {"id": "chatcmpl-standin", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": model}
        if not body.get("stream"):
            reply = "".join(_reply_pieces(rule))
            self._send_json(200, {**base, "object": "chat.completion", "usage": usage(len(_pieces(reply))),
                                  "choices": [{"index": 0, "finish_reason": "stop",
                                               "message": {"role": "assistant", "content": reply}}]})
            return

        def events() -> Iterator[dict[str, Any]]:
            yield {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
            count = 0
            for piece in self._paced(rule):
                count += 1
                yield {**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            yield {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            if (body.get("stream_options") or {}).get("include_usage"):
                yield {**base, "choices": [], "usage": usage(count)}

        data = itertools.chain((json.dumps(event) for event in events()), ["[DONE]"])
        self._send_chunked("text/event-stream", (f"data: {d}\n\n" for d in data))


def _aws_event(event_type: str, payload: dict[str, Any] | bytes) -> bytes:
    """One message of AWS's binary event stream: prelude (total and headers length, their CRC32), string
    headers, payload, and the CRC32 of all that."""
    headers = {":event-type": event_type, ":message-type": "event",
               ":content-type": "application/octet-stream" if isinstance(payload, bytes) else "application/json"}
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    encoded = b"".join(bytes([len(key)]) + key.encode() + b"\x07" + struct.pack(">H", len(value)) + value.encode()
                       for key, value in headers.items())
    prelude = struct.pack(">II", 12 + len(encoded) + len(data) + 4, len(encoded))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + encoded + data
    return message + struct.pack(">I", zlib.crc32(message))


def _payload_parts(event: dict[str, Any]) -> Iterator[bytes]:
    """One server-sent event as two ``PayloadPart`` events, cut mid-JSON."""
    line = f"data: {json.dumps(event)}\n\n".encode()
    middle = len(line) // 2
    yield _aws_event("PayloadPart", line[:middle])
    yield _aws_event("PayloadPart", line[middle:])


def _reply_pieces(rule: Rule) -> Iterator[str]:
    """The reply in token-like pieces; with ``size``, the reply over and over to that many characters, made
    as it is sent so that a 10 MB reply costs the stand-in no memory."""
    if not rule.size:
        yield from _pieces(rule.reply)
        return
    left = rule.size
    while left > 0:
        for piece in _pieces(rule.reply or "x "):
            yield piece[:left]
            left -= len(piece)
            if left <= 0:
                return


def _pieces(text: str) -> list[str]:
    """Token-like pieces (words with their following space), as a real server streams them."""
    pieces, current = [], ""
    for char in text:
        current += char
        if char in " \n":
            pieces.append(current)
            current = ""
    return pieces + ([current] if current else [])


def _now() -> str:
    return datetime.now(UTC).isoformat()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=11434)
    parser.add_argument("--script", type=Path, help="JSON script: {rules: [{match, reply, ...}], default, models}")
    args = parser.parse_args()
    script = Script.from_dict(json.loads(args.script.read_text())) if args.script else Script()
    server = StandinModelServer(script, port=args.port).start()
    print(f"stand-in model server on {server.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
