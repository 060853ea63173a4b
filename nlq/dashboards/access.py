"""Who may see and change a dashboard, decided here for the pages, the API and the tests alike.

A dashboard is its owner's; an admin may share it, and then everyone signed in may view it (an admin sees
every dashboard, as an admin sees every answer). Only the owner or an admin changes it. A dashboard someone
may not view is "not found" to them, so an id does not reveal that it exists.
"""

from __future__ import annotations

from nlq.access import User, require_admin
from nlq.dashboards.tiles import TileDraft, clean_title
from nlq.errors import AccessDenied, InputError, NotFound
from nlq.store.dashboards import DashboardBook, StoredDashboard

MIN_REFRESH_S, MAX_REFRESH_S = 10, 7 * 24 * 3600
REFRESH_CHOICES = {60: "1 minute", 300: "5 minutes", 900: "15 minutes", 3600: "1 hour", 6 * 3600: "6 hours",
                   24 * 3600: "1 day"}


def may_view(user: User, dashboard: StoredDashboard) -> bool:
    return user.is_admin or dashboard.shared or dashboard.owner == user.id


def may_edit(user: User, dashboard: StoredDashboard) -> bool:
    return user.is_admin or dashboard.owner == user.id


def viewable(book: DashboardBook, user: User) -> list[StoredDashboard]:
    """The dashboards listed for a user: their own and the shared ones (all of them for an admin)."""
    return book.visible(user.id, everyone=user.is_admin)


def editable(book: DashboardBook, user: User) -> list[StoredDashboard]:
    """Where a user may pin: the dashboards they may change."""
    return [d for d in viewable(book, user) if may_edit(user, d)]


def open_dashboard(book: DashboardBook, user: User, dashboard_id: int) -> StoredDashboard:
    """The dashboard with its tiles, or ``NotFound`` when there is none the user may view."""
    found = book.get(dashboard_id)
    if found is None or not may_view(user, found):
        raise NotFound(f"There is no dashboard {dashboard_id} you may view.",
                       "Open the Dashboards page for the ones you may see.")
    return found


def editing(book: DashboardBook, user: User, dashboard_id: int) -> StoredDashboard:
    """The dashboard, when the user may change it; else a typed error saying who may."""
    found = open_dashboard(book, user, dashboard_id)
    if not may_edit(user, found):
        raise AccessDenied(f"Only {found.owner} or an admin may change the dashboard “{found.title}”.",
                           "Pin the answer to a dashboard of your own instead.")
    return found


def pin(book: DashboardBook, user: User, draft: TileDraft, dashboard_id: int | None = None,
        new_title: str = "") -> tuple[int, int]:
    """Pin to an existing dashboard the user may change, or to a new one of theirs titled ``new_title``;
    returns (dashboard id, tile id)."""
    if dashboard_id is None:
        dashboard_id = book.create(clean_title(new_title or "My dashboard"), user.id)
    else:
        editing(book, user, dashboard_id)
    tile_id = book.add_tile(dashboard_id, title=draft.title, question=draft.question, sql=draft.sql,
                            database=draft.database, chart=draft.chart, formatting=draft.formatting,
                            answer_id=draft.answer_id, pinned_by=user.id)
    return dashboard_id, tile_id


def rename(book: DashboardBook, user: User, dashboard_id: int, title: str) -> None:
    editing(book, user, dashboard_id)
    book.update(dashboard_id, title=clean_title(title))


def set_refresh(book: DashboardBook, user: User, dashboard_id: int, seconds: int) -> None:
    """How old a tile's data may get before a viewer's visit runs its SQL again."""
    editing(book, user, dashboard_id)
    if not MIN_REFRESH_S <= seconds <= MAX_REFRESH_S:
        raise InputError(f"A refresh interval of {seconds} s is outside {MIN_REFRESH_S} s to 7 days.",
                         "Pick one of: " + ", ".join(REFRESH_CHOICES.values()) + ".")
    book.update(dashboard_id, refresh_seconds=seconds)


def share(book: DashboardBook, user: User, dashboard_id: int, shared: bool = True) -> None:
    """Admins share (everyone signed in may then view) and unshare."""
    require_admin(user, "share a dashboard")
    open_dashboard(book, user, dashboard_id)
    book.update(dashboard_id, shared=shared)


def delete(book: DashboardBook, user: User, dashboard_id: int) -> None:
    editing(book, user, dashboard_id)
    book.delete(dashboard_id)


def remove_tile(book: DashboardBook, user: User, dashboard_id: int, tile_id: int) -> None:
    dashboard = editing(book, user, dashboard_id)
    _require_tile(dashboard, tile_id)
    book.remove_tile(tile_id)


def rename_tile(book: DashboardBook, user: User, dashboard_id: int, tile_id: int, title: str) -> None:
    dashboard = editing(book, user, dashboard_id)
    _require_tile(dashboard, tile_id)
    book.rename_tile(tile_id, clean_title(title))


def move_tile(book: DashboardBook, user: User, dashboard_id: int, tile_id: int, step: int) -> None:
    """One place earlier (``step`` -1) or later (+1) in the grid."""
    dashboard = editing(book, user, dashboard_id)
    order = [tile.id for tile in dashboard.tiles]
    _require_tile(dashboard, tile_id)
    index = order.index(tile_id)
    target = min(max(index + step, 0), len(order) - 1)
    order.insert(target, order.pop(index))
    book.reorder(dashboard_id, order)


def _require_tile(dashboard: StoredDashboard, tile_id: int) -> None:
    if tile_id not in {tile.id for tile in dashboard.tiles}:
        raise NotFound(f"The dashboard “{dashboard.title}” has no tile {tile_id}.", "Reload the dashboard.")
