"""Start-up time of the command line, as ratios to ``python -c "import sqlalchemy"`` on the same machine:
``--help``, a rules answer (no model) and a model answer (the stand-in model server, its own process) on
the demo database, each the median of --repeat fresh processes. Also lists which heavy packages each one
loaded: a rules answer must load no LangChain, and ``--help`` none of LangChain, Plotly, Streamlit or pandas.

    .venv/bin/python -m bench.startup [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from typing import Any

from bench.overhead import start_standin
from tests.support.imports import HEAVY, run_nlq, run_python

BASELINE = "import sqlalchemy"


def measure(repeat: int) -> dict[str, Any]:
    standin, url = start_standin()
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            env = {"NLQ_DATA_DIR": data_dir, "NLQ_MODEL_URL": url}
            if run_nlq(["demo"], env).returncode:  # built once, outside the timings
                raise RuntimeError("could not build the demo database")
            commands = {
                "--help": (["--help"], {}),
                "settings": (["settings"], {}),
                "rules answer": (["ask", "Total revenue", "--route", "rules"], env),
                "model answer": (["ask", "Total revenue", "--route", "model"], env),
            }
            baseline = statistics.median(run_python(BASELINE) for _ in range(repeat))
            rows = []
            for name, (args, environ) in commands.items():
                runs = [run_nlq(args, environ) for _ in range(repeat)]
                if any(run.returncode for run in runs):
                    raise RuntimeError(f"{name} failed:\n{runs[0].output}")
                seconds = statistics.median(run.seconds for run in runs)
                rows.append({"command": name, "seconds": round(seconds, 3), "ratio": round(seconds / baseline, 1),
                             "heavy_packages": runs[0].heavy()})
    finally:
        standin.terminate()
    return {"baseline": BASELINE, "baseline_seconds": round(baseline, 3), "repeat": repeat, "commands": rows}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = measure(args.repeat)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"python -c \"{BASELINE}\": {report['baseline_seconds']:.2f} s (median of {args.repeat})")
    for row in report["commands"]:
        heavy = ", ".join(row["heavy_packages"]) or "none"
        print(f"  {row['command']:<14} {row['seconds']:>6.2f} s  {row['ratio']:>5.1f}×  heavy packages: {heavy}")
    print(f"(heavy packages looked for: {', '.join(HEAVY)})")


if __name__ == "__main__":
    main()
