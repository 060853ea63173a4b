"""Schema linking: put into the prompt only the tables a question needs, within a token budget.

Big schemas overflow a small model's context and drown the right tables among wrong ones. Tables are
ranked by how well their names, column names, comments and sample values match the question's words
(and common synonyms), weighted so that words found in many tables count less; then the tables on
foreign-key paths between the best matches are added so joins stay possible, then direct neighbours,
as long as the budget allows. A schema that fits whole goes in whole.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict, deque
from dataclasses import dataclass

from nlq.schema import SchemaInfo, TableInfo, render_table

CHARS_PER_TOKEN = 4  # no tokenizer offline; a conservative, consistent estimate for code-like text
MAX_BRIDGE_HOPS = 3
TOP_MATCHES = 4  # the best-matching tables, whose joins and neighbours are brought along
NEIGHBOURS_PER_TABLE = 3
RELATIVE_CUTOFF = 0.5  # other matches count only when at least this share of the best score
NAME_COVERAGE_BONUS = 0.5  # up to +50% for a table whose every name word is in the question
SYNONYMS = {
    "revenue": {"sales", "amount", "price", "total", "income", "turnover", "value"},
    "sale": {"order", "revenue", "transaction", "amount"},
    "customer": {"client", "buyer", "account", "user", "cust"},
    "client": {"customer"},
    "product": {"item", "sku", "article", "goods"},
    "order": {"purchase", "transaction", "sale"},
    "employee": {"staff", "worker", "rep", "emp"},
    "rep": {"employee", "staff", "representative"},
    "country": {"nation", "region"},
    "region": {"area", "territory", "country"},
    "category": {"type", "group", "class"},
    "cost": {"price", "expense", "spend"},
    "profit": {"margin", "revenue", "cost"},
    "date": {"time", "day", "when"},
    "year": {"date", "time"},
    "month": {"date", "time"},
    "city": {"location", "town"},
    "author": {"writer"},
    "paper": {"publication", "article"},
    "publication": {"paper", "article"},
    "transaction": {"payment", "transfer", "order", "tx"},
    "flight": {"airline", "trip"},
    "restaurant": {"food", "dining"},
    "doctor": {"physician"},
    "patient": {"person"},
}
WORD_RE = re.compile(r"[a-z]+|[0-9]+")
CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
STOP_WORDS = {"the", "a", "an", "of", "by", "in", "on", "for", "to", "and", "or", "with", "what", "which", "who",
              "how", "many", "much", "is", "are", "was", "were", "show", "me", "list", "give", "get", "all", "each",
              "per", "from", "that", "this", "their", "its", "do", "does", "did", "have", "has", "be", "as", "at",
              "top", "most", "least", "total", "number", "count", "average", "avg", "sum", "than", "more", "less"}


@dataclass(frozen=True)
class LinkedSchema:
    text: str
    tables: tuple[str, ...]
    tokens: int
    complete: bool  # True when the whole schema went in


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def words(text: str) -> set[str]:
    """Lower-case stems of the words in names like ``sbCustName``, ``order_lines`` or plain prose."""
    spaced = CAMEL_RE.sub(" ", text)
    return {_stem(w) for w in WORD_RE.findall(spaced.lower()) if len(w) > 1}


def _stem(word: str) -> str:
    for suffix in ("ing", "ed"):  # offered, offering -> offer
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    for suffix, replacement in (("ies", "y"), ("sses", "ss"), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "es" and not word.endswith(("ches", "shes", "xes", "ses")):
                continue
            return word[: len(word) - len(suffix)] + replacement
    return word


def link_schema(schema: SchemaInfo, question: str, budget_tokens: int,
                must_include: tuple[str, ...] = ()) -> LinkedSchema:
    rendered = {t.name: render_table(t) for t in schema.tables}
    whole = "\n\n".join(rendered.values())
    if estimate_tokens(whole) <= budget_tokens:
        return LinkedSchema(whole, tuple(rendered), estimate_tokens(whole), complete=True)
    scores = rank_tables(schema, question)
    ranked = sorted(schema.tables, key=lambda t: (-scores[t.name], t.name))
    graph = _foreign_key_graph(schema)
    wanted = [t for t in must_include if t in rendered]
    top_score = max(scores.values(), default=0.0)
    best = [t.name for t in ranked if scores[t.name] > 0 and scores[t.name] >= RELATIVE_CUTOFF * top_score]
    candidates = _ordered_candidates(wanted, best, graph, ranked, scores)
    chosen: list[str] = []
    used = 0
    for name in candidates:
        cost = estimate_tokens(rendered[name]) + 1
        if name not in chosen and used + cost <= budget_tokens:
            chosen.append(name)
            used += cost
    text = "\n\n".join(rendered[name] for name in chosen)
    return LinkedSchema(text, tuple(chosen), estimate_tokens(text), complete=False)


def _ordered_candidates(wanted: list[str], best: list[str], graph: dict[str, set[str]],
                        ranked: list[TableInfo], scores: dict[str, float]) -> list[str]:
    """Tables in the order they earn a place: the conversation's, the top matches with the tables that join
    them, the other strong matches, and neighbours of the top matches. Unrelated tables only pad the prompt
    and distract a small model, so they go in only when nothing matched at all."""
    if not wanted and not best:
        return [t.name for t in ranked]
    top = wanted + [t for t in best[:TOP_MATCHES] if t not in wanted]
    ordered = list(top)
    for index, first in enumerate(top):
        for second in top[index + 1:]:
            ordered += [t for t in _path(graph, first, second) if t not in ordered]
    ordered += [t for t in best if t not in ordered]
    for name in top:  # a hub (customers, dates) has hundreds of neighbours: only the most relevant few
        neighbours = sorted((n for n in graph[name] if n not in ordered), key=lambda n: (-scores[n], n))
        ordered += neighbours[:NEIGHBOURS_PER_TABLE]
    return ordered


def rank_tables(schema: SchemaInfo, question: str) -> dict[str, float]:
    """BM25-like relevance of each table to the question (0 when nothing matches)."""
    asked = words(question)
    expanded = {w: SYNONYMS.get(w, set()) for w in asked}
    bags = {t.name: _table_bags(t) for t in schema.tables}
    document_frequency: dict[str, int] = defaultdict(int)
    for bag in bags.values():
        for word in set().union(*bag.values()):
            document_frequency[word] += 1
    count = max(1, len(bags))
    scores: dict[str, float] = {}
    for name, bag in bags.items():
        score = 0.0
        for word in asked - STOP_WORDS:
            for candidate, factor in [(word, 1.0)] + [(s, 0.5) for s in expanded[word]]:
                weight = max((w for field, w in WEIGHTS.items() if candidate in bag[field]), default=0.0)
                if weight:
                    idf = math.log(1 + count / document_frequency[candidate])
                    score += weight * factor * idf
                    break
        name_words = bag["name"] - STOP_WORDS
        if score and name_words:  # "sales order" fits sales_order better than sales_order_history
            score *= 1 + NAME_COVERAGE_BONUS * len(name_words & asked) / len(name_words)
        scores[name] = score
    return scores


WEIGHTS = {"name": 3.0, "samples": 2.0, "columns": 1.5, "comments": 1.0}


def _table_bags(table: TableInfo) -> dict[str, set[str]]:
    samples: set[str] = set()
    comments = words(table.comment or "")
    columns: set[str] = set()
    for column in table.columns:
        columns |= words(column.name)
        comments |= words(column.comment or "")
        for value in column.samples:
            samples |= words(value)
    return {"name": words(table.name), "samples": samples, "columns": columns, "comments": comments}


def _foreign_key_graph(schema: SchemaInfo) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {t.name: set() for t in schema.tables}
    for table in schema.tables:
        for column in table.columns:
            if column.references:
                other = column.references.partition(".")[0]
                if other in graph and other != table.name:
                    graph[table.name].add(other)
                    graph[other].add(table.name)
    return graph


def _path(graph: dict[str, set[str]], start: str, goal: str) -> list[str]:
    """Tables strictly between two tables on a shortest foreign-key path (none if farther than allowed)."""
    previous: dict[str, str | None] = {start: None}
    queue = deque([(start, 0)])
    while queue:
        node, depth = queue.popleft()
        if node == goal:
            path = []
            while previous[node] is not None:
                node = previous[node]  # type: ignore[assignment]
                path.append(node)
            return [n for n in path if n != start]
        if depth < MAX_BRIDGE_HOPS:
            for neighbour in sorted(graph[node]):
                if neighbour not in previous:
                    previous[neighbour] = node
                    queue.append((neighbour, depth + 1))
    return []
