"""The demo retail database's tables, declared once for every dialect (SQLite file or PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Integer, MetaData, Numeric, String, Table

metadata = MetaData()

regions = Table(
    "regions",
    metadata,
    Column("region_id", Integer, primary_key=True),
    Column("name", String(40), nullable=False, comment="Sales region, e.g. Europe"),
    comment="Sales regions; every country belongs to one.",
)

countries = Table(
    "countries",
    metadata,
    Column("country_id", Integer, primary_key=True),
    Column("name", String(60), nullable=False),
    Column("iso_code", String(2), nullable=False, comment="ISO 3166-1 alpha-2 code"),
    Column("region_id", Integer, ForeignKey("regions.region_id"), nullable=False),
    comment="Countries where customers are based.",
)

customers = Table(
    "customers",
    metadata,
    Column("customer_id", Integer, primary_key=True),
    Column("name", String(80), nullable=False, comment="Company or person name"),
    Column("segment", String(20), nullable=False, comment="Consumer, Small Business or Enterprise"),
    Column("country_id", Integer, ForeignKey("countries.country_id"), nullable=False),
    Column("city", String(60), nullable=False),
    Column("signup_date", Date, nullable=False, comment="Date the customer first registered"),
    comment="Customers who place orders.",
)

sales_reps = Table(
    "sales_reps",
    metadata,
    Column("rep_id", Integer, primary_key=True),
    Column("name", String(80), nullable=False),
    Column("region_id", Integer, ForeignKey("regions.region_id"), nullable=False),
    Column("hire_date", Date, nullable=False),
    comment="Sales representatives; each covers one region.",
)

product_categories = Table(
    "product_categories",
    metadata,
    Column("category_id", Integer, primary_key=True),
    Column("name", String(40), nullable=False),
    comment="Product categories, e.g. Electronics.",
)

products = Table(
    "products",
    metadata,
    Column("product_id", Integer, primary_key=True),
    Column("name", String(80), nullable=False),
    Column("category_id", Integer, ForeignKey("product_categories.category_id"), nullable=False),
    Column("list_price", Numeric(10, 2), nullable=False, comment="Current list price in USD"),
    Column("unit_cost", Numeric(10, 2), nullable=False, comment="What one unit costs us, in USD"),
    Column("launch_date", Date, nullable=False),
    comment="Products for sale.",
)

orders = Table(
    "orders",
    metadata,
    Column("order_id", Integer, primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.customer_id"), nullable=False),
    Column("rep_id", Integer, ForeignKey("sales_reps.rep_id"), nullable=False),
    Column("order_date", Date, nullable=False),
    Column("channel", String(20), nullable=False, comment="Online, Retail store or Partner"),
    Column("status", String(20), nullable=False, comment="completed, shipped or cancelled"),
    comment="Customer orders. Revenue counts orders whose status is not cancelled.",
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("line_id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("orders.order_id"), nullable=False),
    Column("product_id", Integer, ForeignKey("products.product_id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Numeric(10, 2), nullable=False, comment="Price charged per unit, in USD"),
    Column("discount", Numeric(4, 2), nullable=False, comment="Fraction off, 0 to 0.3"),
    comment="Lines of an order. Revenue of a line = quantity * unit_price * (1 - discount).",
)

returns = Table(
    "returns",
    metadata,
    Column("return_id", Integer, primary_key=True),
    Column("line_id", Integer, ForeignKey("order_lines.line_id"), nullable=False),
    Column("return_date", Date, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("reason", String(40), nullable=False),
    comment="Returned items, per order line.",
)

sales_targets = Table(
    "sales_targets",
    metadata,
    Column("target_id", Integer, primary_key=True),
    Column("region_id", Integer, ForeignKey("regions.region_id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("quarter", Integer, nullable=False, comment="1 to 4"),
    Column("target_amount", Numeric(14, 2), nullable=False, comment="Revenue target in USD"),
    comment="Quarterly revenue targets per region.",
)

# Insertion order respects the foreign keys.
TABLES_IN_ORDER = (
    regions,
    countries,
    customers,
    sales_reps,
    product_categories,
    products,
    orders,
    order_lines,
    returns,
    sales_targets,
)
