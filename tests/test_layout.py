"""The shape the project promises: nlq/ runs without streamlit, modules stay small, nothing runs model output."""

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import nlq
from tests.support.common import ROOT
from tests.support.imports import run_nlq
from tests.support.standin_model import StandinModelServer

MAX_MODULE_LINES = 400
BLOCK_STREAMLIT = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "streamlit" or name.startswith("streamlit."):
            raise ImportError("streamlit is blocked for this test")
sys.meta_path.insert(0, Block())
import importlib
for name in sys.argv[1:]:
    importlib.import_module(name)
print("imported", len(sys.argv) - 1)
"""


def _nlq_modules() -> list[str]:
    return ["nlq"] + [m.name for m in pkgutil.walk_packages(nlq.__path__, "nlq.") if m.name != "nlq.__main__"]


def test_every_nlq_module_imports_without_streamlit() -> None:
    modules = _nlq_modules()
    assert len(modules) >= 14
    done = subprocess.run([sys.executable, "-c", BLOCK_STREAMLIT, *modules], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"imported {len(modules)}"


def test_streamlit_block_really_blocks() -> None:
    done = subprocess.run([sys.executable, "-c", BLOCK_STREAMLIT, "streamlit"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0


def _python_files() -> list[Path]:
    return [p for folder in ("nlq", "ui", "pages") for p in (ROOT / folder).rglob("*.py")] + [
        ROOT / "streamlit_app.py"]


def test_modules_stay_small() -> None:
    too_long = {str(p.relative_to(ROOT)): n for p in _python_files()
                if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert not too_long


def test_no_exec_or_eval_anywhere() -> None:
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"exec", "eval", "compile"}, f"{path}:{node.lineno}"


def test_streamlit_is_kept_offline() -> None:
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    for line in ('gatherUsageStats = false', 'address = "localhost"', 'serverAddress = "localhost"',
                 'fileWatcherType = "none"', 'toolbarMode = "viewer"'):
        assert line in config


FORBIDDEN_FOR_QUICK_COMMANDS = {"langchain_core", "langchain_ollama", "langchain_openai", "langsmith", "openai",
                                "ollama", "plotly", "streamlit", "pandas"}
MODEL_LIBRARIES = {"langchain_core", "langchain_ollama", "langchain_openai", "langsmith", "openai", "ollama"}


@pytest.mark.parametrize(("args", "stdin"), [
    (["--help"], ""),
    (["settings"], ""),
    (["vet", "--tables", "regions"], '{"id": 1, "sql": "SELECT name FROM regions"}\n'),
])
def test_quick_commands_load_no_model_library_plotly_or_pandas(args: list[str], stdin: str) -> None:
    run = run_nlq(args, stdin=stdin)
    assert run.returncode == 0, run.output
    assert not run.packages & FORBIDDEN_FOR_QUICK_COMMANDS, sorted(run.packages & FORBIDDEN_FOR_QUICK_COMMANDS)


def test_a_rules_answer_loads_no_model_library_but_a_model_answer_does(demo_dir: Path,
                                                                       standin: StandinModelServer) -> None:
    env = {"NLQ_DATA_DIR": str(demo_dir), "NLQ_MODEL_URL": standin.url, "NLQ_CACHE": "false"}
    by_rules = run_nlq(["ask", "Total revenue", "--route", "rules", "--json"], env)
    assert by_rules.returncode == 0 and '"route": "rules"' in by_rules.output, by_rules.output
    assert not by_rules.packages & (MODEL_LIBRARIES | {"plotly", "streamlit"})
    by_model = run_nlq(["ask", "Total revenue", "--route", "model", "--json"], env)
    assert by_model.returncode == 0 and '"route": "model"' in by_model.output, by_model.output
    assert {"langchain_core", "langchain_ollama"} <= by_model.packages, "the probe sees what a command loads"
    assert not by_model.packages & {"plotly", "streamlit"}


def test_the_engine_never_imports_the_app_store() -> None:
    """An engine that needs nothing but its database and its model: the store is wired in from outside."""
    routes = [str(path.relative_to(ROOT)) for path in (ROOT / "nlq" / "routes").glob("*.py")]
    engine_side = ["nlq/engine.py", "nlq/pipeline.py", *routes]
    for name in engine_side:
        imported = {node.module for node in ast.walk(ast.parse((ROOT / name).read_text()))
                    if isinstance(node, ast.ImportFrom) and node.module}
        assert not {m for m in imported if m.startswith(("nlq.store", "nlq.services", "nlq.teaching"))}, name


def test_no_module_imports_another_modules_private_names() -> None:
    """A name another module needs is public: importing ``_name`` across modules hides a shared contract."""
    private = [f"{path.relative_to(ROOT)}:{node.lineno} {alias.name}" for path in _python_files()
               for node in ast.walk(ast.parse(path.read_text()))
               if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(("nlq", "ui"))
               for alias in node.names if alias.name.startswith("_") and not alias.name.startswith("__")]
    assert not private


def test_the_module_map_names_every_module_and_page() -> None:
    """docs/architecture.md is where a newcomer looks a module up: a module missing from it is one nobody finds."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    engine = [p for p in (ROOT / "nlq").iterdir() if not p.name.startswith(("_", "."))
              and (p.suffix == ".py" or (p / "__init__.py").exists())]
    front = [*(ROOT / "ui").glob("[!_]*.py"), *(ROOT / "pages").glob("*.py")]
    missing = [str(p.relative_to(ROOT)) + ("/" if p.is_dir() else "") for p in [*engine, *front]
               if f"`{p.relative_to(ROOT)}" not in text]
    assert not missing
