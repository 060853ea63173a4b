"""Every answer goes into the app store's log, from the app and the CLI alike.

A store that cannot be written must not cost the user their answer: the failure is logged in one line
for the operator, and the answer is still shown.
"""

from __future__ import annotations

import logging

from alembic.util.exc import CommandError as AlembicError
from sqlalchemy.exc import SQLAlchemyError

from nlq.access import LOCAL_USER_ID
from nlq.answer import Answer
from nlq.database import first_line
from nlq.errors import NlqError
from nlq.logs import answer_fields
from nlq.resources import Resources

log = logging.getLogger("nlq")


def record(resources: Resources, answer: Answer, source: str, user: str = LOCAL_USER_ID) -> int | None:
    """The answer's id in the log, or None when the store could not be written."""
    try:
        answer_id = resources.app_store().log.record(answer, user, source)
    except (SQLAlchemyError, NlqError, OSError, AlembicError) as error:
        log.warning("could not record the answer in the app store (%s); check NLQ_APP_DB_URL", first_line(error))
        answer_id = None
    log.info("answer", extra={"fields": answer_fields(answer, answer_id, resources.settings.log_questions)})
    return answer_id
