from pathlib import Path

from nlq.database import Database
from nlq.schema import inspect_schema


def test_schema_reads_tables_keys_and_sample_values(demo_dir: Path) -> None:
    database = Database(f"sqlite:///{demo_dir / 'demo.sqlite'}")
    schema = inspect_schema(database)
    assert "orders" in schema.table_names and "order_lines" in schema.table_names
    orders = schema.table("orders")
    assert orders is not None
    assert orders.column("order_id").primary_key
    assert orders.column("customer_id").references == "customers.customer_id"
    assert set(orders.column("channel").samples) == {"Online", "Retail store", "Partner"}
    assert schema.table("customers").column("name").samples == (), "high-cardinality text gets no samples"
    assert schema.table("order_lines").column("quantity").samples == (), "numbers get no samples"
    database.dispose()


def test_rendered_schema_is_compact_ddl(demo_dir: Path) -> None:
    database = Database(f"sqlite:///{demo_dir / 'demo.sqlite'}")
    text = inspect_schema(database).render()
    assert "CREATE TABLE orders (" in text
    assert "customer_id INTEGER REFERENCES customers(customer_id)" in text
    assert "values: 'Online'" in text
    assert len(text) < 6000, "the demo schema should fit a small model's context easily"
    database.dispose()


def test_postgres_schema_includes_comments(pg_demo_url: str) -> None:
    database = Database(pg_demo_url)
    schema = inspect_schema(database)
    assert schema.dialect == "postgresql"
    assert "Revenue of a line" in (schema.table("order_lines").comment or "")
    assert schema.table("orders").column("channel").comment
    assert "-- Customer orders." in schema.render()
    database.dispose()
