"""Which packages a command really loads: ``python -m nlq …`` run in a fresh interpreter that writes the
top-level names of every imported module to a file as it exits. The start-up benchmark and the layout
tests use it to hold nlq to "imports that match the work"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.support.common import ROOT

HEAVY = ("langchain_core", "langchain_ollama", "langchain_openai", "langsmith", "openai", "ollama", "plotly",
         "streamlit", "pandas")
PROBE = """
import atexit, json, runpy, sys
out = sys.argv[1]
atexit.register(lambda: open(out, "w").write(json.dumps(sorted({name.split(".")[0] for name in sys.modules}))))
sys.argv = ["python -m nlq", *sys.argv[2:]]
runpy.run_module("nlq", run_name="__main__", alter_sys=True)
"""


@dataclass(frozen=True)
class Run:
    seconds: float
    returncode: int
    packages: frozenset[str]
    output: str

    def heavy(self) -> list[str]:
        return [name for name in HEAVY if name in self.packages]


def run_nlq(args: Sequence[str], env: Mapping[str, str] | None = None, stdin: str = "") -> Run:
    """``python -m nlq ARGS`` in a clean interpreter (no NLQ_* from outside unless given)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NLQ_")}
    with tempfile.TemporaryDirectory() as folder:
        listing = Path(folder) / "modules.json"
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", PROBE, str(listing), *args], cwd=ROOT, input=stdin,
                              env={**clean, **(env or {})}, capture_output=True, text=True, timeout=300)
        seconds = time.perf_counter() - started
        packages = frozenset(json.loads(listing.read_text())) if listing.exists() else frozenset()
    return Run(seconds, done.returncode, packages, done.stdout + done.stderr)


def run_python(code: str) -> float:
    """Seconds for ``python -c CODE``: the yardstick the start-up figures are ratios to."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, timeout=120)
    return time.perf_counter() - started
