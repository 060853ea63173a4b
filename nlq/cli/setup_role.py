"""``python -m nlq setup-role``: the least-privilege PostgreSQL role nlq should connect as, printed or applied."""

from __future__ import annotations

import argparse

from nlq.cli import names
from nlq.errors import EXIT_DONE
from nlq.roles import apply_role, plan_role, role_url
from nlq.settings import load_settings


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    plan = plan_role(args.db, args.role, names(args.tables) or None, settings.excluded_table_patterns,
                     args.password, settings.column_rules)
    print(plan.script(), end="")
    if args.apply:
        apply_role(args.db, plan)
        print(f"-- Applied. Connect nlq with:\nNLQ_DATABASE_URL={role_url(args.db, plan)}")
    elif not args.password:
        print("-- Dry run: nothing was changed. Add --apply to run it (the password above is random).")
    return EXIT_DONE
