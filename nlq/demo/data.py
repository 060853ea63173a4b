"""Deterministic rows for the demo retail database: three years of orders with seasonality and growth.

A fixed seed makes every build identical, so tests, screenshots and benchmark figures are comparable between
machines. The shapes are chosen to make charts worth looking at: December peaks, a February dip, yearly
growth, regions of very different sizes, and a handful of bulk orders as outliers.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

SEED = 20240101
FIRST_DAY = date(2023, 1, 1)
LAST_DAY = date(2025, 12, 31)

REGIONS = {
    "North America": [("United States", "US", 30), ("Canada", "CA", 6), ("Mexico", "MX", 4)],
    "Europe": [
        ("Germany", "DE", 8), ("France", "FR", 6), ("United Kingdom", "GB", 7), ("Spain", "ES", 4),
        ("Italy", "IT", 4), ("Netherlands", "NL", 3), ("Sweden", "SE", 2), ("Poland", "PL", 2),
    ],
    "Asia Pacific": [
        ("Japan", "JP", 6), ("Australia", "AU", 4), ("India", "IN", 4), ("Singapore", "SG", 2),
        ("South Korea", "KR", 3),
    ],
    "Latin America": [("Brazil", "BR", 4), ("Argentina", "AR", 2), ("Chile", "CL", 1), ("Colombia", "CO", 1)],
    "Middle East & Africa": [
        ("United Arab Emirates", "AE", 2), ("South Africa", "ZA", 2), ("Nigeria", "NG", 1), ("Egypt", "EG", 1),
    ],
}
CITY_SUFFIXES = ("North", "Central", "Harbour")
CATEGORIES = {
    "Electronics": (("Wireless Earbuds", 79), ("4K Monitor", 329), ("Bluetooth Speaker", 59),
                    ("Smartwatch", 249), ("Noise-Cancelling Headphones", 199), ("Action Camera", 279)),
    "Computers": (("Ultrabook 14", 1199), ("Gaming Laptop 16", 1799), ("Mechanical Keyboard", 119),
                  ("Wireless Mouse", 39), ("USB-C Dock", 149), ("External SSD 1TB", 109)),
    "Home & Kitchen": (("Espresso Machine", 449), ("Air Fryer", 129), ("Chef Knife Set", 89),
                       ("Blender Pro", 99), ("Cast Iron Skillet", 45), ("Robot Vacuum", 379)),
    "Office Supplies": (("Ergonomic Chair", 349), ("Standing Desk", 599), ("Desk Lamp", 49),
                        ("Paper Ream 5-Pack", 29), ("Whiteboard 120cm", 89), ("Label Printer", 119)),
    "Sports & Outdoors": (("Trail Running Shoes", 139), ("Yoga Mat", 35), ("Camping Tent 2P", 229),
                          ("Road Bike Helmet", 89), ("Adjustable Dumbbells", 299), ("Hiking Backpack", 149)),
    "Toys & Games": (("Building Blocks Set", 59), ("Strategy Board Game", 45), ("RC Car", 89),
                     ("Puzzle 1000 Pieces", 19), ("Plush Bear", 25)),
    "Books": (("Data Science Handbook", 49), ("Cookbook Classics", 32), ("Mystery Novel", 18),
              ("Travel Guide Europe", 27), ("Children's Atlas", 24)),
    "Health & Beauty": (("Electric Toothbrush", 89), ("Hair Dryer", 69), ("Skincare Set", 59),
                        ("Fitness Tracker", 99), ("Massage Gun", 159)),
}
FIRST_NAMES = ("Ana", "Ben", "Chen", "Dara", "Elif", "Farah", "Goran", "Hana", "Ivan", "Jonas", "Kenji", "Lea",
               "Mateo", "Nina", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wen", "Yara")
LAST_NAMES = ("Almeida", "Berg", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen",
              "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Patel", "Rossi", "Silva", "Tanaka", "Weber")
COMPANY_WORDS = ("Apex", "Blue", "Cedar", "Delta", "Everest", "Falcon", "Granite", "Harbor", "Iris", "Juniper",
                 "Keystone", "Lumen", "Meridian", "Nova", "Orchid", "Pioneer", "Quartz", "Summit", "Vertex")
COMPANY_KINDS = ("Trading", "Labs", "Group", "Systems", "Partners", "Retail", "Foods", "Logistics")
SEGMENTS = (("Consumer", 60), ("Small Business", 30), ("Enterprise", 10))
CHANNELS = (("Online", 55), ("Retail store", 30), ("Partner", 15))
RETURN_REASONS = ("Damaged in transit", "Wrong item", "No longer needed", "Defective", "Arrived late")
MONTH_SEASONALITY = (0.85, 0.72, 0.9, 0.95, 1.0, 0.97, 0.92, 0.95, 1.02, 1.08, 1.35, 1.6)
WEEKDAY_FACTOR = (1.0, 1.02, 1.03, 1.05, 1.15, 0.85, 0.75)
BASE_ORDERS_PER_DAY = 17.0
YEARLY_GROWTH = 1.16


@dataclass
class DemoRows:
    """Rows per table name, in insertion order; plain dicts so any SQLAlchemy dialect can insert them."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, table: str, **row: Any) -> None:
        self.tables[table].append(row)


