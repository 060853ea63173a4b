"""What answering needs, built once and shared by every session: the database and its schema, the policy
all SQL is vetted by, the rules' catalog, the curated examples and the models that write SQL.

The engine needs nothing but its database and its model. Examples people approved, the question cache and
verified answers come in through three small interfaces (``ExampleSource``, ``nlq.cache.SqlCache``,
``nlq.verified.VerifiedSource``) that the app wires to its store (``nlq.services``) and a library user may
leave out; whatever they do, they cannot cost an answer.
Everything expensive is made on first use under one lock, so sessions can share an engine, and LangChain
loads only when a question first reaches a model.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from nlq.cache import CacheKey, SqlCache, database_identity, schema_fingerprint
from nlq.database import Database, DatabaseInfo, Limits
from nlq.demo import ensure_demo_file
from nlq.errors import SettingsError
from nlq.examples import Example, curated_examples_path, load_examples
from nlq.facts import DataFacts
from nlq.lexicon import english
from nlq.linking import LinkingIndex
from nlq.rules import Catalog, SemanticModel, build_catalog, latest_date_reader, load_semantic_model, read_values
from nlq.rules.semantic_model import semantic_concepts
from nlq.schema import SchemaInfo, inspect_schema
from nlq.settings import Settings
from nlq.targets import ModelTarget, fallback_target, primary_target, require_client_package
from nlq.vet import VetPolicy

if TYPE_CHECKING:
    from nlq.verified import VerifiedSource
    from nlq.writer import SqlWriter

DEMO_SEMANTIC_MODEL = Path(__file__).parent / "demo" / "semantic_model.yaml"
CATALOG_TIMEOUT_S = 30.0
T = TypeVar("T")


class ExampleSource(Protocol):
    """Examples people approved, beside the curated file's."""

    def approved(self, fingerprint: str) -> tuple[Example, ...] | None:
        """Those checked against the schema with this fingerprint; None when they cannot be read just now
        (the engine then answers with the curated examples and asks again next time)."""
        ...


