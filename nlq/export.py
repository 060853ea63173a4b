"""Downloads that carry their provenance: an Excel file whose second sheet says where the data came from."""

from __future__ import annotations

import io

import pandas as pd
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from nlq.answer import Answer, slugify
from nlq.formats import column_formats, excel_number_format, without_float_noise

DATA_SHEET, ABOUT_SHEET = "data", "about"


def provenance(answer: Answer) -> pd.DataFrame:
    """The question, the SQL, who/what answered, when, how many rows and from which database — and, for an
    answer from the verified route, the verified answer it rests on, who verified it and when."""
    rows: list[tuple[str, object]] = [
        ("question", answer.question),
        ("sql", answer.sql or ""),
        ("route", answer.route.value if answer.route else "none (refused before any route)"),
        ("model", answer.model or "none (answered without a model)"),
        *_verified_rows(answer),
        ("asked at (UTC)", answer.asked_at.strftime("%Y-%m-%d %H:%M:%S")),
        ("rows", answer.row_count),
        ("complete", "no: " + (answer.row_note or "") if answer.truncated else "yes"),
        ("database", answer.database or ""),
        ("summary", answer.summary or ""),
        ("what the SQL does", " ".join(answer.explanation)),
        ("checks", " ".join(check.message for check in answer.checks) or "none"),
    ]
    return pd.DataFrame(rows, columns=["field", "value"])


def _verified_rows(answer: Answer) -> list[tuple[str, object]]:
    mark = answer.verified
    if mark is None:
        return [("verified answer", "none (not answered from a verified answer)")]
    return [("verified answer", f"{mark.id}: {mark.title or mark.question}"), ("verified by", mark.verified_by),
            ("verified at (UTC)", mark.verified_at.strftime("%Y-%m-%d %H:%M:%S"))]


def excel_bytes(answer: Answer) -> bytes:
    """The data sheet with its columns titled in words, number formats by meaning and widths that fit."""
    frame = answer.frame if answer.frame is not None else pd.DataFrame()
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        write_frame(writer, frame, DATA_SHEET)
        provenance(answer).to_excel(writer, sheet_name=ABOUT_SHEET, index=False)
        writer.sheets[ABOUT_SHEET].column_dimensions["B"].width = 100
    return buffer.getvalue()


def write_frame(writer: pd.ExcelWriter, frame: pd.DataFrame, sheet_name: str) -> None:
    """One result as a sheet, as every nlq download writes it (an answer's file, a dashboard's tiles)."""
    formats = column_formats(frame)
    data = _without_timezones(without_float_noise(frame))
    data.columns = [formats[str(c)].title for c in frame.columns]
    data.to_excel(writer, sheet_name=sheet_name, index=False)
    sheet = writer.sheets[sheet_name]
    for index, name in enumerate(frame.columns, start=1):
        fmt = formats[str(name)]
        letter = get_column_letter(index)
        number_format = excel_number_format(fmt.kind)
        for cell in sheet[letter][1:]:
            if number_format:
                cell.number_format = number_format
        longest = max([len(fmt.title), *(len(str(v)) for v in frame[name].head(200))])
        sheet.column_dimensions[letter].width = min(60, longest + 2)


def excel_filename(answer: Answer) -> str:
    return f"{slugify(answer.question) or 'nlq-answer'}.xlsx"


def _without_timezones(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel has no time zones; openpyxl refuses aware timestamps, so they are written in UTC."""
    copy = frame.copy()
    for name in copy.columns:
        if isinstance(copy[name].dtype, pd.DatetimeTZDtype):
            copy[name] = copy[name].dt.tz_convert("UTC").dt.tz_localize(None)
    return copy
