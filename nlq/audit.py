"""Every answer goes into the app store's log, from the app and the CLI alike.

A store that cannot be written must not cost the user their answer: the failure is logged (with the
traceback, for the operator) and the answer is still shown.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from nlq.answer import Answer
from nlq.errors import NlqError
from nlq.resources import Resources

LOCAL_USER = "local"  # without sign-in (issue 7 brings it), everyone is the one local user
log = logging.getLogger("nlq")


def record(resources: Resources, answer: Answer, source: str, user: str = LOCAL_USER) -> int | None:
    """The answer's id in the log, or None when the store could not be written."""
    try:
        return resources.app_store().log.record(answer, user, source)
    except (SQLAlchemyError, NlqError, OSError):
        log.exception("could not record the answer to %r in the app store", answer.question)
        return None
