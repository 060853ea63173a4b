"""``python -m nlq serve``: the HTTP API (``nlq.api``) on a port, for other tools to ask nlq questions.

It binds to 127.0.0.1 unless told otherwise: the API answers anyone holding a token, so exposing it beyond the
machine is a choice to make on purpose (``--host 0.0.0.0`` behind a TLS proxy). Its log is nlq's JSON lines
on stdout, one per answer, as the app writes them.
"""

from __future__ import annotations

import argparse
import logging

import uvicorn

from nlq.api import build_api
from nlq.errors import EXIT_DONE
from nlq.logs import configure_json_logging
from nlq.services import open_app
from nlq.settings import load_settings


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_json_logging()
    api = build_api(open_app(settings))
    logging.getLogger("nlq").info("serving", extra={"fields": {"event": "serve", "url": f"http://{args.host}:"
                                                               f"{args.port}/v1/",
                                                               "rate_per_minute": settings.api_rate_per_minute}})
    # uvicorn's own text logs stay off (log_config=None): stdout carries only nlq's JSON lines.
    uvicorn.run(api, host=args.host, port=args.port, log_config=None, access_log=False, server_header=False)
    return EXIT_DONE
