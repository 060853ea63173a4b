"""Dashboards and their tiles in the app store: what to run (a tile's SQL, chart choice and formatting), never
what it returned — a tile's rows are always fetched again, vetted and read-only, when someone looks.

Who may see or change a dashboard is decided in ``nlq.dashboards``; this book only reads and writes, and its
``visible`` query applies the same rule so that a list never shows what a viewer may not open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, func, insert, or_, select, true, update

from nlq.store.boundary import inserted_id, store_operation
from nlq.store.tables import answers, dashboard_tiles, dashboards

DEFAULT_REFRESH_S = 3600  # the migration's default: how old a tile's data may get before a viewer runs it again


@dataclass(frozen=True)
class StoredTile:
    id: int
    dashboard_id: int
    position: int
    title: str
    question: str
    sql: str
    database: str | None
    chart: str | None  # JSON, see nlq.dashboards.tiles
    formatting: str | None  # JSON
    answer_id: int | None
    pinned_by: str
    pinned_at: datetime


@dataclass(frozen=True)
class StoredDashboard:
    id: int
    title: str
    owner: str
    shared: bool
    refresh_seconds: int
    created_at: datetime
    updated_at: datetime
    tiles: tuple[StoredTile, ...] = ()


@dataclass(frozen=True)
class TileOrigin:
    """Where an answer in the log came from when a dashboard tile's refresh asked it (History says so)."""

    dashboard_id: int | None
    dashboard_title: str | None  # None: the dashboard or tile has been deleted since
    tile_id: int
    tile_title: str | None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _dashboard(row: Any, tiles: tuple[StoredTile, ...] = ()) -> StoredDashboard:
    return StoredDashboard(row.id, row.title, row.owner, bool(row.shared), int(row.refresh_seconds),
                           row.created_at, row.updated_at, tiles)


def _tile(row: Any) -> StoredTile:
    return StoredTile(row.id, row.dashboard_id, row.position, row.title, row.question, row.sql, row.database,
                      row.chart, row.formatting, row.answer_id, row.pinned_by, row.pinned_at)


