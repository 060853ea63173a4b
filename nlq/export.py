"""Downloads that carry their provenance: an Excel file whose second sheet says where the data came from."""

from __future__ import annotations

import io

import pandas as pd

from nlq.answer import Answer, slugify

DATA_SHEET, ABOUT_SHEET = "data", "about"


def provenance(answer: Answer) -> pd.DataFrame:
    """The question, the SQL, who/what answered, when, how many rows and from which database."""
    rows = [
        ("question", answer.question),
        ("sql", answer.sql or ""),
        ("route", answer.route.value if answer.route else "none (refused before any route)"),
        ("model", answer.model or "none (answered without a model)"),
        ("asked at (UTC)", answer.asked_at.strftime("%Y-%m-%d %H:%M:%S")),
        ("rows", answer.row_count),
        ("complete", "no: " + (answer.row_note or "") if answer.truncated else "yes"),
        ("database", answer.database or ""),
    ]
    return pd.DataFrame(rows, columns=["field", "value"])


def excel_bytes(answer: Answer) -> bytes:
    frame = answer.frame if answer.frame is not None else pd.DataFrame()
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _without_timezones(frame).to_excel(writer, sheet_name=DATA_SHEET, index=False)
        provenance(answer).to_excel(writer, sheet_name=ABOUT_SHEET, index=False)
    return buffer.getvalue()


def excel_filename(answer: Answer) -> str:
    return f"{slugify(answer.question) or 'nlq-answer'}.xlsx"


def _without_timezones(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel has no time zones; openpyxl refuses aware timestamps, so they are written in UTC."""
    copy = frame.copy()
    for name in copy.columns:
        if isinstance(copy[name].dtype, pd.DatetimeTZDtype):
            copy[name] = copy[name].dt.tz_convert("UTC").dt.tz_localize(None)
    return copy
