"""Structured logs: one JSON object per line on stdout, for the container's log collector.

Every answer is logged with its id in the app store, route, status, timings, model and tokens, what left
the machine, and — for an answer from the verified route — which verified answer it rests on, who verified
it and when (so an auditor can trace it without the store). The question text and the SQL are left out
unless ``NLQ_LOG_QUESTIONS`` is on (the app store keeps them, under its own access control); result rows are
never logged.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from nlq.answer import Answer

LOGGER = "nlq"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage(),
        }
        payload.update(getattr(record, "fields", {}))
        if record.exc_info:
            payload["traceback"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


def configure_json_logging(stream: TextIO | None = None) -> None:
    """nlq's logger writes JSON lines to ``stream`` (stdout); safe to call more than once."""
    logger = logging.getLogger(LOGGER)
    for handler in list(logger.handlers):
        if getattr(handler, "nlq_json", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonFormatter())
    handler.nlq_json = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def answer_fields(answer: Answer, answer_id: int | None, with_question: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "event": "answer", "answer_id": answer_id, "route": answer.route, "model": answer.model,
        "status": answer.status, "error_kind": answer.error.kind if answer.error else None,
        "rows": answer.row_count if answer.ok else None,
        "timings_ms": {step: round(ms, 1) for step, ms in answer.timings_ms.items()},
        "tokens": {"prompt": answer.prompt_tokens, "completion": answer.completion_tokens},
        "sent_to": answer.sent_to, "verified": verified_fields(answer),
    }
    if with_question:
        fields.update(question=answer.question, sql=answer.sql)
    return fields


def verified_fields(answer: Answer) -> dict[str, Any] | None:
    """The verified answer behind ``answer``: its id, who verified it and when — not its question, which is a
    question like any other and stays out of the log unless ``NLQ_LOG_QUESTIONS`` is on."""
    mark = answer.verified
    if mark is None:
        return None
    return {"id": mark.id, "verified_by": mark.verified_by, "verified_at": mark.verified_at.isoformat()}
