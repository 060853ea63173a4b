"""Held-out differential harness: does nlq's vetting leak hidden (secret) columns, or let resource-exhausting
SQL run?

Two PostgreSQL databases, ``twin_a`` and ``twin_b``, hold the same schema and the same ordinary data; every
secret column holds different values in the two (different values, lengths, NULL patterns and orderings).
Each hostile statement of ``bench/data/heldout_attacks.jsonl`` runs through ``nlq.pipeline.run_sql`` on both
twins, connected as the superuser, so nothing but nlq's own vetting protects the secrets:

* ``secret_read``: held when both twins give exactly the same outcome (same refusal, same error message, same
  rows) and no secret value appears in it; any difference between the twins is an oracle on the secrets.
* ``other`` (writes, catalog and file reads, session functions ...): held when it did not run on either twin
  (refused, or failed at the database) and the twins do not differ.
* ``resource``: run on ``twin_a`` under a short NLQ_QUERY_TIMEOUT_S; held when refused, or finished (ok or
  error) within twice that timeout.
* benign (``bench/data/heldout_benign.jsonl``): must be allowed and run on both twins, with the same rows.

The corpus was written apart from the vetting code; by default only counts are printed, never statements.

    .venv/bin/python -m bench.secret_leaks [--show] [--timeout 3] [--only secret_read,resource,other,benign]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from nlq.engine import open_engine
from nlq.pipeline import run_sql
from nlq.settings import Settings, load_settings
from tests.support.postgres import PostgresServer

DATA = Path(__file__).resolve().parent / "data"
ATTACKS = DATA / "heldout_attacks.jsonl"
BENIGN = DATA / "heldout_benign.jsonl"

EXCLUDE_COLUMNS = "accounts.internal_note"
HOSTILE_TIMEOUT_S = 10.0
WATCHDOG_S = 60.0  # a statement nlq let run past this is cancelled from outside, and counted as runaway
N_ACCOUNTS, N_PRODUCTS, N_ORDERS, N_SESSIONS = 200, 30, 2000, 600
MIN_SECRET_CHARS = 8  # shorter secret values are not searched for in results (too many false matches)
REFUSED_KINDS = {"refused", "too_expensive", "sql_syntax"}  # the gate stopped it before the database ran it

SCHEMA = """
CREATE TABLE accounts (
    id integer PRIMARY KEY,
    email text NOT NULL,
    display_name text NOT NULL,
    country text NOT NULL,
    created_at timestamp NOT NULL,
    manager_id integer REFERENCES accounts(id),
    password_hash text,
    api_token text,
    ssn text,
    salt text,
    credit_card_number text,
    legacy_ref text,
    internal_note text
);
CREATE SEQUENCE accounts_id_seq OWNED BY accounts.id;
CREATE TABLE products (
    id integer PRIMARY KEY,
    name text NOT NULL,
    category text NOT NULL,
    price numeric(10, 2) NOT NULL
);
CREATE TABLE orders (
    id serial PRIMARY KEY,
    account_id integer NOT NULL REFERENCES accounts(id),
    product_id integer NOT NULL REFERENCES products(id),
    quantity integer NOT NULL,
    ordered_at timestamp NOT NULL,
    status text NOT NULL,
    total numeric(12, 2) NOT NULL
);
CREATE TABLE sessions (
    session_id integer PRIMARY KEY,
    account_id integer NOT NULL REFERENCES accounts(id),
    token text,
    "RefreshToken" text,
    started_at timestamp NOT NULL,
    user_agent text NOT NULL
);
"""

FIRST = ["Ana", "Ben", "Chloe", "Dev", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jade", "Kofi", "Lena", "Milo",
         "Nora", "Omar", "Pia", "Quinn", "Rosa", "Sami", "Tess"]
LAST = ["Alvarez", "Brown", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen", "Khan",
        "Larsen", "Moreau", "Novak", "Okafor", "Petrov"]
COUNTRIES = ["DE", "FR", "US", "BR", "JP", "IN", "NG", "SE"]
CATEGORIES = ["Audio", "Books", "Garden", "Kitchen", "Outdoor"]
PRODUCT_WORDS = ["Pro", "Mini", "Max", "Classic", "Eco", "Smart", "Ultra", "Basic"]
STATUSES = ["pending", "shipped", "delivered", "returned"]
AGENTS = ["Firefox/128", "Chrome/126", "Safari/17", "Edge/125", "curl/8.5"]
NOTE_WORDS = ["customer", "asked", "refund", "escalated", "vip", "legal", "hold", "review", "fraud", "flagged",
              "chargeback", "called", "twice", "about", "invoice", "manager", "approved", "pending"]
BCRYPT_ALPHABET = "./" + string.ascii_letters + string.digits
B64URL = string.ascii_letters + string.digits + "-_"
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"


# ---------------------------------------------------------------- data


def _pick(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _luhn(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return body + str((10 - total % 10) % 10)


def _bcrypt(rng: random.Random, variant: str, cost: int) -> str:
    return f"${variant}${cost:02d}${_pick(rng, BCRYPT_ALPHABET, 53)}"


def _argon2(rng: random.Random) -> str:
    return f"$argon2id$v=19$m=65536,t=3,p=4${_pick(rng, B64URL, 22)}${_pick(rng, B64URL, 43)}"


def _jwt(rng: random.Random, body: int) -> str:
    return f"eyJhbGciOiJIUzI1NiJ9.eyJ{_pick(rng, B64URL, body)}.{_pick(rng, B64URL, 43)}"


def _maybe(rng: random.Random, null_share: float, make: Any) -> str | None:
    return None if rng.random() < null_share else make()


def ordinary_data() -> dict[str, list[dict[str, Any]]]:
    """The same in both twins."""
    rng = random.Random(20240611)
    start = datetime(2023, 1, 1)
    accounts = []
    for i in range(1, N_ACCOUNTS + 1):
        accounts.append({
            "id": i, "email": f"user{i}@example.com",
            "display_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "country": rng.choice(COUNTRIES),
            "created_at": start + timedelta(days=rng.randrange(0, 500), seconds=rng.randrange(0, 86400)),
            "manager_id": None if i == 1 else max(1, i // 3),
        })
    products: list[dict[str, Any]] = [{"id": i, "name": f"{rng.choice(PRODUCT_WORDS)} {rng.choice(CATEGORIES)} {i}",
                 "category": rng.choice(CATEGORIES), "price": round(rng.uniform(3, 250), 2)}
                for i in range(1, N_PRODUCTS + 1)]
    orders = []
    for i in range(1, N_ORDERS + 1):
        product = rng.choice(products)
        quantity = rng.randint(1, 5)
        orders.append({"id": i, "account_id": rng.randint(1, N_ACCOUNTS), "product_id": product["id"],
                       "quantity": quantity, "status": rng.choice(STATUSES),
                       "ordered_at": start + timedelta(days=rng.randrange(30, 540), seconds=rng.randrange(86400)),
                       "total": round(product["price"] * quantity, 2)})
    sessions = [{"session_id": i, "account_id": rng.randint(1, N_ACCOUNTS), "user_agent": rng.choice(AGENTS),
                 "started_at": start + timedelta(days=rng.randrange(100, 200), seconds=rng.randrange(86400))}
                for i in range(1, N_SESSIONS + 1)]
    return {"accounts": accounts, "products": products, "orders": orders, "sessions": sessions}


def secret_data(twin: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per twin: different values, lengths, NULL shares and orders in every secret column."""
    rng = random.Random(f"secrets-{twin}")
    a = twin == "a"
    accounts = []
    for i in range(1, N_ACCOUNTS + 1):
        accounts.append({
            "id": i,
            "password_hash": _maybe(rng, 0.03 if a else 0.15, lambda: _bcrypt(rng, "2b", 12) if a
                                    else (_bcrypt(rng, "2b", 10) if rng.random() < 0.7 else _argon2(rng))),
            "api_token": _maybe(rng, 0.10 if a else 0.30, lambda: "sk_live_" + _pick(rng, ALNUM, 32) if a
                                else ("sk_live_" + _pick(rng, ALNUM, 40) if rng.random() < 0.6 else _jwt(rng, 30))),
            "ssn": _maybe(rng, 0.05 if a else 0.20, lambda: f"{rng.randint(100, 899):03d}-{rng.randint(10, 99):02d}-"
                          f"{rng.randint(1000, 9999):04d}"),
            "salt": _maybe(rng, 0.0 if a else 0.10, lambda: _pick(rng, HEX, 16 if a else 32)),
            "credit_card_number": _maybe(rng, 0.40 if a else 0.10, lambda: _luhn("4", 16, rng) if a
                                         else (_luhn("5", 16, rng) if rng.random() < 0.6 else _luhn("37", 15, rng))),
            "legacy_ref": _maybe(rng, 0.20 if a else 0.05, lambda: _bcrypt(rng, "2a", 10) if a
                                 else _bcrypt(rng, "2y", 12)),
            "internal_note": _maybe(rng, 0.50 if a else 0.25, lambda: " ".join(
                rng.choice(NOTE_WORDS) for _ in range(rng.randint(2, 4) if a else rng.randint(4, 9)))
                + f" (case {rng.randint(100000, 999999)})"),
        })
    sessions = [{"session_id": i,
                 "token": _maybe(rng, 0.02 if a else 0.12, lambda: _pick(rng, HEX, 64 if a else 40)),
                 "RefreshToken": _maybe(rng, 0.05 if a else 0.30, lambda: _jwt(rng, 24 if a else 48))}
                for i in range(1, N_SESSIONS + 1)]
    return accounts, sessions


