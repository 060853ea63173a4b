"""nlq's one settings object: every knob is declared here once, with its default and its help text.

Values come from ``NLQ_*`` environment variables and, below them in priority, from the same names as
top-level keys of ``.streamlit/secrets.toml``. A misspelt or malformed setting stops nlq at start with a
message naming the variable: silently falling back to a default would point a user at the wrong database.
Numbers are finite and bounded, because a timeout of ``inf`` or 1e12 seconds passes as a number and then fails
every answer; a database URL's driver must be installed, or the first connection ends in a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from annotated_types import Ge, Gt, Le
from pydantic import AfterValidator, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import URL, make_url

from nlq.database import require_driver
from nlq.errors import SettingsError
from nlq.schedule import check_hours
from nlq.secrecy import ColumnRules
from nlq.secrets_file import ENV_PREFIX, read_secrets

MODEL_PROVIDERS = ("ollama", "openai", "sagemaker", "bedrock")  # bedrock: only when the owner chooses it
FALLBACK_PROVIDERS = ("bedrock",)
DEFAULT_SECRETS_PATH = Path(".streamlit/secrets.toml")
CHARS_PER_TOKEN_CAP = 8  # a token is about 4 characters of English or SQL; runs of spaces make some longer
# A day: any longer wait is a typo, and it fits PostgreSQL's statement_timeout (at most 2147483647 ms).
MAX_TIMEOUT_S = 86_400
MAX_COST = 1e15  # EXPLAIN's units; far beyond any plan worth running, yet a finite comparison
MAX_PRICE_USD = 1_000.0  # per 1,000 tokens or per GPU hour: a larger price is a misplaced decimal point


class Settings(BaseSettings):
    # No inf or nan in any float: they pass "greater than 0" and then break every answer that uses them.
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid", allow_inf_nan=False)

    database_url: str = Field(
        "",
        description="SQLAlchemy URL of the database to question (e.g. postgresql://user:pw@host/db). "
        "Empty: the built-in demo database, created on first use.",
    )
    model: str = Field(
        "ollama:qwen2.5-coder:7b",
        description="Model that writes SQL, as provider:name. Providers: ollama, openai (any OpenAI-compatible "
        "server: vLLM, llama.cpp, LM Studio), sagemaker:ENDPOINT_NAME (a SageMaker endpoint running the LMI/vLLM or "
        "TGI container), bedrock:MODEL_ID (a hosted model on AWS Bedrock: every question and its schema go to AWS, "
        "and every answer says so).",
    )
    model_url: str = Field("http://localhost:11434", description="Base URL of the self-hosted model server.")
    model_api_key: str = Field(
        "", description="API key for an OpenAI-compatible server that wants one (vLLM --api-key)."
    )
    fallback_model: str = Field(
        "", description="Hosted fallback for questions the self-hosted model cannot answer, as bedrock:MODEL_ID. "
        "Empty (default): never send anything to a hosted model."
    )
    fallback_region: str = Field("us-east-1", description="AWS region of Bedrock: of the fallback, and of the "
                                 "model when NLQ_MODEL is bedrock:MODEL_ID.")
    fallback_url: str = Field("", description="Bedrock runtime endpoint URL (e.g. a VPC interface endpoint), for the "
                              "fallback and for NLQ_MODEL=bedrock:MODEL_ID; empty: the region's public endpoint.")
    sagemaker_region: str = Field("us-east-1", description="AWS region of the SageMaker endpoint NLQ_MODEL names "
                                  "(sagemaker:ENDPOINT_NAME).")
    sagemaker_endpoint_url: str = Field(
        "", description="SageMaker runtime endpoint URL (e.g. a VPC interface endpoint without private DNS); empty: "
        "the region's runtime.sagemaker endpoint."
    )
    sagemaker_api_url: str = Field(
        "", description="SageMaker API endpoint URL the doctor and the sidebar ask whether the endpoint is "
        "InService (a VPC interface endpoint without private DNS); empty: the region's api.sagemaker endpoint."
    )
    structured_output: Literal["auto", "on", "off"] = Field(
        "auto", description="Ask the server for JSON {sql, reason}: auto = with Ollama (which enforces it for any "
        "model); on = also OpenAI-compatible servers (response_format); off = never. Replies are parsed either way."
    )
    prompt_tokens: int = Field(
        3000, ge=500, le=200_000, description="Budget for the schema and examples in the prompt, in tokens."
    )
    repair_rounds: int = Field(2, ge=0, le=5, description="Times the model may fix SQL that failed to parse or run.")
    examples_file: Path | None = Field(
        None, description="JSONL file of curated question/sql examples (default: the demo's, on the demo database)."
    )
    semantic_model: Path | None = Field(
        None, description="YAML semantic model (metrics, dimensions, synonyms) for the rules tier (default: the "
        "demo's, on the demo database)."
    )
    rules: bool = Field(
        True, description="Answer simple questions with rules, without a model, when every word is understood."
    )
    cache: bool = Field(True, description="Reuse the vetted SQL of a question asked before, until the schema changes.")
    model_timeout_s: float = Field(
        120, gt=0, le=MAX_TIMEOUT_S, description="Seconds the model may take for one answer, all its calls together: "
        "the first reply and every repair round share this one deadline, however the server streams or stalls."
    )
    model_max_tokens: int = Field(1024, ge=64, le=32768, description="Longest model reply, in tokens.")
    model_hours: Annotated[str, AfterValidator(check_hours)] = Field("", description="When the model server runs "
        "(e.g. 'Mon-Fri 08:00-19:00 Europe/Berlin'); outside them it is asleep: the rules still answer, and questions "
        "that need the model say until when it is off (or go to the hosted fallback). Empty: always on.")
    model_max_reply_chars: int | None = Field(
        None, gt=0, description="Most characters of a model reply nlq reads: past them it stops reading and says "
        "the reply was too long (NLQ_MODEL_MAX_TOKENS is only a request, which some servers ignore). Empty: "
        "8 characters per token of NLQ_MODEL_MAX_TOKENS."
    )
    max_rows: int = Field(10000, ge=1, le=1_000_000, description="Most rows fetched for one answer.")
    query_timeout_s: float = Field(
        30, gt=0, le=MAX_TIMEOUT_S, description="Seconds of database time one answer may use: its query, every "
        "fetch of its rows and the count of a capped result share this one budget (each statement gets what the "
        "ones before it left)."
    )
    connect_timeout_s: float = Field(
        10, gt=0, le=600, description="Seconds to wait for a database server to answer a new connection (the "
        "questioned database, and a PostgreSQL app store) before saying it cannot be reached. PostgreSQL waits "
        "whole seconds, rounded up and at least 2, for each address of the host."
    )
    lock_timeout_s: float = Field(
        5, gt=0, le=MAX_TIMEOUT_S, description="Seconds a query may wait for a lock (PostgreSQL)."
    )
    idle_timeout_s: float = Field(
        60, gt=0, le=MAX_TIMEOUT_S, description="Seconds a transaction may sit idle (PostgreSQL)."
    )
    max_cost: float = Field(
        10_000_000, ge=0, le=MAX_COST,
        description="Refuse PostgreSQL queries whose EXPLAIN cost estimate is higher; 0 = no limit."
    )
    exclude_tables: str = Field(
        "", description="Comma-separated table names or globs (e.g. users,audit_*) no question may read."
    )
    exclude_columns: str = Field(
        "", description="Comma-separated columns no question may read, as table.column or column globs (e.g. "
        "users.phone,*.dob). Columns that look like secrets are hidden without being named here."
    )
    expose_columns: str = Field(
        "", description="Columns hidden because their name or values look like secrets (password, hash, token, "
        "secret, API key, salt, SSN, card number) that questions may read after all, as table.column or column "
        "globs. NLQ_EXCLUDE_COLUMNS wins over this."
    )
    data_dir: Path = Field(
        Path("data"), description="Folder for nlq's own files: the demo database and the app store (answer log, "
        "feedback, examples, question cache)."
    )
    allowed_users: str = Field(
        "", description="With sign-in ([auth] in .streamlit/secrets.toml): who may use nlq, as comma-separated e-mail "
        "addresses and @domains (e.g. ana@example.com,@example.org). Empty: anyone the identity provider signs in."
    )
    admins: str = Field(
        "", description="E-mail addresses (comma-separated) of the admins, who see everyone's history and usage and "
        "alone approve examples. Without sign-in the one local user is the admin."
    )
    log_questions: bool = Field(
        False, description="Also write question text and SQL into the JSON logs (result rows never are)."
    )
    app_db_url: str = Field(
        "", description="SQLAlchemy URL of nlq's own store (answer log, feedback, examples, question cache). Empty: a "
        "SQLite file in NLQ_DATA_DIR; PostgreSQL when several app instances share it."
    )
    gpu_prices: str = Field(
        "g4dn.xlarge on demand=0.526, g4dn.xlarge spot=0.158, g4dn.xlarge reserved=0.331, g5.xlarge on demand=1.006",
        description="Instance choices for the cost page and `nlq costs`, as name=USD per hour, comma-separated "
        "(reserved: 1 year, no upfront).",
    )
    gpu_instance: str = Field("g4dn.xlarge on demand", description="Which of NLQ_GPU_PRICES the model server runs on.")
    api_input_price: float = Field(
        0.003, ge=0, le=MAX_PRICE_USD, description="A hosted API's price per 1,000 prompt tokens, USD, for comparison."
    )
    api_output_price: float = Field(
        0.015, ge=0, le=MAX_PRICE_USD, description="A hosted API's price per 1,000 completion tokens, USD."
    )
    api_rate_per_minute: int = Field(
        30, ge=1, le=100_000, description="The HTTP API (`python -m nlq serve`): calls a minute one token may make, "
        "counted in the app store so every serve process on it shares the limit; more answer 429 with Retry-After."
    )
    ops_per_month: float = Field(
        50.0, ge=0, le=MAX_PRICE_USD * 1000, description="What running the GPU server costs a month besides the "
        "instance (monitoring, storage, a person's time), USD: the cost planner adds it to self-hosting."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # load_settings merges environment and secrets itself (environment wins), so one source suffices.
        return (init_settings,)

    @field_validator("model")
    @classmethod
    def _model_is_provider_and_name(cls, value: str) -> str:
        provider, sep, name = value.partition(":")
        if not sep or not name:
            raise ValueError(f"expected provider:name such as ollama:qwen2.5-coder:7b, got {value!r}")
        if provider not in MODEL_PROVIDERS:
            raise ValueError(f"unknown provider {provider!r}; known: {', '.join(MODEL_PROVIDERS)}")
        return value

    @field_validator("fallback_model")
    @classmethod
    def _fallback_is_hosted_provider(cls, value: str) -> str:
        provider, sep, name = value.partition(":")
        if value and (not sep or not name or provider not in FALLBACK_PROVIDERS):
            raise ValueError("expected bedrock:MODEL_ID (e.g. bedrock:anthropic.claude-3-5-haiku-20241022-v1:0), "
                             f"got {value!r}")
        return value

    @field_validator("model_url", "fallback_url", "sagemaker_endpoint_url", "sagemaker_api_url")
    @classmethod
    def _model_url_is_http(cls, value: str, info: ValidationInfo) -> str:
        if (value or info.field_name == "model_url") and not value.startswith(("http://", "https://")):
            raise ValueError(f"expected an http:// or https:// URL, got {value!r}")
        return value.rstrip("/")

    @field_validator("database_url", "app_db_url")
    @classmethod
    def _database_url_parses(cls, value: str) -> str:
        if value:
            try:
                make_url(value)
            except Exception as error:  # SQLAlchemy raises ArgumentError; any failure means unusable
                raise ValueError(f"not a database URL ({error})") from None
        return value

    @field_validator("allowed_users", "admins")
    @classmethod
    def _addresses_parse(cls, value: str, info: ValidationInfo) -> str:
        domains_allowed = info.field_name == "allowed_users"
        for entry in split_list(value):
            local, at, domain = entry.rpartition("@")
            is_address = bool(at and local)
            looks_right = "." in (domain if at else entry) and " " not in entry
            if not looks_right or not (is_address or domains_allowed):
                wanted = "e-mail addresses or @domains (ana@example.com, @example.org)" if domains_allowed \
                    else "e-mail addresses (ana@example.com)"
                raise ValueError(f"expected comma-separated {wanted}, got {entry!r}")
        return value

    @field_validator("gpu_prices")
    @classmethod
    def _prices_parse(cls, value: str) -> str:
        parse_prices(value)
        return value

    @model_validator(mode="after")
    def _instance_is_priced(self) -> Settings:
        if self.gpu_instance not in self.instance_prices:
            raise ValueError(f"NLQ_GPU_INSTANCE {self.gpu_instance!r} is not one of NLQ_GPU_PRICES: "
                             f"{', '.join(self.instance_prices)}")
        return self

    @property
    def instance_prices(self) -> dict[str, float]:
        return parse_prices(self.gpu_prices)

    @property
    def effective_app_db_url(self) -> str:
        if self.app_db_url:
            return self.app_db_url
        return URL.create("sqlite", database=str(self.data_dir / "app.sqlite")).render_as_string()

    @property
    def reply_char_cap(self) -> int:
        """NLQ_MODEL_MAX_REPLY_CHARS, or 8 characters per requested token: more than a reply the server stopped
        at NLQ_MODEL_MAX_TOKENS can hold, so only a runaway reply meets it."""
        return self.model_max_reply_chars or self.model_max_tokens * CHARS_PER_TOKEN_CAP

    @property
    def model_provider(self) -> str:
        return self.model.partition(":")[0]

    @property
    def model_name(self) -> str:
        return self.model.partition(":")[2]

    @property
    def excluded_table_patterns(self) -> tuple[str, ...]:
        return split_list(self.exclude_tables)

    @property
    def column_rules(self) -> ColumnRules:
        return ColumnRules(exclude=split_list(self.exclude_columns), expose=split_list(self.expose_columns))

    @property
    def uses_demo_database(self) -> bool:
        """No database configured, or the demo's own file named by its URL (as `nlq eval --db` does)."""
        if not self.database_url:
            return True
        url = make_url(self.database_url)
        if url.get_backend_name() != "sqlite" or not url.database:
            return False
        return Path(url.database).resolve() == self.demo_database_path.resolve()

    @property
    def demo_database_path(self) -> Path:
        return self.data_dir / "demo.sqlite"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return URL.create("sqlite", database=str(self.demo_database_path)).render_as_string()


