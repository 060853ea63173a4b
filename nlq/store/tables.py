"""The application store's tables, declared once: the answer log, feedback, question → SQL examples, the
question cache, the HTTP API's tokens and their calls a minute, dashboards and verified answers."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Float, ForeignKey, Integer, MetaData, String, Table, Text

metadata = MetaData()

answers = Table(
    "answers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("asked_at", DateTime, nullable=False, index=True),
    Column("user", String(200), nullable=False, index=True),
    Column("source", String(20), nullable=False),  # app or cli
    Column("database", String(200)),
    Column("question", Text, nullable=False),
    Column("route", String(20)),  # empty when the question was refused before any route (migration 0003)
    Column("route_reason", Text),
    Column("model", String(200)),
    Column("prompt_tokens", Integer),
    Column("completion_tokens", Integer),
    Column("model_seconds", Float),
    Column("sql", Text),
    Column("verdict", String(60)),  # allowed, refused (with the rule), or empty when no SQL was written
    Column("status", String(20), nullable=False),  # answered, empty, failed
    Column("error_kind", String(60)),
    Column("error_message", Text),
    Column("row_count", Integer),
    Column("total_ms", Float),
    Column("timings", Text),  # JSON: milliseconds per step
    Column("sent_to", Text),  # what left the machine for this answer, and to where (migration 0002)
    Column("entry_key", String(32), unique=True),  # an entry replayed from the journal, added once (0004)
    Column("summary", Text),  # the answer's one sentence (0005)
    Column("explanation", Text),  # JSON: what its SQL does, in words (0005)
    Column("checks", Text),  # JSON: its trust checks, [{kind, message}] (0005)
    Column("tile_id", Integer),  # the dashboard tile this answer refreshed (0007)
    Column("verified_id", Integer),  # the verified answer that answered it (0007)
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("answer_id", Integer, ForeignKey("answers.id"), nullable=False, index=True),
    Column("given_at", DateTime, nullable=False),
    Column("user", String(200), nullable=False),
    Column("rating", Integer, nullable=False),  # +1 or -1
    Column("comment", Text),
)

examples = Table(
    "examples",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("question", Text, nullable=False),
    Column("sql", Text, nullable=False),
    Column("status", String(20), nullable=False, index=True),  # candidate, approved, stale
    Column("answer_id", Integer, ForeignKey("answers.id")),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("approved_at", DateTime),
    Column("approved_by", String(200)),
    Column("fingerprint", String(64)),  # the schema it was last checked against
    Column("note", Text),  # why it is stale, or what changed
)

cached_sql = Table(
    "cached_sql",
    metadata,
    Column("database", String(200), primary_key=True),
    Column("fingerprint", String(64), primary_key=True),
    Column("question_key", String(64), primary_key=True),  # sha256 of the normalized question
    Column("question", Text, nullable=False),
    Column("sql", Text, nullable=False),
    Column("model", String(200)),
    Column("stored_at", DateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user", String(200), nullable=False),  # the answer log's user for every call made with it
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 hex; the token is shown once only
    Column("created_at", DateTime, nullable=False),
    Column("last_used_at", DateTime),
    Column("revoked_at", DateTime),  # a revoked token stays listed, and answers 401
)

dashboards = Table(
    "dashboards",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", String(200), nullable=False),
    Column("owner", String(200), nullable=False, index=True),
    Column("shared", Boolean, nullable=False, server_default="0"),  # an admin shares: everyone signed in may view
    Column("refresh_seconds", Integer, nullable=False, server_default="3600"),  # how old a tile's data may get
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

dashboard_tiles = Table(
    "dashboard_tiles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dashboard_id", Integer, ForeignKey("dashboards.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),  # order in the grid, from 0
    Column("title", String(200), nullable=False),
    Column("question", Text, nullable=False),
    Column("sql", Text, nullable=False),  # re-run (and re-vetted) on every refresh; rows are never stored
    Column("database", String(200)),
    Column("chart", Text),  # JSON: the chart choice the answer had
    Column("formatting", Text),  # JSON: number formats, pivot
    Column("answer_id", Integer, ForeignKey("answers.id")),  # the answer it was pinned from
    Column("pinned_by", String(200), nullable=False),
    Column("pinned_at", DateTime, nullable=False),
)

verified_answers = Table(
    "verified_answers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("question", Text, nullable=False),
    Column("question_key", String(64), nullable=False, index=True),  # sha256 of the normalised question
    Column("understanding_key", String(64), index=True),  # the rules tier's reading of it, when it has one
    Column("title", String(200)),
    Column("sql", Text, nullable=False),
    Column("database", String(200)),
    Column("status", String(20), nullable=False, index=True),  # verified, stale
    Column("answer_id", Integer, ForeignKey("answers.id")),
    Column("verified_by", String(200), nullable=False),
    Column("verified_at", DateTime, nullable=False),
    Column("fingerprint", String(64)),  # the schema it was last checked against
    Column("note", Text),  # why it is stale
)

api_rate = Table(
    "api_rate",
    metadata,
    Column("token_id", Integer, ForeignKey("api_tokens.id"), primary_key=True),
    Column("minute", Integer, primary_key=True),  # the clock minute counted (Unix time // 60)
    Column("calls", Integer, nullable=False),  # calls this token made in it, across every serve process
)
