"""A loopback stand-in model server, so the real ChatOllama and ChatOpenAI clients are tested over HTTP.

It speaks Ollama's ``/api/chat`` (NDJSON streaming, final line with ``prompt_eval_count``/``eval_count``),
``/api/tags`` and ``/api/version``, and the OpenAI protocol's ``/v1/chat/completions`` (server-sent events,
a final usage chunk) and ``/v1/models``. It answers from a script: the first rule whose ``match`` occurs
in the last user message decides the reply, its delay, or an HTTP error. The faults a real server shows are
rules too: a reply that trickles (``piece_delay_s``), a stream that stalls before its end (``stall_s``), a
runaway reply of any size made as it is sent (``size``), a server that hangs up mid-reply (``hang_up``), and
a 404 for a model the server lists (``status``).

Run alone (for the browser test, the benchmark or a demo without a GPU):
    python -m tests.support.standin_model --port 11500 --script tests/support/demo_script.json
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DEFAULT_MODELS = ("qwen2.5-coder:7b",)


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
    protocol: str = ""  # "ollama", "openai" or "bedrock": answer only that protocol ("" = any)


@dataclass
class Script:
    rules: list[Rule] = field(default_factory=list)
    default: Rule = field(default_factory=lambda: Rule(reply="I cannot answer that from this schema."))
    models: tuple[str, ...] = DEFAULT_MODELS

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Script:
        return cls(
            rules=[Rule(**r) for r in data.get("rules", [])],
            default=Rule(**data["default"]) if "default" in data else cls().default,
            models=tuple(data.get("models", DEFAULT_MODELS)),
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
        if self.path.startswith("/model/") and self.path.endswith("/converse"):
            self._bedrock()
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

    def _send_chunked(self, content_type: str, payloads: Iterable[str]) -> None:
        """One HTTP chunk per payload, sent as it is made, so pacing and size reach the client as they are."""
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for payload in payloads:
                data = payload.encode()
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout or size test); nothing to tell it

    def _bedrock(self) -> None:
        """Bedrock's Converse API (one JSON reply), as the optional hosted fallback's client sends it."""
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        body["bedrock_model"] = urllib.parse.unquote(self.path.split("/")[2])
        self.owner.requests.append(body)
        users = [m for m in body.get("messages", []) if m.get("role") == "user"]
        question = "".join(block.get("text", "") for block in (users[-1]["content"] if users else []))
        reply = self.owner.script.rule_for(question, "bedrock").reply
        self._send_json(200, {"output": {"message": {"role": "assistant", "content": [{"text": reply}]}},
                              "stopReason": "end_turn", "metrics": {"latencyMs": 5},
                              "usage": {"inputTokens": len(json.dumps(body)) // 4, "outputTokens": len(_pieces(reply)),
                                        "totalTokens": len(json.dumps(body)) // 4 + len(_pieces(reply))}})

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