class DashboardBook:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @store_operation("written")
    def create(self, title: str, owner: str, refresh_seconds: int = DEFAULT_REFRESH_S) -> int:
        now = _now()
        with self.engine.begin() as connection:
            return inserted_id(connection, insert(dashboards).values(
                title=title, owner=owner, shared=False, refresh_seconds=refresh_seconds, created_at=now,
                updated_at=now), "dashboard")

    @store_operation("read")
    def get(self, dashboard_id: int) -> StoredDashboard | None:
        """The dashboard with its tiles in grid order."""
        with self.engine.connect() as connection:
            row = connection.execute(select(dashboards).where(dashboards.c.id == dashboard_id)).first()
            if row is None:
                return None
            tiles = connection.execute(select(dashboard_tiles).where(dashboard_tiles.c.dashboard_id == dashboard_id)
                                       .order_by(dashboard_tiles.c.position, dashboard_tiles.c.id))
            return _dashboard(row, tuple(_tile(tile) for tile in tiles))

    @store_operation("read")
    def visible(self, user: str, everyone: bool = False) -> list[StoredDashboard]:
        """The user's own and the shared ones (every dashboard with ``everyone``, for an admin), without tiles."""
        query = select(dashboards).order_by(func.lower(dashboards.c.title), dashboards.c.id)
        if not everyone:
            query = query.where(or_(dashboards.c.owner == user, dashboards.c.shared == true()))
        with self.engine.connect() as connection:
            return [_dashboard(row) for row in connection.execute(query)]

    @store_operation("written")
    def add_tile(self, dashboard_id: int, *, title: str, question: str, sql: str, database: str | None,
                 chart: str | None, formatting: str | None, answer_id: int | None, pinned_by: str) -> int:
        """A tile at the end of the grid."""
        with self.engine.begin() as connection:
            last = connection.execute(select(func.max(dashboard_tiles.c.position))
                                      .where(dashboard_tiles.c.dashboard_id == dashboard_id)).scalar()
            tile_id = inserted_id(connection, insert(dashboard_tiles).values(
                dashboard_id=dashboard_id, position=0 if last is None else last + 1, title=title,
                question=question, sql=sql, database=database, chart=chart, formatting=formatting,
                answer_id=answer_id, pinned_by=pinned_by, pinned_at=_now()), "tile")
            self._touch(connection, dashboard_id)
        return tile_id

    @store_operation("written")
    def remove_tile(self, tile_id: int) -> None:
        with self.engine.begin() as connection:
            dashboard_id = connection.execute(select(dashboard_tiles.c.dashboard_id)
                                              .where(dashboard_tiles.c.id == tile_id)).scalar()
            connection.execute(delete(dashboard_tiles).where(dashboard_tiles.c.id == tile_id))
            if dashboard_id is not None:
                self._touch(connection, dashboard_id)

    @store_operation("written")
    def reorder(self, dashboard_id: int, tile_ids: list[int]) -> None:
        """Tiles in the given order; tiles not named keep their order after them."""
        with self.engine.begin() as connection:
            present = [row.id for row in connection.execute(
                select(dashboard_tiles.c.id).where(dashboard_tiles.c.dashboard_id == dashboard_id)
                .order_by(dashboard_tiles.c.position, dashboard_tiles.c.id))]
            order = [t for t in tile_ids if t in present] + [t for t in present if t not in tile_ids]
            for position, tile_id in enumerate(order):
                connection.execute(update(dashboard_tiles).where(dashboard_tiles.c.id == tile_id)
                                   .values(position=position))
            self._touch(connection, dashboard_id)

    @store_operation("written")
    def rename_tile(self, tile_id: int, title: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(dashboard_tiles).where(dashboard_tiles.c.id == tile_id).values(title=title))

    @store_operation("written")
    def update(self, dashboard_id: int, *, title: str | None = None, shared: bool | None = None,
               refresh_seconds: int | None = None) -> None:
        """Rename, share or unshare, or change how old a tile's data may get."""
        values: dict[str, Any] = {"updated_at": _now()}
        if title is not None:
            values["title"] = title
        if shared is not None:
            values["shared"] = shared
        if refresh_seconds is not None:
            values["refresh_seconds"] = refresh_seconds
        with self.engine.begin() as connection:
            connection.execute(update(dashboards).where(dashboards.c.id == dashboard_id).values(**values))

    @store_operation("written")
    def delete(self, dashboard_id: int) -> None:
        """The dashboard and its tiles; answers its refreshes logged keep their tile id (History says the
        dashboard is gone)."""
        with self.engine.begin() as connection:
            connection.execute(delete(dashboard_tiles).where(dashboard_tiles.c.dashboard_id == dashboard_id))
            connection.execute(delete(dashboards).where(dashboards.c.id == dashboard_id))

    @store_operation("read")
    def origin(self, answer_id: int) -> TileOrigin | None:
        """The dashboard tile whose refresh an answer-log entry was, or None for a question asked."""
        query = (select(answers.c.tile_id, dashboard_tiles.c.title.label("tile_title"),
                        dashboards.c.id.label("dashboard_id"), dashboards.c.title.label("dashboard_title"))
                 .select_from(answers)
                 .outerjoin(dashboard_tiles, dashboard_tiles.c.id == answers.c.tile_id)
                 .outerjoin(dashboards, dashboards.c.id == dashboard_tiles.c.dashboard_id)
                 .where(answers.c.id == answer_id))
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None or row.tile_id is None:
            return None
        return TileOrigin(row.dashboard_id, row.dashboard_title, row.tile_id, row.tile_title)

    @staticmethod
    def _touch(connection: Any, dashboard_id: int) -> None:
        connection.execute(update(dashboards).where(dashboards.c.id == dashboard_id).values(updated_at=_now()))
