"""A warning a reader should see before trusting an answer, with its reason (made by ``nlq.checks``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrustCheck:
    kind: str  # fan_out, empty_values, outside_data, capped, float_money
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "message": self.message}
