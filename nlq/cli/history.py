"""``python -m nlq history``: the newest entries of the answer log, as lines or JSON."""

from __future__ import annotations

import argparse
import json

import pandas as pd

from nlq.errors import EXIT_DONE
from nlq.settings import load_settings
from nlq.store import open_store
from nlq.store.log import as_records


def run(args: argparse.Namespace) -> int:
    store = open_store(load_settings().effective_app_db_url)  # StoreUnavailable: a message and exit 1
    try:
        entries = store.log.entries(limit=max(1, args.limit))
    finally:
        store.close()
    if args.json:
        for entry in as_records(entries):
            print(json.dumps(entry, ensure_ascii=False), flush=True)
        return EXIT_DONE
    if entries.empty:
        print("No questions asked yet.")
    for line in entries.to_dict("records"):
        count = None if line["row_count"] is None or pd.isna(line["row_count"]) else int(line["row_count"])
        rows = "" if count is None else f" · {count:,} row{'' if count == 1 else 's'}"
        print(f"{line['id']:>6}  {line['asked_at']:%Y-%m-%d %H:%M}  {line['user']:<10} {line['route'] or '-':<8} "
              f"{line['status']:<8}  {line['question']}{rows}")
    return EXIT_DONE
