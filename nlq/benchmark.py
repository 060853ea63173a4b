"""Measure the model server nlq is configured for, with nlq's own prompts: time to first token, total latency,
output tokens per second and errors, one request at a time and with several in flight.

The brief promises answers in 0.5–2 s from a hosted API and 1–3 s from a self-hosted model; whether an
owner's GPU keeps that with four or sixteen people asking at once is a measurement, not a guess. The prompts
are the very ones the model route sends (``nlq.routes.model.compose_prompt``: the linked schema, the similar
examples, the glossary) and each goes through the same streamed call (``nlq.model.generate``), so the
figures are what users would wait. Nothing the model writes is run: its SQL is only looked for, never
executed.

The last run is kept as JSON in ``NLQ_DATA_DIR`` so the Usage & cost page can show it. Reading and shaping it
loads no model library; LangChain is imported only when a run starts.
"""

from __future__ import annotations

import itertools
import json
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from nlq.errors import InputError, ModelNotFound, ModelUnreachable, NlqError, SettingsError

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

    from nlq.engine import Engine
    from nlq.settings import Settings
    from nlq.targets import ModelTarget
    from nlq.writer import SqlWriter

DEFAULT_LEVELS = (1, 4, 16)
DEFAULT_REQUESTS = 8  # per level; a level never sends fewer than its concurrency, so all of them are in flight
SAVED_FILE = "bench-model.json"
GOLDEN = Path(__file__).parent / "demo" / "golden.jsonl"
CHARS_PER_TOKEN = 4  # the estimate when a server reports no token counts (said so wherever it is shown)
# Failures of the first request that make any measurement pointless: nothing would reach a model.
FATAL = (ModelUnreachable, ModelNotFound, SettingsError)


@dataclass(frozen=True)
class Sample:
    """One request: how long until its first token and until its end, and what it produced or why not."""

    total_s: float
    ttft_s: float | None = None
    output_tokens: int = 0
    prompt_tokens: int | None = None
    counted: bool = False  # output_tokens as the server reported them, not estimated from characters
    has_sql: bool = False
    failure: NlqError | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


@dataclass(frozen=True)
class Level:
    """What one concurrency level measured; seconds are None where no request succeeded."""

    concurrency: int
    requests: int
    ok: int
    errors: dict[str, int]
    ttft_p50_s: float | None
    ttft_p95_s: float | None
    latency_p50_s: float | None
    latency_p95_s: float | None
    tokens_per_s_per_request: float | None  # median over requests of output tokens / time after the first
    tokens_per_s: float | None  # all output tokens / the level's wall time: the server's throughput
    requests_per_s: float
    wall_s: float
    tokens: str  # "reported", "estimated" (characters / 4), "mixed" or "none"
    replies_with_sql: int


@dataclass(frozen=True)
class BenchRun:
    time: str
    provider: str
    model: str
    server: str
    questions_from: str
    questions: int
    timeout_s: float
    warm_up_s: float | None  # the first request, alone and before the levels (it may include loading the model)
    prompt_tokens_mean: float | None
    levels: list[Level] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(level.ok for level in self.levels)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def benchmark(engine: Engine, levels: Sequence[int] = DEFAULT_LEVELS, requests: int | None = None,
              questions_file: Path | None = None) -> BenchRun:
    """Send nlq's prompts for the questions to the configured model at each concurrency level. A server
    that cannot be reached, or lacks the model, fails the first request and stops the run with that error."""
    if not levels or min(levels) < 1:
        raise InputError("Each concurrency level is a whole number of at least 1.", "For example --concurrency 1,4,16.")
    if requests is not None and requests < 1:
        raise InputError("--requests is at least 1.", "For example --requests 8.")
    settings = engine.settings
    questions, source = bench_questions(settings, engine, questions_file)
    conversations = _conversations(engine, questions)
    writer = engine.writer()
    timeout_s = settings.model_timeout_s
    turns = itertools.cycle(conversations)
    warm_up = measure(writer, next(turns), timeout_s)
    if isinstance(warm_up.failure, FATAL):
        raise warm_up.failure
    measured = [run_level(writer, turns, level, requests or max(DEFAULT_REQUESTS, level), timeout_s)
                for level in levels]
    counted = [s.prompt_tokens for level in measured for s in level[1] if s.prompt_tokens]
    target = writer.target
    return BenchRun(time=datetime.now(UTC).isoformat(timespec="seconds"), provider=target.provider,
                    model=target.name, server=server_of(target), questions_from=source, questions=len(questions),
                    timeout_s=timeout_s, warm_up_s=round(warm_up.total_s, 3) if warm_up.ok else None,
                    prompt_tokens_mean=round(statistics.fmean(counted), 1) if counted else None,
                    levels=[level for level, _ in measured])


