"""Find the SQL in a model's reply, whatever shape a small local model gave it.

Replies arrive as a fenced block, bare SQL, JSON with an "sql" field, SQL wrapped in prose, or reasoning
("<think>…</think>") before the answer. This step only cuts text out; it judges nothing. Whatever it returns
still goes through vetting, and anything it cannot place is reported as "no SQL in the reply".
"""

from __future__ import annotations

import json

QUERY_STARTS = ("select", "with", "values", "(select")
SQL_FENCE_LABELS = ("sql", "postgresql", "postgres", "sqlite", "mysql", "tsql")


def extract_sql(reply: str) -> str | None:
    text = _drop_reasoning(reply).strip()
    if not text:
        return None
    for finder in (_from_json, _from_fences, _from_bare_text):
        found = finder(text)
        if found:
            return found.strip().rstrip(";").strip() or None
    return None


def _drop_reasoning(reply: str) -> str:
    before, marker, after = reply.partition("</think>")
    return after if marker else before


def _looks_like_query(text: str) -> bool:
    return text.lstrip().lower().startswith(QUERY_STARTS)


def _fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(label, body) for each ``` fenced block, in order."""
    parts = text.split("```")
    blocks = []
    for inside in parts[1::2]:
        label, _, body = inside.partition("\n")
        if not body and _looks_like_query(label):  # ```SELECT 1``` on one line
            label, body = "", label
        blocks.append((label.strip().lower(), body))
    return blocks


def _from_fences(text: str) -> str | None:
    blocks = _fenced_blocks(text)
    for label, body in blocks:
        if label in SQL_FENCE_LABELS and body.strip():
            return body
    for label, body in blocks:
        if label == "json":
            found = _from_json(body)
            if found:
                return found
        if _looks_like_query(body):
            return body
    return None


def _from_json(text: str) -> str | None:
    data = _json_object(text)
    for key in ("sql", "query", "SQL"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return _from_fences(value) or value  # some models fence the SQL even inside JSON
    return None


def _json_object(text: str) -> dict:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def explanation(reply: str) -> str:
    """What the model said instead of SQL: the ``reason`` of a structured reply, else the reply itself."""
    reason = _json_object(_drop_reasoning(reply).strip()).get("reason")
    return reason if isinstance(reason, str) and reason.strip() else reply


def _from_bare_text(text: str) -> str | None:
    """The paragraph that starts with a query keyword: SQL written without a fence, maybe inside prose."""
    lines = text.splitlines()
    for start, line in enumerate(lines):
        if _looks_like_query(line):
            taken = []
            for following in lines[start:]:
                if not following.strip():
                    break
                taken.append(following)
            return "\n".join(taken)
    return None
