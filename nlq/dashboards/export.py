"""A dashboard to send: one self-contained HTML file (interactive charts with Plotly's JavaScript inlined,
tables, each tile's SQL and the time of its data; nothing is fetched from outside, so it opens offline and
leaks no viewer's address to a CDN) and an Excel workbook with one sheet per tile plus a provenance sheet.

Both are made from a refresh's results (``nlq.dashboards.refresh``), so what is sent is what the viewer saw.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence
from datetime import UTC, datetime

import pandas as pd
from plotly.offline import get_plotlyjs

from nlq.answer import slugify
from nlq.dashboards.refresh import TileResult
from nlq.export import write_frame
from nlq.figures import build_figure
from nlq.formats import column_formats, format_value
from nlq.store.dashboards import StoredDashboard

HTML_ROWS = 200  # rows of each tile's table in the HTML file; the Excel file has them all
SHEET_CHARS = 31  # Excel's limit on a sheet name
PROVENANCE_SHEET = "provenance"
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}  # no Plotly logo linking out
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1f2933;background:#f7f8fa}
h1{margin:0 0 4px}header p{color:#52606d;margin:0 0 16px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px}
.tile{background:#fff;border:1px solid #d9dde3;border-radius:8px;padding:14px;overflow:auto}
.tile h2{font-size:1.1rem;margin:0 0 2px}.meta{color:#52606d;font-size:.85rem;margin:0 0 8px}
.kpi{display:flex;gap:24px}.kpi div{font-size:1.8rem;font-weight:600}
.kpi span{display:block;font-size:.8rem;color:#52606d}
table{border-collapse:collapse;font-size:.85rem;margin-top:8px}th,td{border-bottom:1px solid #e4e7eb;padding:3px 8px}
td.n{text-align:right}.error{background:#fff4e5;border-left:4px solid #e8a33d;padding:8px}
pre{white-space:pre-wrap;background:#f0f2f5;padding:8px;font-size:.8rem}
"""


def dashboard_html(dashboard: StoredDashboard, results: Sequence[TileResult], database: str = "",
                   exported_at: datetime | None = None) -> str:
    """The whole dashboard as one HTML document."""
    exported = (exported_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M")
    charted = [_chart(result) for result in results]
    script = f"<script>{get_plotlyjs()}</script>" if any(charted) else ""
    tiles = "\n".join(_tile(result, chart) for result, chart in zip(results, charted, strict=True))
    where = f" from {html.escape(database)}" if database else ""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(dashboard.title)}'
            f"</title><style>{STYLE}</style>{script}</head><body><header><h1>{html.escape(dashboard.title)}</h1>"
            f"<p>Exported by nlq on {exported} UTC{where} · {len(results)} tile{'s' if len(results) != 1 else ''}"
            f" · each tile says when its data was read</p></header><main class=\"grid\">{tiles}</main></body></html>")


def html_filename(dashboard: StoredDashboard) -> str:
    return f"{slugify(dashboard.title) or 'nlq-dashboard'}.html"


def _chart(result: TileResult) -> str:
    answer = result.answer
    if not answer.ok or answer.empty or answer.frame is None:
        return ""
    figure = build_figure(answer.frame, answer.chart, result.chart_type)
    if figure is None:
        return ""
    figure.update_layout(height=360)
    return str(figure.to_html(full_html=False, include_plotlyjs=False, config=PLOTLY_CONFIG,
                              div_id=f"chart-{result.tile.id}"))


def _tile(result: TileResult, chart: str) -> str:
    answer, tile = result.answer, result.tile
    parts = [f'<section class="tile" id="tile-{tile.id}"><h2>{html.escape(tile.title)}</h2>',
             f'<p class="meta">Data of {result.data_at:%Y-%m-%d %H:%M} UTC · {html.escape(_rows(result))}</p>']
    if answer.error is not None:
        hint = f"<br>{html.escape(answer.error.hint)}" if answer.error.hint else ""
        parts.append(f'<div class="error"><strong>{html.escape(answer.error.message)}</strong>{hint}</div>')
    elif answer.summary:
        parts.append(f"<p>{html.escape(answer.summary)}</p>")
    if result.chart_type == "kpi" and answer.ok and answer.frame is not None and not answer.empty:
        parts.append(_kpi(answer.frame, answer.chart.y, result.currency))
    parts.append(chart)
    if answer.ok and answer.frame is not None and not answer.empty:
        parts.append(_table(answer.frame, result.currency))
    parts.append(f"<details><summary>SQL</summary><pre><code>{html.escape(tile.sql)}</code></pre></details>"
                 "</section>")
    return "".join(parts)