def measure(writer: SqlWriter, messages: list[BaseMessage], timeout_s: float) -> Sample:
    """One streamed call, as the model route makes it, timed from before the request to its first token and
    to its end; ``timeout_s`` (NLQ_MODEL_TIMEOUT_S) bounds it."""
    from nlq.extract import extract_sql
    from nlq.model import generate

    first: list[float] = []

    def on_token(_text: str) -> None:
        if not first:
            first.append(time.perf_counter())

    started = time.perf_counter()
    try:
        reply = generate(writer.chat_model, messages, writer.target, timeout_s, on_token, writer.max_reply_chars)
    except NlqError as error:
        return Sample(total_s=time.perf_counter() - started, failure=error)
    ended = time.perf_counter()
    counted = reply.completion_tokens is not None
    tokens = reply.completion_tokens if counted else estimate_tokens(reply.text)
    return Sample(total_s=ended - started, ttft_s=(first[0] - started) if first else None,
                  output_tokens=tokens or 0, prompt_tokens=reply.prompt_tokens, counted=counted,
                  has_sql=extract_sql(reply.text) is not None)


def run_level(writer: SqlWriter, turns: Iterator[list[BaseMessage]], concurrency: int, requests: int,
              timeout_s: float) -> tuple[Level, list[Sample]]:
    """``requests`` calls with at most ``concurrency`` in flight, each on a thread of its own."""
    jobs = [next(turns) for _ in range(requests)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="nlq-bench") as pool:
        samples = list(pool.map(lambda messages: measure(writer, messages, timeout_s), jobs))
    return summarise(concurrency, samples, time.perf_counter() - started), samples


def summarise(concurrency: int, samples: Sequence[Sample], wall_s: float) -> Level:
    done = [s for s in samples if s.ok]
    ttfts = [s.ttft_s for s in done if s.ttft_s is not None]
    totals = [s.total_s for s in done]
    speeds = [s.output_tokens / (s.total_s - s.ttft_s) for s in done
              if s.ttft_s is not None and s.output_tokens and s.total_s > s.ttft_s]
    output = sum(s.output_tokens for s in done)
    kinds = {s.counted for s in done if s.output_tokens}
    tokens = "none" if not kinds else "mixed" if len(kinds) > 1 else "reported" if True in kinds else "estimated"
    errors = Counter(s.failure.kind.value for s in samples if s.failure is not None)
    return Level(concurrency=concurrency, requests=len(samples), ok=len(done), errors=dict(sorted(errors.items())),
                 ttft_p50_s=_rounded(percentile(ttfts, 50)), ttft_p95_s=_rounded(percentile(ttfts, 95)),
                 latency_p50_s=_rounded(percentile(totals, 50)), latency_p95_s=_rounded(percentile(totals, 95)),
                 tokens_per_s_per_request=_rounded(percentile(speeds, 50), 1),
                 tokens_per_s=round(output / wall_s, 1) if done and wall_s > 0 else None,
                 requests_per_s=round(len(done) / wall_s, 3) if wall_s > 0 else 0.0, wall_s=round(wall_s, 3),
                 tokens=tokens, replies_with_sql=sum(s.has_sql for s in done))


