"""``python -m nlq settings``: every setting with its default and meaning (docs/settings.md says the same)."""

from __future__ import annotations

import argparse

from nlq.errors import EXIT_DONE
from nlq.settings import settings_markdown, settings_table


def run(args: argparse.Namespace) -> int:
    if args.markdown:
        print(settings_markdown(), end="")
        return EXIT_DONE
    for variable, default, meaning in settings_table():
        print(f"{variable:<22} {default:<26} {meaning}")
    return EXIT_DONE
