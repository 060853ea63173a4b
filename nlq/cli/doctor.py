"""``python -m nlq doctor``: check the set-up in order and say how to fix the first thing wrong."""

from __future__ import annotations

import argparse

from nlq.doctor import diagnose
from nlq.errors import EXIT_DONE, EXIT_UNANSWERED

DOCTOR_STEPS = ("settings", "sign-in", "database", "model server", "model", "reply", "app store")


def run(_args: argparse.Namespace) -> int:
    checks = diagnose()
    for check in checks:
        print(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
        if check.fix:
            print(f"     fix: {check.fix}")
    healthy = all(check.ok for check in checks) and len(checks) >= len(DOCTOR_STEPS)
    print("All checks passed." if healthy else "Fix the first failed check, then run `python -m nlq doctor` again.")
    return EXIT_DONE if healthy else EXIT_UNANSWERED