def percentile(values: Sequence[float], share: float) -> float | None:
    """Linear interpolation between the closest ranks (NumPy's default), so p95 of eight values is not
    simply the largest."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * share / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def estimate_tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


def bench_questions(settings: Settings, engine: Engine, path: Path | None) -> tuple[list[str], str]:
    """The questions to ask and where they came from: the file given, the demo's golden questions on the
    demo, else the owner's curated and approved examples (their own database's questions)."""
    if path is not None:
        return read_questions(path), str(path)
    if settings.uses_demo_database:
        return read_questions(GOLDEN), "the demo's golden questions"
    questions = list(dict.fromkeys(example.question for example in engine.examples()))
    if not questions:
        raise InputError("There are no questions to benchmark with for this database.",
                         "Pass --questions FILE (JSON lines with a \"question\"), or set NLQ_EXAMPLES_FILE.")
    return questions, "the examples (NLQ_EXAMPLES_FILE and approved ones)"


def read_questions(path: Path) -> list[str]:
    """JSON lines with a ``question`` (an eval set's file works as it is; other keys are ignored)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"Could not read {path}: {error}.", "Pass a UTF-8 JSONL file with a \"question\" on "
                         "each line.") from None
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            question = json.loads(line).get("question")
        except (json.JSONDecodeError, AttributeError):
            question = None
        if not isinstance(question, str) or not question.strip():
            raise InputError(f"{path}, line {number}: not a JSON object with a \"question\".",
                             "Each line is one JSON object, e.g. {\"question\": \"Revenue by region\"}.")
        questions.append(question.strip())
    if not questions:
        raise InputError(f"{path} holds no questions.", "Add JSON lines with a \"question\".")
    return questions


def _conversations(engine: Engine, questions: Sequence[str]) -> list[list[BaseMessage]]:
    """Each question's messages exactly as the model route would send them (made before any timing)."""
    from nlq.routes.candidate import Request
    from nlq.routes.model import compose_prompt
    from nlq.writer import messages_for

    return [messages_for(compose_prompt(Request(question), engine)) for question in questions]


def server_of(target: ModelTarget) -> str:
    """Where the model runs, without any user name or password a URL may carry."""
    if target.hosted:
        return f"AWS Bedrock ({target.region or 'default region'})"
    if not target.url:
        return target.provider
    parts = urlsplit(target.url)
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}{parts.path}" if parts.scheme else target.url


def _rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


# The last run, kept for the Usage & cost page.

def saved_path(settings: Settings) -> Path:
    return settings.data_dir / SAVED_FILE


def save_run(run: BenchRun, path: Path) -> None:
    """Written whole to a neighbour, then renamed, so the page never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{threading.get_ident()}")
    partial.write_text(json.dumps(run.as_dict(), indent=1), encoding="utf-8")
    partial.replace(path)


@dataclass(frozen=True)
class SavedRun:
    """The last run as the page shows it: one line saying when and what, one row per level."""

    caption: str
    rows: list[dict[str, object]]
    estimated: bool  # some token counts are estimates (the server reported none)


def last_run(path: Path) -> SavedRun | None:
    """None when there is no run yet, or the file cannot be read as one (the page then says how to make one)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        levels = [Level(**level) for level in data["levels"]]
        caption = (f"Measured {data['time'].replace('T', ' ')} on {data['model']} ({data['provider']}) at "
                   f"{data['server']}, with {data['questions']} questions from {data['questions_from']}; "
                   f"at most {data['timeout_s']:g} s a request.")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return SavedRun(caption, [level_row(level) for level in levels],
                    any(level.tokens in ("estimated", "mixed") for level in levels))


def level_row(level: Level) -> dict[str, object]:
    """A level in words for a table; seconds stay numbers so the table can format them."""
    errors = ", ".join(f"{count} {kind}" for kind, count in level.errors.items()) or "none"
    return {"in flight": level.concurrency, "requests": level.requests, "errors": errors,
            "first token p50 (s)": level.ttft_p50_s, "first token p95 (s)": level.ttft_p95_s,
            "latency p50 (s)": level.latency_p50_s, "latency p95 (s)": level.latency_p95_s,
            "tokens/s a request": level.tokens_per_s_per_request, "tokens/s in all": level.tokens_per_s,
            "requests/s": level.requests_per_s}
