"""``python -m nlq token``: create, list and revoke the HTTP API's tokens (``python -m nlq serve``).

A token is printed once, when it is created: the store keeps only its hash. Each token names the user its
calls are answered and logged as, and the allowlist (NLQ_ALLOWED_USERS) is checked on every call, not here,
so a user removed from it later is refused with their old token.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from nlq.errors import EXIT_DONE, InputError, NotFound
from nlq.settings import load_settings
from nlq.store import AppStore, StoredToken, open_store


def run(args: argparse.Namespace) -> int:
    store = open_store(load_settings().effective_app_db_url)  # StoreUnavailable: a message and exit 1
    try:
        if args.action == "create":
            return _create(store, args.user)
        if args.action == "revoke":
            return _revoke(store, args.id)
        return _list(store, args.json)
    finally:
        store.close()


def api_user(text: str) -> str:
    """A token's user as the answer log names users: the lower-cased e-mail address."""
    user = text.strip().lower()
    local, _, domain = user.rpartition("@")
    if not local or "." not in domain or any(c.isspace() for c in user):
        raise InputError(f"{text!r} is not an e-mail address.",
                         "Name the user as signing in names them, e.g. --user ana@example.com.")
    return user


def _create(store: AppStore, user: str) -> int:
    user = api_user(user)
    token_id, token = store.tokens.create(user)
    print(token)
    print(f"Token {token_id} for {user}: send it as 'Authorization: Bearer <token>'. It is shown only "
          "now; nlq keeps only its hash.", flush=True)
    return EXIT_DONE


def _revoke(store: AppStore, token_id: int) -> int:
    if not store.tokens.revoke(token_id):
        raise NotFound(f"There is no token {token_id}.", "See the tokens with `python -m nlq token list`.")
    print(f"Token {token_id} is revoked: calls with it now answer 401.")
    return EXIT_DONE


def _list(store: AppStore, as_json: bool) -> int:
    tokens = store.tokens.all()
    if as_json:
        for token in tokens:
            print(json.dumps(_record(token), ensure_ascii=False))
        return EXIT_DONE
    if not tokens:
        print("No tokens yet: `python -m nlq token create --user EMAIL` makes one.")
    for token in tokens:
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never used"
        revoked = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "active"
        print(f"{token.id:>4}  {token.user:<30} created {token.created_at:%Y-%m-%d %H:%M}  {used:<16}  {revoked}")
    return EXIT_DONE


def _record(token: StoredToken) -> dict[str, object]:
    def iso(moment: datetime | None) -> str | None:
        return None if moment is None else moment.isoformat()

    return {"id": token.id, "user": token.user, "created": iso(token.created_at), "last_used": iso(token.last_used_at),
            "revoked": iso(token.revoked_at)}
