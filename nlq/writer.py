"""A model that writes SQL: the prompt as LangChain messages, one streamed call, the SQL found in the reply,
and a repair round that shows the model what went wrong.

This module loads LangChain. The engine imports it the first time a question reaches a model, so questions
the rules or the cache answer never pay for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder

from nlq.answer import Turn
from nlq.backends import build_chat_model
from nlq.examples import Example
from nlq.extract import extract_sql
from nlq.model import DEFAULT_MAX_REPLY_CHARS, generate
from nlq.prompt import REPAIR_TEMPLATE, SYSTEM_TEMPLATE, Prompt
from nlq.routes.candidate import ModelUse
from nlq.settings import Settings
from nlq.steps import ModelBudget, TokenCallback
from nlq.targets import ModelTarget

PROMPT = ChatPromptTemplate.from_messages([
    ("system", SYSTEM_TEMPLATE),
    MessagesPlaceholder("examples"),
    MessagesPlaceholder("history"),
    ("human", "{question}"),
])


@dataclass(frozen=True)
class Draft:
    """The conversation with the model so far, its latest reply, the SQL in that reply (if any), and what all
    of its calls for this question used."""

    messages: tuple[BaseMessage, ...]
    reply: str
    sql: str | None
    use: ModelUse


class SqlWriter:
    """One model on one server, ready to write SQL; built once per engine and shared by sessions.

    Each call takes the answer's ``ModelBudget`` (one per answer, shared by its repair rounds); without one,
    a call has ``timeout_s`` to itself."""

    def __init__(self, target: ModelTarget, chat_model: BaseChatModel, timeout_s: float,
                 max_reply_chars: int = DEFAULT_MAX_REPLY_CHARS) -> None:
        self.target = target
        self.chat_model = chat_model
        self.timeout_s = timeout_s
        self.max_reply_chars = max_reply_chars

    @classmethod
    def for_target(cls, target: ModelTarget, settings: Settings, structured: str = "off") -> SqlWriter:
        chat_model = build_chat_model(target, settings.model_timeout_s, settings.model_max_tokens, structured)
        return cls(target, chat_model, settings.model_timeout_s, settings.reply_char_cap)

    def write(self, prompt: Prompt, on_token: TokenCallback | None = None, budget: ModelBudget | None = None) -> Draft:
        return self._call(messages_for(prompt), ModelUse(), on_token, budget)

    def rewrite(self, draft: Draft, problem: str, on_token: TokenCallback | None = None,
                budget: ModelBudget | None = None) -> Draft:
        """A repair round: the model sees its own reply and what went wrong with it."""
        return self._call((*draft.messages, *repair_messages(draft.reply, problem)), draft.use, on_token, budget)

    def _call(self, messages: Sequence[BaseMessage], used: ModelUse, on_token: TokenCallback | None,
              budget: ModelBudget | None) -> Draft:
        reply = generate(self.chat_model, messages, self.target, budget or self.timeout_s, on_token,
                         self.max_reply_chars)
        use = used + ModelUse(reply.prompt_tokens or 0, reply.completion_tokens or 0, reply.seconds)
        return Draft(tuple(messages), reply.text, extract_sql(reply.text), use)


def messages_for(prompt: Prompt) -> list[BaseMessage]:
    """Examples and earlier turns become question/answer message pairs: small models follow those best."""
    return PROMPT.format_messages(
        dialect=prompt.dialect,
        dialect_notes=prompt.dialect_notes,
        schema=prompt.schema_section,
        examples=_pairs((e.question, e.sql) for e in prompt.examples),
        history=_pairs((t.question, t.sql) for t in prompt.recent_history),
        question=prompt.question,
    )


def build_messages(question: str, schema_text: str, dialect: str, examples: Sequence[Example] = (),
                   history: Sequence[Turn] = (), partial_schema: bool = False) -> list[BaseMessage]:
    """The messages for a question without composing a whole ``Prompt`` (tests and benchmarks)."""
    return messages_for(Prompt(question, schema_text, dialect, tuple(examples), tuple(history), partial_schema))


def repair_messages(reply: str, error: str) -> list[BaseMessage]:
    """What to append so the model can fix its own SQL: its reply, then what went wrong."""
    return [AIMessage(content=reply), HumanMessage(content=REPAIR_TEMPLATE.format(error=error))]


def _pairs(pairs: Iterable[tuple[str, str]]) -> list[BaseMessage]:
    messages: list[BaseMessage] = []
    for question, sql in pairs:
        messages += [HumanMessage(content=question), AIMessage(content=f"```sql\n{sql}\n```")]
    return messages
