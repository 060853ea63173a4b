"""``python -m nlq demo``: (re)build the demo retail database, as SQLite in NLQ_DATA_DIR or at a URL."""

from __future__ import annotations

import argparse

from nlq.demo import build_demo, ensure_demo_file
from nlq.errors import EXIT_DONE
from nlq.settings import load_settings


def run(args: argparse.Namespace) -> int:
    if args.url:
        build = build_demo(args.url)
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
