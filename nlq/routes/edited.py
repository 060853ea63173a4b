"""The edited route: SQL an analyst wrote or corrected. No model, but exactly the same gate as a model's."""

from __future__ import annotations

from nlq.route import Route
from nlq.routes.candidate import Candidate, Propose, Request, RouteContext

REASONS = {Route.EDITED: "SQL written or edited by hand, vetted and run like any other.",
           Route.RERUN: "Re-run from History: an earlier answer's SQL, vetted and run again on today's data."}


def edited(sql: str, route: Route = Route.EDITED) -> Propose:
    def by_hand(_request: Request, _context: RouteContext) -> Candidate:
        return Candidate(route, REASONS[route], sql=sql)

    return by_hand
