"""The embedded demo database: a realistic retail company, so nlq answers something on its first start.

``python -m nlq demo`` writes it to a SQLite file (the default) or, with ``--url``, to PostgreSQL.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL, make_url

from nlq.database import DEFAULT_CONNECT_TIMEOUT_S, connect_args
from nlq.demo.data import generate
from nlq.demo.tables import TABLES_IN_ORDER, metadata

EXAMPLE_QUESTIONS = (
    "Revenue by region in 2024",
    "Monthly revenue in 2025",
    "Top 10 products by revenue",
    "How many orders per sales channel?",
    "Average order value by customer segment",
    "Revenue by product category and year",
    "Which categories have the most returns?",
    "Total revenue",
)
INSERT_BATCH = 5000


@dataclass(frozen=True)
class DemoBuild:
    url: str
    row_counts: dict[str, int]
    seconds: float


def build_demo(url: str) -> DemoBuild:
    """(Re)create the demo tables at ``url`` and fill them; existing demo tables there are replaced."""
    started = time.perf_counter()
    rows = generate()
    engine = create_engine(url, connect_args=connect_args(make_url(url), DEFAULT_CONNECT_TIMEOUT_S))
    try:
        with engine.begin() as connection:
            existing = set(inspect(connection).get_table_names())
            for table in reversed(TABLES_IN_ORDER):
                if table.name in existing:
                    table.drop(connection)
            metadata.create_all(connection)
            for table in TABLES_IN_ORDER:
                table_rows = rows.tables[table.name]
                for start in range(0, len(table_rows), INSERT_BATCH):
                    connection.execute(table.insert(), table_rows[start : start + INSERT_BATCH])
    finally:
        engine.dispose()
    counts = {table.name: len(rows.tables[table.name]) for table in TABLES_IN_ORDER}
    return DemoBuild(url=url, row_counts=counts, seconds=time.perf_counter() - started)


def ensure_demo_file(path: Path) -> DemoBuild | None:
    """Build the SQLite demo at ``path`` unless it exists; built beside it and renamed, so a crash or a
    second app instance starting at the same moment never sees a half-written database."""
    if path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".demo-", suffix=".sqlite", dir=path.parent)
    os.close(handle)
    os.unlink(temporary)
    try:
        build = build_demo(URL.create("sqlite", database=temporary).render_as_string())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return DemoBuild(url=URL.create("sqlite", database=str(path)).render_as_string(),
                     row_counts=build.row_counts, seconds=build.seconds)