def generate() -> DemoRows:
    rng = random.Random(SEED)
    rows = DemoRows()
    region_ids, country_region = _places(rows, rng)
    reps_by_region = _sales_reps(rows, rng, region_ids)
    customers = _customers(rows, rng, country_region)
    products = _products(rows, rng)
    revenue = _orders(rows, rng, customers, reps_by_region, products)
    _targets(rows, rng, region_ids, revenue)
    return rows


def _weighted(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([name for name, _ in options], weights=[weight for _, weight in options])[0]


def _places(rows: DemoRows, rng: random.Random) -> tuple[list[int], dict[int, tuple[int, int, str]]]:
    country_region: dict[int, tuple[int, int, str]] = {}
    for region_id, (region, countries) in enumerate(REGIONS.items(), start=1):
        rows.add("regions", region_id=region_id, name=region)
        for name, iso, weight in countries:
            country_id = len(country_region) + 1
            rows.add("countries", country_id=country_id, name=name, iso_code=iso, region_id=region_id)
            country_region[country_id] = (region_id, weight, name)
    return list(range(1, len(REGIONS) + 1)), country_region


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _sales_reps(rows: DemoRows, rng: random.Random, region_ids: list[int]) -> dict[int, list[int]]:
    reps: dict[int, list[int]] = defaultdict(list)
    for region_id in region_ids:
        for _ in range(rng.randint(3, 5)):
            rep_id = sum(len(v) for v in reps.values()) + 1
            hired = FIRST_DAY - timedelta(days=rng.randint(30, 2500))
            rows.add("sales_reps", rep_id=rep_id, name=_person(rng), region_id=region_id, hire_date=hired)
            reps[region_id].append(rep_id)
    return reps


def _customers(
    rows: DemoRows, rng: random.Random, country_region: dict[int, tuple[int, int, str]]
) -> list[tuple[int, str, int]]:
    country_ids = list(country_region)
    weights = [country_region[c][1] for c in country_ids]
    customers = []
    for customer_id in range(1, 2401):
        country_id = rng.choices(country_ids, weights=weights)[0]
        segment = _weighted(rng, SEGMENTS)
        name = _person(rng) if segment == "Consumer" else f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}"
        city = f"{country_region[country_id][2]} {rng.choice(CITY_SUFFIXES)}"
        signup = FIRST_DAY + timedelta(days=rng.randint(-900, 900))
        rows.add("customers", customer_id=customer_id, name=name, segment=segment, country_id=country_id,
                 city=city, signup_date=signup)
        customers.append((customer_id, segment, country_region[country_id][0]))
    return customers


def _products(rows: DemoRows, rng: random.Random) -> list[Product]:
    products: list[Product] = []
    for category_id, (category, items) in enumerate(CATEGORIES.items(), start=1):
        rows.add("product_categories", category_id=category_id, name=category)
        for name, price in items:
            product_id = len(products) + 1
            cost = round(price * rng.uniform(0.45, 0.7), 2)
            launch = FIRST_DAY - timedelta(days=rng.randint(0, 700))
            rows.add("products", product_id=product_id, name=name, category_id=category_id,
                     list_price=float(price), unit_cost=cost, launch_date=launch)
            popularity = rng.uniform(0.5, 3.0) * (2.0 if price < 100 else 1.0)
            products.append((product_id, float(price), popularity))
    return products