def split_list(text: str) -> tuple[str, ...]:  # a comma-separated setting's entries, trimmed, empty ones dropped
    return tuple(part.strip() for part in text.split(",") if part.strip())


def parse_prices(text: str) -> dict[str, float]:
    """``name=0.53, other=1.01`` → {name: 0.53, other: 1.01}."""
    prices = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name, sep, price = part.rpartition("=")
        wanted = (f"expected name=price pairs such as 'g5.xlarge on demand=1.006', each price from 0 to "
                  f"{_number(MAX_PRICE_USD)} USD per hour, got {part!r}")
        try:
            prices[name.strip()] = float(price)
        except ValueError:
            raise ValueError(wanted) from None
        if not sep or not name.strip() or not 0 <= prices[name.strip()] <= MAX_PRICE_USD:  # nan fails too
            raise ValueError(wanted)
    return prices


def env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()


def load_settings(
    environ: Mapping[str, str] | None = None, secrets_path: Path | None = DEFAULT_SECRETS_PATH
) -> Settings:
    """Build the settings from the environment and secrets file, refusing unknown or malformed values."""
    environ = os.environ if environ is None else environ
    known = {env_name(name) for name in Settings.model_fields}
    from_env = {key: value for key, value in environ.items() if key.startswith(ENV_PREFIX)}
    from_secrets = read_secrets(secrets_path)
    unknown = sorted((set(from_env) | set(from_secrets)) - known)
    if unknown:
        raise SettingsError(
            f"Unknown setting {', '.join(unknown)}.",
            f"Known settings: {', '.join(sorted(known))}. Check the spelling, or remove the variable.",
        )
    merged = {**from_secrets, **from_env}
    try:
        settings = Settings(**{key[len(ENV_PREFIX) :].lower(): value for key, value in merged.items()})
    except ValidationError as error:
        problems = "; ".join(_problem(issue) for issue in error.errors())
        raise SettingsError(
            f"Invalid setting — {problems}.", "Fix the value in your environment or .streamlit/secrets.toml."
        ) from None
    for variable, url in (("NLQ_DATABASE_URL", settings.database_url), ("NLQ_APP_DB_URL", settings.app_db_url)):
        if url:
            require_driver(url, variable)
    return settings


