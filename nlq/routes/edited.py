"""The edited route: SQL an analyst wrote or corrected. No model, but exactly the same gate as a model's."""

from __future__ import annotations

from nlq.route import Route
from nlq.routes.candidate import Candidate, Propose, Request, RouteContext


def edited(sql: str) -> Propose:
    def by_hand(_request: Request, _context: RouteContext) -> Candidate:
        return Candidate(Route.EDITED, "SQL written or edited by hand, vetted and run like any other.", sql=sql)

    return by_hand
