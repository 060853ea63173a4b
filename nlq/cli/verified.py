"""``python -m nlq verified``: list, add, check and delete verified answers from a terminal.

Whoever runs the CLI holds the store and the settings already, so acts as an admin, as on a single-user
install; ``--by`` names who vouches (the badge's "Verified by …"). Adding runs the SQL first, exactly as the
app's "Mark verified" does: it is saved only when it passes vetting and runs on the current schema.
"""

from __future__ import annotations

import argparse
import json
import os

from nlq.access import LOCAL_USER, User
from nlq.errors import EXIT_DONE, EXIT_UNANSWERED, NotFound
from nlq.services import App, open_app
from nlq.settings import load_settings
from nlq.store.verified import StoredVerified
from nlq.teaching import check_verified_for_schema_change, delete_verified, verify


def run(args: argparse.Namespace) -> int:
    app = open_app(load_settings(dict(os.environ)))
    try:
        store = app.store.get()  # StoreUnavailable: a message and exit 1
        if args.action == "add":
            return _add(app, args)
        if args.action == "check":
            stale = check_verified_for_schema_change(store, app.engine)
            print(f"{len(stale)} verified answer(s) went stale" + (f": {', '.join(map(str, stale))}" if stale else "."))
            return EXIT_DONE
        if args.action == "delete":
            if store.verified.get(args.id) is None:
                raise NotFound(f"There is no verified answer {args.id}.",
                               "See them with `python -m nlq verified list`.")
            delete_verified(store, app.engine, args.id, LOCAL_USER)
            print(f"Verified answer {args.id} is deleted.")
            return EXIT_DONE
        return _list(store.verified.all(), args.json)
    finally:
        app.close()


def _add(app: App, args: argparse.Namespace) -> int:
    admin = User(args.by.strip() or LOCAL_USER.id, args.by, is_admin=True, signed_in=False)
    answer = verify(app.store.get(), app.engine, admin, args.question, args.sql, args.title)
    if answer.error is not None:
        print(f"Not verified: {answer.error.message}\n{answer.error.hint}".rstrip())
        return EXIT_UNANSWERED
    print(f"Verified: “{args.question}” is answered with this SQL first ({answer.row_count:,} rows today).")
    return EXIT_DONE


def _list(found: list[StoredVerified], as_json: bool) -> int:
    if as_json:
        for item in found:
            print(json.dumps({"id": item.id, "status": item.status, "question": item.question, "title": item.title,
                              "sql": item.sql, "verified_by": item.verified_by,
                              "verified_at": item.verified_at.isoformat(), "note": item.note}, ensure_ascii=False))
        return EXIT_DONE
    if not found:
        print("No verified answers yet: an admin marks one in the app, or `python -m nlq verified add`.")
    for item in found:
        print(f"{item.id:>4}  {item.status:<8}  {item.verified_by:<28} {item.verified_at:%Y-%m-%d}  {item.question}")
        if item.note:
            print(f"      {item.note}")
    return EXIT_DONE
