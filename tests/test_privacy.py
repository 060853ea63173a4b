"""Nothing leaves: even with LangSmith tracing switched on in the environment, nlq sends it nothing."""

import json
import subprocess
import sys
from pathlib import Path

from tests.support.common import ROOT
from tests.support.standin_model import StandinModelServer

SCRIPT = r"""
import json, os, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
received = []
class Collector(BaseHTTPRequestHandler):
    def do_POST(self):
        received.append(self.path)
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"{}")
    do_PATCH = do_POST
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"{}")
    def log_message(self, *args): pass
server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
threading.Thread(target=server.serve_forever, daemon=True).start()
os.environ.update({"LANGSMITH_TRACING": "true", "LANGSMITH_API_KEY": "test-key",
                   "LANGSMITH_ENDPOINT": f"http://127.0.0.1:{server.server_address[1]}"})
from langchain_core.tracers.langchain import wait_for_all_tracers
from nlq.engine import open_engine
from nlq.pipeline import ask
from nlq.settings import load_settings
from nlq.writer import build_messages
engine = open_engine(load_settings({"NLQ_DATA_DIR": sys.argv[1], "NLQ_MODEL_URL": sys.argv[2], "NLQ_RULES": "false"},
                                   None))
answer = ask("Revenue by region in 2024", engine)  # the model answers: the rules are off
wait_for_all_tracers()
guarded = len(received)
list(engine.writer().chat_model.stream(build_messages("Total revenue", "", "sqlite")))  # control: no guard
wait_for_all_tracers()
print(json.dumps({"ok": answer.ok, "route": answer.route, "guarded": guarded, "unguarded": len(received) - guarded}))
"""


def test_tracing_never_receives_questions(demo_dir: Path, standin: StandinModelServer) -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(demo_dir), standin.url], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["ok"] and result["route"] == "model"
    assert result["unguarded"] > 0, "control: the collector must see an unguarded LangChain call"
    assert result["guarded"] == 0, "nlq's own model calls must never be traced"