def _problem(issue: ErrorDetails) -> str:
    """One invalid value, named by its variable; a number is told its allowed range, whatever was wrong."""
    if not issue["loc"]:
        return str(issue["msg"]).removeprefix("Value error, ")
    name = str(issue["loc"][0])
    bounds = allowed_range(name)
    if bounds:
        return f"{env_name(name)} is {issue['input']!r}; it must be {bounds}"
    return f"{env_name(name)}: {issue['msg']} (got {issue['input']!r})"


def allowed_range(name: str) -> str | None:
    """A numeric setting's bounds as a message says them ("a number above 0 and at most 86400"); None for the
    others. Read from the declaration, so the message cannot drift from the check."""
    field = Settings.model_fields[name]
    if field.annotation not in (int, float):
        return None
    kind = "a whole number" if field.annotation is int else "a number"
    low = next((rule for rule in field.metadata if isinstance(rule, Ge | Gt)), None)
    high = next((rule.le for rule in field.metadata if isinstance(rule, Le)), None)
    if isinstance(low, Ge) and high is not None:
        return f"{kind} from {_number(low.ge)} to {_number(high)}"
    parts = [f"above {_number(low.gt)}" if isinstance(low, Gt) else f"at least {_number(low.ge)}" if low else "",
             f"at most {_number(high)}" if high is not None else ""]
    return f"{kind} {' and '.join(part for part in parts if part)}"


def _number(value: Any) -> str:  # 1e15 as 1000000000000000 and 0.5 as 0.5: as typed into the variable
    return str(int(value)) if float(value).is_integer() else str(value)
