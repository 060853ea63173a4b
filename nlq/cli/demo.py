"""``python -m nlq demo``: (re)build the demo retail database, as SQLite in NLQ_DATA_DIR or at a URL."""

from __future__ import annotations

import argparse

from sqlalchemy.exc import ArgumentError

from nlq.database import require_driver
from nlq.demo import build_demo, ensure_demo_file
from nlq.errors import EXIT_DONE, InputError, SettingsError
from nlq.settings import load_settings


def run(args: argparse.Namespace) -> int:
    if args.url:
        build = build_demo(_usable(args.url))
    else:
        path = load_settings().demo_database_path
        if path.exists():
            path.unlink()
        built = ensure_demo_file(path)
        assert built is not None  # the file was just removed
        build = built
    total = sum(build.row_counts.values())
    print(f"Demo database written to {build.url} in {build.seconds:.1f} s: {total:,} rows")
    for table, count in build.row_counts.items():
        print(f"  {table:<20} {count:>7,}")
    return EXIT_DONE


def _usable(url: str) -> str:
    """A --url that parses and whose driver is installed; otherwise exit code 2 with what to fix, not a traceback
    from inside the build."""
    try:
        require_driver(url, "--url")
    except ArgumentError:
        raise InputError(f"--url {url!r} is not a database URL.",
                         "Pass a SQLAlchemy URL such as postgresql://user:pw@host/db.") from None
    except SettingsError as error:  # an argument, not a setting: the same words, as bad input
        raise InputError(error.message, error.hint) from None
    return url
