"""The shape the project promises: nlq/ runs without streamlit, modules stay small, nothing runs model output."""

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import nlq

ROOT = Path(__file__).parent.parent
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
