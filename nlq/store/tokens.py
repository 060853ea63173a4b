"""The HTTP API's tokens (``python -m nlq token``, ``python -m nlq serve``): each one names the user whose
answers it asks for. Only a token's sha256 is stored, so the token is printed once, at creation, and a leaked
copy of the store cannot be used to call the API; revoking keeps the row, so ``token list`` still shows it."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from nlq.store.boundary import inserted_id, store_operation
from nlq.store.tables import api_tokens


@dataclass(frozen=True)
class StoredToken:
    id: int
    user: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def token_hash(token: str) -> str:
    """What the store keeps of a token: a token has 256 random bits, so a plain sha256 cannot be reversed."""
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class TokenBook:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @store_operation("written")
    def create(self, user: str) -> tuple[int, str]:
        """A new token for ``user``: its id and the token itself, which is never stored nor shown again."""
        token = secrets.token_urlsafe(32)
        with self.engine.begin() as connection:
            new_id = inserted_id(connection, insert(api_tokens).values(
                user=user, token_hash=token_hash(token), created_at=_now()), "token")
        return new_id, token

    @store_operation("read")
    def all(self) -> list[StoredToken]:
        query = select(api_tokens.c.id, api_tokens.c.user, api_tokens.c.created_at, api_tokens.c.last_used_at,
                       api_tokens.c.revoked_at).order_by(api_tokens.c.id)
        with self.engine.connect() as connection:
            return [StoredToken(*row) for row in connection.execute(query)]

    @store_operation("written")
    def revoke(self, token_id: int) -> bool:
        """False when there is no such token; revoking a revoked token again changes nothing."""
        with self.engine.begin() as connection:
            found = connection.execute(select(api_tokens.c.revoked_at).where(api_tokens.c.id == token_id)).first()
            if found is None:
                return False
            if found[0] is None:
                connection.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=_now()))
            return True

    @store_operation("written")
    def use(self, token: str) -> StoredToken | None:
        """The live token ``token`` is, its last use set to now; None for an unknown or revoked one."""
        hashed = token_hash(token)
        query = select(api_tokens.c.id, api_tokens.c.user, api_tokens.c.created_at, api_tokens.c.last_used_at,
                       api_tokens.c.revoked_at).where(api_tokens.c.token_hash == hashed)
        with self.engine.begin() as connection:
            row = connection.execute(query).first()
            if row is None or row.revoked_at is not None:
                return None
            now = _now()
            connection.execute(update(api_tokens).where(api_tokens.c.id == row.id).values(last_used_at=now))
        return StoredToken(row.id, row.user, row.created_at, now, None)
