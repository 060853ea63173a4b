"""Every sample database the question sets are written for, on both engines, by name.

The four newer datasets (``lahman``, ``foodmart``, ``oracle_hr_co``, ``murder_mystery``; licences beside
them in tests/data) are kept xz-compressed in the repository and unpacked once into tests/artifacts. The
demo, Chinook and the 11 defog databases come from their own helpers. ``oracle_hr_co`` lives in two
PostgreSQL schemas, reached the way an operator would: the URL's ``search_path`` option.
"""

from __future__ import annotations

import lzma
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import make_url

from nlq.demo import build_demo, ensure_demo_file
from tests.support import chinook, defog
from tests.support.postgres import PostgresServer, server_binary

DATA = Path(__file__).parent.parent / "data"
UNPACKED = Path(__file__).parent.parent / "artifacts" / "datasets"
QUESTIONS = DATA / "questions"
PACKED = ("lahman", "foodmart", "oracle_hr_co", "murder_mystery")
# The question sets, in the order they were written.
HALVES = ("tuning", "heldout", "final", "final2", "final3", "final4", "final5", "final6", "final7")
SEARCH_PATH = {"oracle_hr_co": "hr,co"}


def unpacked(name: str, suffix: str) -> Path:
    """``tests/data/NAME/NAME.SUFFIX.xz`` unpacked once (beside, then renamed: a parallel run never sees half)."""
    target = UNPACKED / f"{name}.{suffix}"
    packed = DATA / name / f"{name}.{suffix}.xz"
    if not target.exists() or target.stat().st_mtime < packed.stat().st_mtime:
        UNPACKED.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{suffix}.partial")
        with lzma.open(packed) as source, partial.open("wb") as sink:
            shutil.copyfileobj(source, sink)
        partial.replace(target)
    return target


def sqlite_url(name: str, folder: Path) -> str | None:
    """A SQLite URL for a dataset, or None where it exists only in PostgreSQL (defog)."""
    if name == "demo":
        path = folder / "demo.sqlite"
        ensure_demo_file(path)
        return f"sqlite:///{path}"
    if name == "chinook":
        return chinook.sqlite_url()
    if name in PACKED:
        return f"sqlite:///{unpacked(name, 'sqlite')}"
    return None


def postgres_urls(server: PostgresServer, names: set[str]) -> dict[str, str]:
    """The named datasets loaded into ``server``; name -> URL."""
    urls: dict[str, str] = {}
    if names & set(defog.database_names()):
        urls.update({k: v for k, v in defog.load_databases(server).items() if k in names})
    loaders: dict[str, Callable[[], str]] = {"demo": lambda: _demo(server),
                                             "chinook": lambda: chinook.load_postgres(server)}
    for name in sorted(names - set(urls)):
        urls[name] = loaders[name]() if name in loaders else load_packed(server, name)
    return urls


def _demo(server: PostgresServer) -> str:
    url = server.create_database("demo")
    build_demo(url)
    return url


def load_packed(server: PostgresServer, name: str) -> str:
    url = server.create_database(name)
    plain = make_url(url)
    libpq = f"postgresql://{plain.username}@{plain.host}:{plain.port}/{plain.database}"
    subprocess.run([server_binary("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", libpq, "-f",
                    str(unpacked(name, "sql"))], check=True, capture_output=True, text=True, timeout=600)
    schema = SEARCH_PATH.get(name)
    return url + (f"?options=-csearch_path%3D{schema}" if schema else "")


def question_files(half: str) -> list[Path]:
    """The question set's files of one half (``tuning`` or ``heldout``), one per database."""
    return sorted((QUESTIONS / half).glob("*.jsonl"))
