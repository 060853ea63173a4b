"""What answering needs and is expensive to make, built once per app or CLI run: not a global.

The database engine and its schema, the model clients (the self-hosted one, and the hosted fallback only
when the owner configured one), the curated examples, and the policy every SQL statement is vetted by.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.language_models import BaseChatModel

from nlq.backends import ModelTarget, build_chat_model, fallback_target, primary_target
from nlq.cache import SqlCache, database_identity, schema_fingerprint
from nlq.database import Database, Limits
from nlq.errors import SettingsError
from nlq.demo import ensure_demo_file
from nlq.examples import DEMO_EXAMPLES, Example, load_examples
from nlq.rules import Catalog, SemanticModel, build_catalog, latest_date_reader, load_semantic_model, read_values
from nlq.schema import SchemaInfo, inspect_schema
from nlq.settings import Settings
from nlq.store import AppStore, open_store
from nlq.store.examples import APPROVED
from nlq.vet import VetPolicy

DEMO_SEMANTIC_MODEL = Path(__file__).parent / "demo" / "semantic_model.yaml"
CATALOG_TIMEOUT_S = 30.0


@dataclass
class Resources:
    settings: Settings
    database: Database
    target: ModelTarget
    chat_model: BaseChatModel
    fallback: ModelTarget | None = None
    _fallback_model: BaseChatModel | None = field(default=None, repr=False)
    _schema: SchemaInfo | None = field(default=None, repr=False)
    _examples: tuple[Example, ...] | None = field(default=None, repr=False)
    _catalog: Catalog | None = field(default=None, repr=False)
    _cache: SqlCache | None = field(default=None, repr=False)
    _store: AppStore | None = field(default=None, repr=False)

    def schema(self) -> SchemaInfo:
        if self._schema is None:
            self._schema = inspect_schema(self.database, self.settings.excluded_table_patterns)
        return self._schema

    def refresh_schema(self) -> SchemaInfo:
        self._schema = None
        self._catalog = None
        self._examples = None  # approved examples are tied to the schema they were checked on
        if self._cache is not None:
            self._cache.close()
            self._cache = None
        return self.schema()

    def sql_cache(self) -> SqlCache | None:
        """The question → SQL cache for this database and schema; None when NLQ_CACHE is off."""
        if not self.settings.cache:
            return None
        if self._cache is None:
            self._cache = SqlCache(self.settings.data_dir / "cache.sqlite",
                                   database_identity(self.settings.effective_database_url),
                                   schema_fingerprint(self.schema()))
        return self._cache

    def catalog(self) -> Catalog:
        """What the rules tier can name here: built on first use (it reads the data's short text values)."""
        if self._catalog is None:
            schema = self.schema()
            values = read_values(self.database, schema, CATALOG_TIMEOUT_S)
            self._catalog = build_catalog(schema, self.semantic_model(), values,
                                          latest_date_reader(self.database, CATALOG_TIMEOUT_S),
                                          self.database.sqlglot_dialect)
        return self._catalog

    def semantic_model(self) -> SemanticModel | None:
        """NLQ_SEMANTIC_MODEL, checked against the schema (the demo's own on the demo database)."""
        path = self.settings.semantic_model or (DEMO_SEMANTIC_MODEL if self.settings.uses_demo_database else None)
        return load_semantic_model(path, self.schema()) if path else None

    def policy(self) -> VetPolicy:
        """What any SQL may read here: the exposed tables, capped at NLQ_MAX_ROWS."""
        schema = self.schema()
        schemas = {schema.default_schema} if schema.default_schema else None
        return VetPolicy.for_tables(self.database.sqlglot_dialect, schema.table_names,
                                    max_rows=self.settings.max_rows, schemas=schemas, hidden=schema.excluded)

    def limits(self) -> Limits:
        settings = self.settings
        return Limits(settings.query_timeout_s, settings.lock_timeout_s, settings.idle_timeout_s)

    def examples(self) -> tuple[Example, ...]:
        """The curated file's examples, then those people approved (checked against this very schema)."""
        if self._examples is None:
            path = self.settings.examples_file or (DEMO_EXAMPLES if self.settings.uses_demo_database else None)
            from_file = load_examples(path, self.database.sqlglot_dialect) if path else ()
            fingerprint = schema_fingerprint(self.schema())
            approved = tuple(Example(e.question, e.sql) for e in self.app_store().examples.all(APPROVED)
                             if e.fingerprint == fingerprint)
            self._examples = from_file + approved
        return self._examples

    def forget_examples(self) -> None:
        self._examples = None

    def app_store(self) -> AppStore:
        """nlq's own store (answer log, feedback, examples), opened and migrated on first use."""
        if self._store is None:
            self._store = open_store(self.settings.effective_app_db_url)
        return self._store

    def fallback_model(self) -> BaseChatModel | None:
        if self.fallback is not None and self._fallback_model is None:
            self._fallback_model = build_chat_model(self.fallback, self.settings.model_timeout_s,
                                                    self.settings.model_max_tokens)
        return self._fallback_model

    def close(self) -> None:
        self.database.dispose()
        if self._cache is not None:
            self._cache.close()
        if self._store is not None:
            self._store.close()


def open_resources(settings: Settings) -> Resources:
    """Connect to the configured database (building the demo first if that is the one configured)."""
    if settings.uses_demo_database:
        ensure_demo_file(settings.demo_database_path)
    target = primary_target(settings)
    resources = Resources(settings=settings, database=Database(settings.effective_database_url), target=target,
                          chat_model=build_chat_model(target, settings.model_timeout_s, settings.model_max_tokens,
                                                      settings.structured_output),
                          fallback=fallback_target(settings))
    resources.fallback_model()  # a missing optional package must show at start, not at the first hard question
    if settings.semantic_model is not None and settings.rules:
        try:  # a mistake in the owner's file stops start-up with its place in the file, not every answer
            resources.semantic_model()
        except SettingsError:
            resources.close()
            raise
    return resources