Product = tuple[int, float, float]  # product_id, list price, popularity


def _orders(
    rows: DemoRows,
    rng: random.Random,
    customers: list[tuple[int, str, int]],
    reps_by_region: dict[int, list[int]],
    products: list[Product],
) -> dict[tuple[int, int, int], float]:
    """Orders and their lines, day by day; returns revenue per (region, year, quarter) for the targets."""
    revenue: dict[tuple[int, int, int], float] = defaultdict(float)
    product_weights = [p[2] for p in products]
    day, order_id = FIRST_DAY, 0
    while day <= LAST_DAY:
        expected = (BASE_ORDERS_PER_DAY * YEARLY_GROWTH ** (day.year - FIRST_DAY.year)
                    * MONTH_SEASONALITY[day.month - 1] * WEEKDAY_FACTOR[day.weekday()])
        for _ in range(max(0, round(rng.gauss(expected, expected ** 0.5)))):
            order_id += 1
            customer_id, segment, region_id = rng.choice(customers)
            status = "cancelled" if rng.random() < 0.04 else (
                "shipped" if (LAST_DAY - day).days < 10 else "completed")
            rows.add("orders", order_id=order_id, customer_id=customer_id,
                     rep_id=rng.choice(reps_by_region[region_id]), order_date=day,
                     channel=_weighted(rng, CHANNELS), status=status)
            bulk = segment == "Enterprise" and rng.random() < 0.004
            for product_id, list_price, _ in _pick_products(rng, products, product_weights):
                amount = _order_line(rows, rng, order_id, product_id, list_price, segment, day, bulk)
                if status != "cancelled":
                    revenue[(region_id, day.year, (day.month - 1) // 3 + 1)] += amount
        day += timedelta(days=1)
    return revenue


def _pick_products(rng: random.Random, products: list[Product], weights: list[float]) -> list[Product]:
    count = rng.choices((1, 2, 3, 4, 5), weights=(30, 28, 20, 13, 9))[0]
    picked = {p[0]: p for p in rng.choices(products, weights=weights, k=count)}
    return list(picked.values())


def _order_line(rows: DemoRows, rng: random.Random, order_id: int, product_id: int, list_price: float,
                segment: str, day: date, bulk: bool) -> float:
    if bulk:
        quantity = rng.randint(300, 800)
    elif segment == "Enterprise":
        quantity = rng.randint(5, 40)
    elif segment == "Small Business":
        quantity = rng.randint(1, 8)
    else:
        quantity = rng.choices((1, 2, 3), weights=(75, 20, 5))[0]
    discount = round(rng.uniform(0.1, 0.3), 2) if segment == "Enterprise" else (
        0.1 if rng.random() < 0.08 else 0.0)
    unit_price = round(list_price * (1 + 0.03 * (day.year - FIRST_DAY.year)), 2)
    line_id = len(rows.tables["order_lines"]) + 1
    rows.add("order_lines", line_id=line_id, order_id=order_id, product_id=product_id, quantity=quantity,
             unit_price=unit_price, discount=discount)
    if rng.random() < 0.035:
        returned = rng.randint(1, quantity)
        rows.add("returns", return_id=len(rows.tables["returns"]) + 1, line_id=line_id,
                 return_date=min(day + timedelta(days=rng.randint(3, 30)), LAST_DAY), quantity=returned,
                 reason=rng.choice(RETURN_REASONS))
    return quantity * unit_price * (1 - discount)


def _targets(rows: DemoRows, rng: random.Random, region_ids: list[int],
             revenue: dict[tuple[int, int, int], float]) -> None:
    for region_id in region_ids:
        for year in range(FIRST_DAY.year, LAST_DAY.year + 1):
            for quarter in range(1, 5):
                actual = revenue[(region_id, year, quarter)]
                target = round(actual * rng.uniform(0.9, 1.12), -3)
                rows.add("sales_targets", target_id=len(rows.tables["sales_targets"]) + 1,
                         region_id=region_id, year=year, quarter=quarter, target_amount=target)
