"""A dashboard's tiles, fresh: each tile's SQL goes through the same gate as History's re-run (vetted, run
read-only, row-capped), through the app's ``TileCache`` so that viewers within the refresh interval share one
run, and every run that happens is logged like any answer, with its tile id (History shows "from dashboard").

A tile that no longer vets or runs (a table dropped, a column renamed) is an answer with a typed error; the
other tiles are not affected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nlq.answer import Answer
from nlq.cache import database_identity
from nlq.dashboards.cache import Fetched, TileKey
from nlq.dashboards.tiles import chosen_chart, currency_of
from nlq.errors import NlqError
from nlq.pipeline import run_sql
from nlq.services import App
from nlq.store.dashboards import StoredDashboard, StoredTile


@dataclass(frozen=True)
class TileResult:
    tile: StoredTile
    answer: Answer  # its rows, or its typed error
    chart_type: str  # the chart to draw it as (the user's choice, when the fresh result still offers it)
    currency: str | None
    from_cache: bool  # kept from a run within the refresh interval, by this or another viewer

    @property
    def data_at(self) -> datetime:
        """When its rows were read from the database (UTC)."""
        return self.answer.asked_at


def refresh(app: App, dashboard: StoredDashboard, user: str, source: str = "app",
            force: bool = False) -> list[TileResult]:
    """Every tile of the dashboard, in grid order; ``force`` ("Refresh now") runs each one whatever the cache
    holds."""
    return [refresh_tile(app, dashboard, tile, user, source, force) for tile in dashboard.tiles]


def refresh_tile(app: App, dashboard: StoredDashboard, tile: StoredTile, user: str, source: str = "app",
                 force: bool = False) -> TileResult:
    def run() -> Answer:
        answer = run_sql(tile.sql, app.engine, question=tile.question or tile.title, rerun=True)
        app.record(answer, source, user, tile_id=tile.id)  # logged like any answer, with its tile
        return answer

    key = _key(app, tile)
    fetched = Fetched(run(), False) if key is None else app.tiles.fetch(key, dashboard.refresh_seconds, run, force)
    answer = fetched.answer
    return TileResult(tile, answer, chosen_chart(tile, answer.chart), currency_of(tile, answer), fetched.from_cache)


def _key(app: App, tile: StoredTile) -> TileKey | None:
    """None when the schema cannot be read (the run then says why, and nothing is kept)."""
    try:
        fingerprint = app.engine.fingerprint()
    except NlqError:
        return None
    return TileKey(database_identity(app.settings.effective_database_url), fingerprint, tile.sql)


def as_dict(dashboard: StoredDashboard, results: list[TileResult], limit: int = 1000) -> dict[str, Any]:
    """``GET /v1/dashboards/{id}``'s body: the dashboard and each tile with its fresh answer (``ask --json``'s
    object: rows, or the typed error saying why the tile could not be refreshed)."""
    return {"id": dashboard.id, "title": dashboard.title, "owner": dashboard.owner, "shared": dashboard.shared,
            "refresh_seconds": dashboard.refresh_seconds,
            "tiles": [{"id": r.tile.id, "position": r.tile.position, "title": r.tile.title,
                       "question": r.tile.question, "sql": r.tile.sql, "chart_type": r.chart_type,
                       "data_at": r.data_at.isoformat(), "from_cache": r.from_cache,
                       "answer": r.answer.to_dict(limit=limit)} for r in results]}
