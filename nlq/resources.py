"""What answering needs and is expensive to make, built once per app or CLI run: not a global.

The database engine and its schema, the model clients (the self-hosted one, and the hosted fallback only
when the owner configured one), the curated examples, and the policy every SQL statement is vetted by.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel

from nlq.backends import ModelTarget, build_chat_model, fallback_target, primary_target
from nlq.database import Database, Limits
from nlq.demo import ensure_demo_file
from nlq.examples import DEMO_EXAMPLES, Example, load_examples
from nlq.schema import SchemaInfo, inspect_schema
from nlq.settings import Settings
from nlq.vet import VetPolicy


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

    def schema(self) -> SchemaInfo:
        if self._schema is None:
            self._schema = inspect_schema(self.database, self.settings.excluded_table_patterns)
        return self._schema

    def refresh_schema(self) -> SchemaInfo:
        self._schema = None
        return self.schema()

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
        if self._examples is None:
            path = self.settings.examples_file or (DEMO_EXAMPLES if self.settings.uses_demo_database else None)
            self._examples = load_examples(path, self.database.sqlglot_dialect) if path else ()
        return self._examples

    def fallback_model(self) -> BaseChatModel | None:
        if self.fallback is not None and self._fallback_model is None:
            self._fallback_model = build_chat_model(self.fallback, self.settings.model_timeout_s,
                                                    self.settings.model_max_tokens)
        return self._fallback_model

    def close(self) -> None:
        self.database.dispose()


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
    return resources