def _rows(result: TileResult) -> str:
    answer = result.answer
    if not answer.ok:
        return "could not be refreshed"
    return (answer.row_note or f"{answer.row_count:,} row{'s' if answer.row_count != 1 else ''}")


def _kpi(frame: pd.DataFrame, measures: Sequence[str], currency: str | None) -> str:
    formats = column_formats(frame)
    row = frame.iloc[0]
    cards = "".join(f"<div><span>{html.escape(formats[m].title)}</span>"
                    f"{html.escape(format_value(row[m], formats[m].kind, currency))}</div>" for m in measures)
    return f'<div class="kpi">{cards}</div>'


def _table(frame: pd.DataFrame, currency: str | None) -> str:
    formats = column_formats(frame)
    numeric = {name for name, fmt in formats.items() if fmt.kind not in ("text", "date", "datetime", "id")}
    head = "".join(f"<th>{html.escape(fmt.title)}</th>" for fmt in formats.values())
    body = "".join(
        "<tr>" + "".join(f'<td{" class=n" if name in numeric else ""}>'
                         f"{html.escape(format_value(value, formats[name].kind, currency))}</td>"
                         for name, value in zip(formats, row, strict=True)) + "</tr>"
        for row in frame.head(HTML_ROWS).itertuples(index=False))
    more = f"<p class=\"meta\">The first {HTML_ROWS:,} of {len(frame):,} rows.</p>" if len(frame) > HTML_ROWS else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def dashboard_excel(dashboard: StoredDashboard, results: Sequence[TileResult], database: str = "",
                    exported_at: datetime | None = None) -> bytes:
    """One sheet per tile (its rows, or why it could not be refreshed) and a provenance sheet: for each tile
    its question, SQL, when its data was read, rows, who pinned it, and the dashboard's own facts."""
    exported = (exported_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S")
    names = sheet_names([result.tile.title for result in results])
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for result, name in zip(results, names, strict=True):
            answer = result.answer
            if answer.ok and answer.frame is not None:
                write_frame(writer, answer.frame, name)
            else:
                error = answer.error
                pd.DataFrame({"could not be refreshed": [error.message if error else "",
                                                         error.hint if error else ""]}).to_excel(
                    writer, sheet_name=name, index=False)
        _provenance(dashboard, results, names, database, exported).to_excel(
            writer, sheet_name=PROVENANCE_SHEET, index=False)
        sheet = writer.sheets[PROVENANCE_SHEET]
        for letter, width in {"A": 30, "B": 32, "C": 50, "D": 80, "E": 20, "F": 10, "G": 50}.items():
            sheet.column_dimensions[letter].width = width
    return buffer.getvalue()


def excel_filename(dashboard: StoredDashboard) -> str:
    return f"{slugify(dashboard.title) or 'nlq-dashboard'}.xlsx"


def _provenance(dashboard: StoredDashboard, results: Sequence[TileResult], names: Sequence[str], database: str,
                exported: str) -> pd.DataFrame:
    rows = [{"tile": r.tile.title, "sheet": name, "question": r.tile.question, "sql": r.tile.sql,
             "data read at (UTC)": r.data_at.strftime("%Y-%m-%d %H:%M:%S"),
             "rows": r.answer.row_count if r.answer.ok else None,
             "status": r.answer.status if r.answer.error is None else f"failed: {r.answer.error.message}",
             "database": r.answer.database or database, "pinned by": r.tile.pinned_by,
             "pinned at (UTC)": r.tile.pinned_at.strftime("%Y-%m-%d %H:%M:%S"),
             "dashboard": dashboard.title, "owner": dashboard.owner, "exported at (UTC)": exported}
            for r, name in zip(results, names, strict=True)]
    columns = ["tile", "sheet", "question", "sql", "data read at (UTC)", "rows", "status", "database", "pinned by",
               "pinned at (UTC)", "dashboard", "owner", "exported at (UTC)"]
    return pd.DataFrame(rows, columns=columns)


def sheet_names(titles: Sequence[str]) -> list[str]:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique regardless of case, and never the
    provenance sheet's name."""
    taken = {PROVENANCE_SHEET}
    names = []
    for index, title in enumerate(titles, start=1):
        base = re.sub(r"[\[\]:*?/\\']", " ", title).strip()
        base = " ".join(base.split())[:SHEET_CHARS].rstrip() or f"tile {index}"
        name, copy = base, 2
        while name.lower() in taken:
            suffix = f" ({copy})"
            name, copy = base[:SHEET_CHARS - len(suffix)] + suffix, copy + 1
        taken.add(name.lower())
        names.append(name)
    return names
