import hashlib
import time
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from nlq.demo import ensure_demo_file


def _query(path: Path, sql: str) -> list[tuple]:
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        rows = [tuple(r) for r in connection.execute(text(sql))]
    engine.dispose()
    return rows


def test_demo_has_related_tables_and_enough_rows(demo_dir: Path) -> None:
    path = demo_dir / "demo.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    inspector = inspect(engine)
    tables = inspector.get_table_names()
    assert len(tables) >= 8
    for table in tables:
        assert inspector.get_pk_constraint(table)["constrained_columns"], f"{table} has no primary key"
    foreign_keys = sum(len(inspector.get_foreign_keys(t)) for t in tables)
    assert foreign_keys >= 9
    engine.dispose()
    assert _query(path, "SELECT COUNT(*) FROM order_lines")[0][0] >= 50_000


def test_demo_covers_three_full_years_with_seasonality_and_growth(demo_dir: Path) -> None:
    path = demo_dir / "demo.sqlite"
    years = _query(path, "SELECT strftime('%Y', order_date) AS y, COUNT(*) FROM orders GROUP BY y ORDER BY y")
    assert [y for y, _ in years] == ["2023", "2024", "2025"]
    counts = [n for _, n in years]
    assert counts == sorted(counts), "orders should grow year on year"
    months = dict(_query(path, "SELECT strftime('%m', order_date), COUNT(*) FROM orders GROUP BY 1"))
    assert months["12"] > 1.5 * months["02"], "December should clearly beat February"
    biggest = _query(path, "SELECT MAX(quantity) FROM order_lines")[0][0]
    assert biggest >= 300, "a few bulk orders make outliers"


def test_demo_is_deterministic_and_built_quickly(tmp_path: Path) -> None:
    digests = []
    for name in ("a", "b"):
        started = time.perf_counter()
        ensure_demo_file(tmp_path / name / "demo.sqlite")
        assert time.perf_counter() - started < 10
        rows = _query(tmp_path / name / "demo.sqlite",
                      "SELECT order_id, customer_id, order_date, channel, status FROM orders ORDER BY order_id")
        digests.append(hashlib.sha256(repr(rows).encode()).hexdigest())
    assert digests[0] == digests[1]


def test_existing_demo_file_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite"
    assert ensure_demo_file(path) is not None
    before = path.stat().st_mtime_ns
    assert ensure_demo_file(path) is None
    assert path.stat().st_mtime_ns == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".demo-")], "no temporary file left behind"