class Engine:
    def __init__(self, settings: Settings, database: Database, curated: tuple[Example, ...] = (),
                 taught: ExampleSource | None = None, cache: SqlCache | None = None,
                 verified: VerifiedSource | None = None) -> None:
        self.settings = settings
        self.database = database
        self.target: ModelTarget = primary_target(settings)
        self.fallback: ModelTarget | None = fallback_target(settings)
        self.curated_examples = curated
        self.cache = cache if settings.cache else None
        self.verified = verified
        self._taught = taught
        self._identity = database_identity(settings.effective_database_url)
        self._lock = threading.RLock()
        self._made: dict[str, object] = {}

    @property
    def info(self) -> DatabaseInfo:
        return self.database.info

    @property
    def identity(self) -> str:
        """Which database this is, without its password: what cached and verified SQL belong to."""
        return self._identity

    def schema(self) -> SchemaInfo:
        return self._once("schema", lambda: inspect_schema(self.database, self.settings.excluded_table_patterns,
                                                                 self.settings.column_rules))

    def facts(self) -> DataFacts:
        """Dates and empty values of columns, read once per engine for the trust checks."""
        return self._once("facts", lambda: DataFacts(self.database))

    def fingerprint(self) -> str:
        return self._once("fingerprint", lambda: schema_fingerprint(self.schema()))

    def policy(self) -> VetPolicy:
        """What any SQL may read here: the exposed tables, capped at NLQ_MAX_ROWS."""
        return self._once("policy", self._make_policy)

    def limits(self) -> Limits:
        settings = self.settings
        return Limits(settings.query_timeout_s, settings.lock_timeout_s, settings.idle_timeout_s)

    def catalog(self) -> Catalog:
        """What the rules tier can name here: built on first use (it reads the data's short text values)."""
        return self._once("catalog", self._make_catalog)

    def values(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """Each short-valued text column's values: what "Brazil" or "Jazz" in a question points at."""
        return self._once("values", lambda: read_values(self.database, self.schema(), CATALOG_TIMEOUT_S))

    def linking(self) -> LinkingIndex:
        """What picks the tables a model's prompt needs, built once for this schema."""
        return self._once("linking", self._make_linking)

    @property
    def lexicon_path(self) -> Path:
        """English answers kept between processes, so a start whose words are all known skips WordNet."""
        return self.settings.data_dir / "lexicon-cache.json"

    def keep_lexicon(self) -> None:
        english().save(self.lexicon_path)

    def semantic_model(self) -> SemanticModel | None:
        """NLQ_SEMANTIC_MODEL, checked against the schema (the demo's own on the demo database)."""
        return self._once("semantic_model", self._load_semantic_model)

    def examples(self) -> tuple[Example, ...]:
        """The curated file's examples, then those people approved and the verified answers, both checked on
        this very schema."""
        with self._lock:
            if "examples" in self._made:
                return self._made["examples"]  # type: ignore[return-value]
        approved = self._taught.approved(self.fingerprint()) if self._taught else ()
        verified = self.verified.examples(self._identity, self.fingerprint()) if self.verified else ()
        if approved is None or verified is None:  # not readable now: use what is, ask again next time
            return self.curated_examples + (approved or ()) + (verified or ())
        with self._lock:
            self._made["examples"] = self.curated_examples + approved + verified
        return self.curated_examples + approved + verified

    def forget_examples(self) -> None:
        """Someone approved, edited or deleted an example (or a verified answer): read them again for the next
        question."""
        with self._lock:
            self._made.pop("examples", None)

    def forget_semantic_model(self) -> None:
        """An admin changed the semantic model file (a reading made the default): read it again, with all that
        depends on it."""
        with self._lock:
            for key in ("semantic_model", "catalog", "linking"):
                self._made.pop(key, None)

    def cache_key(self, question: str) -> CacheKey:
        return CacheKey.of(self._identity, self.fingerprint(), question)

    def writer(self) -> SqlWriter:
        """The self-hosted model, ready to write SQL."""
        return self._once("writer", lambda: _writer(self.target, self.settings, self.settings.structured_output))

    def fallback_writer(self) -> SqlWriter:
        """The hosted fallback; only ever asked for when the owner configured one (``self.fallback``)."""
        fallback = self.fallback
        if fallback is None:
            raise SettingsError("No hosted fallback is configured.", "Set NLQ_FALLBACK_MODEL to use one.")
        return self._once("writer:fallback", lambda: _writer(fallback, self.settings, "off"))

    def close(self) -> None:
        self.database.dispose()

    def _once(self, key: str, make: Callable[[], T]) -> T:
        with self._lock:
            if key not in self._made:
                self._made[key] = make()
            return self._made[key]  # type: ignore[return-value]

    def _make_policy(self) -> VetPolicy:
        schema = self.schema()
        schemas = set(schema.schemas) or ({schema.default_schema} if schema.default_schema else None)
        return VetPolicy.for_tables(self.database.sqlglot_dialect, schema.table_names,
                                    max_rows=self.settings.max_rows, schemas=schemas, hidden=schema.excluded,
                                    masks=schema.masks())

    def _make_catalog(self) -> Catalog:
        schema = self.schema()
        english().load(self.lexicon_path)
        catalog = build_catalog(schema, self.semantic_model(), self.values(),
                                latest_date_reader(self.database, CATALOG_TIMEOUT_S), self.database.sqlglot_dialect)
        self.keep_lexicon()
        return catalog

    def _make_linking(self) -> LinkingIndex:
        english().load(self.lexicon_path)
        index = LinkingIndex(self.schema(), values=self.values(), concepts=semantic_concepts(self.semantic_model()))
        self.keep_lexicon()
        return index

    def _load_semantic_model(self) -> SemanticModel | None:
        settings = self.settings
        path = settings.semantic_model or (DEMO_SEMANTIC_MODEL if settings.uses_demo_database else None)
        return load_semantic_model(path, self.schema()) if path else None


def open_engine(settings: Settings, taught: ExampleSource | None = None, cache: SqlCache | None = None,
                verified: VerifiedSource | None = None) -> Engine:
    """Connect to the configured database (building the demo first if that is the one configured). Mistakes
    in the owner's files (examples, semantic model) and a missing client package stop start-up here, with
    their place in the file, rather than failing every answer later."""
    if settings.uses_demo_database:
        ensure_demo_file(settings.demo_database_path)
    for target in (primary_target(settings), fallback_target(settings)):
        if target is not None:  # the AWS providers' packages are optional extras
            require_client_package(target)
    database = Database(settings.effective_database_url, settings.connect_timeout_s)
    try:
        path = curated_examples_path(settings)
        curated = load_examples(path, database.sqlglot_dialect) if path else ()
        engine = Engine(settings, database, curated, taught, cache, verified)
        if settings.semantic_model is not None and settings.rules:
            engine.semantic_model()
    except SettingsError:
        database.dispose()
        raise
    return engine


def _writer(target: ModelTarget, settings: Settings, structured: str) -> SqlWriter:
    from nlq.writer import SqlWriter  # LangChain loads here, when a question first reaches a model

    return SqlWriter.for_target(target, settings, structured)
