"""A loopback stand-in model server, so the real ChatOllama and ChatOpenAI clients are tested over HTTP.

It speaks Ollama's ``/api/chat`` (NDJSON streaming, final line with ``prompt_eval_count``/``eval_count``),
``/api/tags`` and ``/api/version``, and the OpenAI protocol's ``/v1/chat/completions`` (server-sent events,
a final usage chunk) and ``/v1/models``. It answers from a script: the first rule whose ``match`` occurs
in the last user message decides the reply, its delay, or an HTTP error.

Run alone (for the browser test, the benchmark or a demo without a GPU):
    python -m tests.support.standin_model --port 11500 --script tests/support/demo_script.json
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import urllib.parse
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
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    owner: StandinModelServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

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
        pieces = _pieces(rule.reply)
        if openai_protocol:
            self._openai(model, rule.reply, pieces, prompt_tokens, body)
            return
        final = {"model": model, "created_at": _now(), "done": True, "done_reason": "stop",
                 "total_duration": 1_000_000, "load_duration": 1000, "prompt_eval_count": prompt_tokens,
                 "prompt_eval_duration": 1000, "eval_count": len(pieces), "eval_duration": 1000}
        if body.get("stream", True):
            self._stream(model, pieces, final)
        else:
            self._send_json(200, {**final, "message": {"role": "assistant", "content": rule.reply}})

    def _stream(self, model: str, pieces: list[str], final: dict[str, Any]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        lines = [{"model": model, "created_at": _now(), "message": {"role": "assistant", "content": p},
                  "done": False} for p in pieces]
        lines.append({**final, "message": {"role": "assistant", "content": ""}})
        try:
            for line in lines:
                data = (json.dumps(line) + "\n").encode()
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test); nothing to tell it


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

    def _openai(self, model: str, reply: str, pieces: list[str], prompt_tokens: int, body: dict[str, Any]) -> None:
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": len(pieces),
                 "total_tokens": prompt_tokens + len(pieces)}
        base = {"id": "chatcmpl-standin", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": model}
        if not body.get("stream"):
            self._send_json(200, {**base, "object": "chat.completion", "usage": usage, "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": reply}}]})
            return
        events = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}]
        events += [{**base, "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]} for p in pieces]
        events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            events.append({**base, "choices": [], "usage": usage})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for data in [json.dumps(e) for e in events] + ["[DONE]"]:
                payload = f"data: {data}\n\n".encode()
                self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass


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