def load_twin(url: str, twin: str, ordinary: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Create and fill one twin; return its secret values (for the substring check)."""
    secret_accounts, secret_sessions = secret_data(twin)
    accounts = [{**row, **secret} for row, secret in zip(ordinary["accounts"], secret_accounts, strict=True)]
    sessions = [{**row, **secret} for row, secret in zip(ordinary["sessions"], secret_sessions, strict=True)]
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                connection.exec_driver_sql(statement)
        columns = list(accounts[0])
        connection.execute(text(f"INSERT INTO accounts ({', '.join(columns)}) VALUES "
                                f"({', '.join(':' + c for c in columns)})"), accounts)
        connection.execute(text("INSERT INTO products (id, name, category, price) VALUES "
                                "(:id, :name, :category, :price)"), ordinary["products"])
        connection.execute(text("INSERT INTO orders (id, account_id, product_id, quantity, ordered_at, status, total) "
                                "VALUES (:id, :account_id, :product_id, :quantity, :ordered_at, :status, :total)"),
                           ordinary["orders"])
        connection.execute(text("SELECT setval('orders_id_seq', 2000)"))
        connection.execute(text('INSERT INTO sessions (session_id, account_id, token, "RefreshToken", started_at, '
                                "user_agent) VALUES (:session_id, :account_id, :token, :RefreshToken, :started_at, "
                                ":user_agent)"), sessions)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    secrets = [value for row in secret_accounts for key, value in row.items() if key != "id" and value]
    secrets += [value for row in secret_sessions for key, value in row.items() if key != "session_id" and value]
    return [s for s in secrets if len(s) >= MIN_SECRET_CHARS]


def table_counts(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    with engine.connect() as connection:
        counts = {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                  for t in ("accounts", "products", "orders", "sessions")}
        counts["price_sum"] = str(connection.execute(text("SELECT sum(price) FROM products")).scalar_one())
        counts["tables"] = connection.execute(text(
            "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'")).scalar_one()
    engine.dispose()
    return counts


# ---------------------------------------------------------------- settings and running


def settings_for(url: str, data_dir: str, timeout_s: float) -> tuple[Settings, list[str]]:
    """Settings for one twin; returns the names of the column settings that this nlq does not know yet."""
    environ = {"NLQ_DATABASE_URL": url, "NLQ_DATA_DIR": data_dir, "NLQ_RULES": "false", "NLQ_CACHE": "false",
               "NLQ_QUERY_TIMEOUT_S": str(timeout_s), "NLQ_REPAIR_ROUNDS": "0"}
    missing = []
    if "exclude_columns" in Settings.model_fields:
        environ["NLQ_EXCLUDE_COLUMNS"] = EXCLUDE_COLUMNS
    else:
        missing.append("NLQ_EXCLUDE_COLUMNS")
    if "expose_columns" not in Settings.model_fields:
        missing.append("NLQ_EXPOSE_COLUMNS")
    return load_settings(environ, secrets_path=None), missing


class Watchdog:
    """Cancels, from outside, any backend of a twin still running a statement after WATCHDOG_S."""

    def __init__(self, admin_url: str) -> None:
        self.engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")

    def cancel(self, database: str) -> None:
        with contextlib.suppress(Exception), self.engine.connect() as connection:
            connection.execute(text("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE datname = :d "
                                    "AND state = 'active' AND pid <> pg_backend_pid()"), {"d": database})

    def close(self) -> None:
        self.engine.dispose()


class MemorySampler:
    """Peak RSS of the server's backends while one statement runs (sampled with ps every 0.1 s)."""

    def __init__(self, postmaster_pid: int | None) -> None:
        self.pid = postmaster_pid
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(Exception):
                out = subprocess.run(["ps", "--ppid", str(self.pid), "-o", "rss="], capture_output=True,
                                     text=True, timeout=5).stdout
                self.peak_kb = max([self.peak_kb, *(int(x) for x in out.split() if x.isdigit())])
            self._stop.wait(0.1)

    def __enter__(self) -> MemorySampler:
        if self.pid:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.pid:
            self._thread.join(timeout=10)


@dataclass
class Outcome:
    ok: bool
    kind: str  # "ok" or the error kind
    message: str
    csv: str
    columns: tuple[str, ...]
    total_rows: int | None
    seconds: float
    runaway: bool = False
    detail: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def signature(self) -> tuple[Any, ...]:
        return (self.ok, self.kind, self.message, self.detail, self.csv, self.columns, self.total_rows)

    @property
    def stage(self) -> str:
        if self.ok:
            return "ran"
        if self.kind in REFUSED_KINDS:
            return "refused"
        if self.kind == "query_timeout":
            return "timeout"
        return "db_error" if self.kind == "database_error" else self.kind


def run_one(sql: str, engine: Any, watchdog: Watchdog, database: str) -> Outcome:
    timer = threading.Timer(WATCHDOG_S, watchdog.cancel, args=(database,))
    timer.daemon = True
    started = time.perf_counter()
    timer.start()
    try:
        answer = run_sql(sql, engine)
    finally:
        timer.cancel()
    seconds = time.perf_counter() - started
    if answer.ok:
        frame = answer.frame
        csv = "" if frame is None else frame.to_csv(index=False)
        columns = () if frame is None else tuple(str(c) for c in frame.columns)
        return Outcome(True, "ok", "", csv, columns, answer.total_rows, seconds, seconds >= WATCHDOG_S)
    error = answer.error
    assert error is not None
    message = f"{error.message} | {error.hint}"
    return Outcome(False, str(error.kind.value), message, "", (), None, seconds, seconds >= WATCHDOG_S,
                   detail=error.detail)


def leaked_secret(outcome: Outcome, secrets: list[str]) -> bool:
    blob = outcome.csv + "\n" + outcome.message + "\n" + (outcome.detail or "")
    return any(secret in blob for secret in secrets)


# ---------------------------------------------------------------- the run


def load_corpus(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def postmaster_pid(server: PostgresServer) -> int | None:
    with contextlib.suppress(Exception):
        return int((server.data / "postmaster.pid").read_text().split()[0])
    return None


def temp_bytes(admin: Any, database: str) -> int:
    with contextlib.suppress(Exception), admin.connect() as connection:
        return int(connection.execute(text("SELECT temp_bytes FROM pg_stat_database WHERE datname = :d"),
                                      {"d": database}).scalar_one())
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", action="store_true", help="print the id and SQL of each leak / refused benign")
    parser.add_argument("--timeout", type=float, default=3.0, help="NLQ_QUERY_TIMEOUT_S for resource statements")
    parser.add_argument("--only", default="benign,secret_read,resource,other",
                        help="comma-separated categories to run (order is fixed: benign, secret_read, resource, other)")
    args = parser.parse_args()
    wanted = set(args.only.split(","))

    attacks = load_corpus(ATTACKS)
    benign = load_corpus(BENIGN)
    server = PostgresServer().start()
    engines: list[Any] = []
    watchdog: Watchdog | None = None
    results: dict[str, list[dict[str, Any]]] = {}
    notes: list[str] = []
    try:
        ordinary = ordinary_data()
        urls = {twin: server.create_database(f"twin_{twin}") for twin in ("a", "b")}
        secrets: list[str] = []
        for twin, url in urls.items():
            secrets += load_twin(url, twin, ordinary)
        counts_before = {twin: table_counts(url) for twin, url in urls.items()}
        watchdog = Watchdog(server.url())
        admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
        pm_pid = postmaster_pid(server)

        with tempfile.TemporaryDirectory() as data_dir:
            hostile = {}
            missing: list[str] = []
            for twin, url in urls.items():
                settings, missing = settings_for(url, str(Path(data_dir) / twin), HOSTILE_TIMEOUT_S)
                hostile[twin] = open_engine(settings)
                engines.append(hostile[twin])
            resource_settings, _ = settings_for(urls["a"], str(Path(data_dir) / "r"), args.timeout)
            resource_engine = open_engine(resource_settings)
            engines.append(resource_engine)
            if missing:
                notes.append("settings not known to this nlq (run without them): " + ", ".join(missing))

            def both(item: dict[str, str]) -> tuple[Outcome, Outcome]:
                return (run_one(item["sql"], hostile["a"], watchdog, "twin_a"),
                        run_one(item["sql"], hostile["b"], watchdog, "twin_b"))

            if "benign" in wanted:
                rows = results.setdefault("benign", [])
                for item in benign:
                    out_a, out_b = both(item)
                    rows.append({"id": item["id"], "sql": item["sql"], "allowed": out_a.ok and out_b.ok,
                                 "stage": out_a.stage, "kind": out_a.kind, "message": out_a.message,
                                 "twins_differ": out_a.signature() != out_b.signature()})

            for category in ("secret_read", "resource", "other"):
                if category not in wanted:
                    continue
                rows = results.setdefault(category, [])
                for item in (i for i in attacks if i["category"] == category):
                    if category == "resource":
                        before = temp_bytes(admin, "twin_a")
                        with MemorySampler(pm_pid) as sampler:
                            out = run_one(item["sql"], resource_engine, watchdog, "twin_a")
                        held = out.stage == "refused" or (out.seconds <= 2 * args.timeout and not out.runaway)
                        rows.append({"id": item["id"], "sql": item["sql"], "held": held, "stage": out.stage,
                                     "kind": out.kind, "seconds": round(out.seconds, 2), "runaway": out.runaway,
                                     "peak_backend_mb": round(sampler.peak_kb / 1024, 1),
                                     "temp_mb": round((temp_bytes(admin, "twin_a") - before) / 2**20, 1)})
                        continue
                    out_a, out_b = both(item)
                    differ = out_a.signature() != out_b.signature()
                    shows = leaked_secret(out_a, secrets) or leaked_secret(out_b, secrets)
                    ran = out_a.ok or out_b.ok
                    held = not differ and not shows and (category == "secret_read" or not ran)
                    rows.append({"id": item["id"], "sql": item["sql"], "held": held, "differ": differ,
                                 "shows_secret": shows, "stage": out_a.stage, "stage_b": out_b.stage,
                                 "kind": out_a.kind})

        counts_after = {twin: table_counts(url) for twin, url in urls.items()}
        if counts_after != counts_before:
            notes.append("DATA CHANGED during the run (a write got through): "
                         f"before {counts_before}, after {counts_after}")
        admin.dispose()
    finally:
        for engine in engines:
            with contextlib.suppress(Exception):
                engine.close()
        if watchdog is not None:
            watchdog.close()
        server.stop()

    report(results, notes, args.show, args.timeout)


def report(results: dict[str, list[dict[str, Any]]], notes: list[str], show: bool, timeout_s: float) -> None:
    summary: dict[str, Any] = {}
    print(f"{'category':<12} {'count':>5} {'held':>5} {'leaked':>6}  stages")
    for category in ("secret_read", "other", "resource"):
        rows = results.get(category)
        if not rows:
            continue
        held = sum(r["held"] for r in rows)
        stages = Counter(r["stage"] for r in rows)
        entry: dict[str, Any] = {"count": len(rows), "held": held, "leaked": len(rows) - held,
                                 "stages": dict(sorted(stages.items()))}
        if category == "resource":
            entry["max_seconds"] = max(r["seconds"] for r in rows)
            entry["runaway"] = sum(r["runaway"] for r in rows)
            entry["max_peak_backend_mb"] = max(r["peak_backend_mb"] for r in rows)
            entry["max_temp_mb"] = max(r["temp_mb"] for r in rows)
            entry["timeout_s"] = timeout_s
        else:
            entry["twins_differ"] = sum(r["differ"] for r in rows)
            entry["secret_value_shown"] = sum(r["shows_secret"] for r in rows)
        summary[category] = entry
        print(f"{category:<12} {len(rows):>5} {held:>5} {len(rows) - held:>6}  "
              + ", ".join(f"{k}={v}" for k, v in sorted(stages.items())))
    rows = results.get("benign")
    if rows:
        allowed = sum(r["allowed"] for r in rows)
        stages = Counter(r["stage"] for r in rows)
        summary["benign"] = {"count": len(rows), "allowed": allowed, "refused_or_failed": len(rows) - allowed,
                             "stages": dict(sorted(stages.items())),
                             "twins_differ": sum(r["twins_differ"] for r in rows)}
        print(f"{'benign':<12} {len(rows):>5} {'allowed':>7}={allowed} not={len(rows) - allowed}  "
              + ", ".join(f"{k}={v}" for k, v in sorted(stages.items())))
    if "resource" in summary:
        r = summary["resource"]
        print(f"resource: slowest {r['max_seconds']} s (timeout {timeout_s} s), runaway {r['runaway']}, "
              f"peak backend {r['max_peak_backend_mb']} MB, temp {r['max_temp_mb']} MB")
    for note in notes:
        print("note:", note)
    summary["notes"] = notes
    print(json.dumps({"secret_leaks": summary}, sort_keys=True))
    if show:
        print()
        for category in ("secret_read", "other", "resource"):
            for r in results.get(category, []):
                if not r["held"]:
                    extra = (f"{r['seconds']} s, peak {r['peak_backend_mb']} MB" if category == "resource"
                             else f"differ={r['differ']} shows_secret={r['shows_secret']}")
                    print(f"LEAK {r['id']} [{r['stage']}/{r['kind']}; {extra}]: {r['sql']}")
        for r in results.get("benign", []):
            if not r["allowed"]:
                print(f"BENIGN NOT ALLOWED {r['id']} [{r['stage']}/{r['kind']}]: {r['sql']}\n    {r['message']}")
            elif r["twins_differ"]:
                print(f"BENIGN DIFFERS BETWEEN TWINS {r['id']}: {r['sql']}")


if __name__ == "__main__":
    main()
    sys.exit(0)
