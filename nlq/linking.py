"""Schema linking: put into the prompt only the tables a question needs, within a token budget.

Big schemas overflow a small model's context and drown the right tables among wrong ones: archives,
summaries, staging copies and event logs share the real tables' words. A ``LinkingIndex`` is built once per
schema (the engine keeps one per fingerprint) and scores each table by how well its name, columns, comments
and values match the question's words — compared as lemmas, with WordNet's synonyms and the nouns of verbs
("rented" finds ``rental``) — weighted so that words found in many tables count less. What nlq already knows
helps: money columns answer to "revenue" and "sales", a value named in the question points at the table that
holds it, the semantic model's names point at their tables, tables that others join to (hubs) weigh a little
more, and a copy (``*_archive_2019``, ``*_summary``, ``stg_*``) weighs less unless the question says so. Then
the tables on foreign-key paths between the best matches are added so joins stay possible, then a few
neighbours. A schema that fits whole goes in whole; unrelated tables never pad the prompt.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from nlq.lexicon import Lexicon, english
from nlq.schema import PERSON_COLUMNS, SchemaInfo, TableInfo, inferred_references, render_table

CHARS_PER_TOKEN = 4  # no tokenizer offline; a conservative, consistent estimate for code-like text
MAX_BRIDGE_HOPS = 4
TOP_MATCHES = 6  # the best-matching tables, whose joins and neighbours are brought along
NEIGHBOURS_PER_TABLE = 3
RELATIVE_CUTOFF = 0.35  # other matches count only when at least this share of the best score
NAME_COVERAGE_BONUS = 0.5  # up to +50% for a table whose every name word is in the question
COPY_PENALTY = 0.35  # an archive, summary or staging copy, when the question does not ask for one
HUB_BONUS = 0.04  # per table that joins to this one, up to HUB_CAP of them
HUB_CAP = 10
HUBS_WHEN_NOTHING_MATCHES = 6
CATEGORY_VALUES = 50  # a column with more distinct values holds names (people, cities), not categories
NAME_VALUE_FACTOR = 0.3
SYNONYM_FACTOR, EVENT_FACTOR = 0.5, 0.8
WEIGHTS = {"name": 3.0, "values": 2.0, "concepts": 1.5, "columns": 1.5, "comments": 1.0}
# Words that make a table a copy or a digest of another: archives, backups, logs, summaries, staging.
COPY_WORDS = frozenset({"archive", "archived", "backup", "bak", "old", "history", "hist", "log", "audit", "snapshot",
                        "staging", "stg", "tmp", "temp", "copy", "summary", "agg", "aggregate", "rollup", "stat",
                        "legacy", "deprecated", "test", "raw", "import", "export", "cache", "mv", "event", "daily",
                        "weekly", "monthly", "yearly", "v1", "v2", "v3", "bkp", "dump", "report", "view", "change",
                        "activity", "stats", "changes"})
# Column words that hold money: such a table answers to "revenue" and "sales" even when not so named.
MONEY_WORDS = frozenset({"amount", "price", "total", "revenue", "sale", "cost", "fee", "charge", "payment", "paid",
                         "spend", "budget", "balance", "salary", "wage", "income", "profit"})
MONEY_CONCEPTS = ("revenue", "sale", "income", "turnover", "money", "earning", "spend", "pay", "sell", "buy",
                  "purchase", "earn", "cost")
# Words that ask about time: a fact table's date may live in a date dimension it joins to (time_by_day).
TIME_WORDS = frozenset({"year", "quarter", "month", "week", "day", "date", "when", "daily", "monthly", "yearly",
                        "weekly", "quarterly", "annual", "january", "february", "march", "april", "may", "june",
                        "july", "august", "september", "october", "november", "december", "q1", "q2", "q3", "q4"})
# Words that ask about people: tables whose rows have a person's name answer to them ("who earns most?").
PERSON_WORDS = frozenset({"who", "whom", "whose", "people", "person", "headcount", "staff", "anyone", "someone"})
ISOLATED_PENALTY = 0.6  # a table nothing joins to, in a schema whose tables are joined
WORD_RE = re.compile(r"[a-z]+|[0-9]+")
CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
YEAR_RE = re.compile(r"(19|20)\d\d")
STOP_WORDS = {"the", "a", "an", "of", "by", "in", "on", "for", "to", "and", "or", "with", "what", "which", "who",
              "how", "many", "much", "is", "are", "was", "were", "show", "me", "list", "give", "get", "all", "each",
              "per", "from", "that", "this", "their", "its", "do", "does", "did", "have", "has", "be", "as", "at",
              "top", "most", "least", "total", "number", "count", "average", "avg", "sum", "than", "more", "less",
              "our", "we", "us", "please", "can", "you", "could", "would", "there", "been", "it", "any", "every",
              "ever", "whole", "entire", "tell", "find", "want", "like", "name", "id"}


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


class LinkingIndex:
    """Everything about a schema that linking needs and that does not depend on the question."""

    def __init__(self, schema: SchemaInfo, lexicon: Lexicon | None = None,
                 values: Mapping[tuple[str, str], Sequence[str]] | None = None,
                 concepts: Mapping[str, Iterable[str]] | None = None) -> None:
        self.lexicon = lexicon or english()
        self.tables = list(schema.whole_tables().tables)  # a partition's rows are its parent's
        self.rendered = {t.name: render_table(t) for t in self.tables}
        self.graph = _foreign_key_graph(self.tables)
        self.copies = {t.name: self._copy_words(t.name) for t in self.tables}
        self.joined = any(self.graph.values())
        self.dated = {t.name for t in self.tables if any(_is_date(c.type) for c in t.columns)}
        self.name_words = {t.name: self._keys(_name_parts(t.name)) - STOP_WORDS for t in self.tables}
        self.postings: dict[str, dict[str, float]] = defaultdict(dict)
        for info in self.tables:
            extra = list((concepts or {}).get(info.name, ()))
            own_values = [vs for (t, _), vs in (values or {}).items() if t == info.name]
            for field, found in self._fields(info, own_values, extra).items():
                for word, factor in found.items():
                    weight = WEIGHTS[field] * factor
                    if weight > self.postings[word].get(info.name, 0.0):
                        self.postings[word][info.name] = weight
        count = max(1, len(self.tables))
        self.idf = {word: math.log(1 + count / len(found)) for word, found in self.postings.items()}

    # -- building --------------------------------------------------------------------------------------

    def _fields(self, info: TableInfo, values: list[Sequence[str]], extra: list[str]) -> dict[str, dict[str, float]]:
        name = self._expanded(_name_parts(info.name), synonyms=True)
        columns: dict[str, float] = {}
        comments = self._expanded(_prose(info.comment or ""), synonyms=False)
        samples: dict[str, float] = {}
        concepts = self._expanded([w for text in extra for w in _prose(text)], synonyms=False)
        for column in info.columns:
            parts = _name_parts(column.name)
            _merge(columns, self._expanded(parts, synonyms=False))
            _merge(comments, self._expanded(_prose(column.comment or ""), synonyms=False))
            for value in column.samples:
                _merge(samples, {w: 1.0 for w in self._keys(_prose(value))})
            if self._keys(parts) & MONEY_WORDS:
                _merge(concepts, {w: 1.0 for w in MONEY_CONCEPTS})
            if column.name.lower() in PERSON_COLUMNS:
                _merge(concepts, {"person": 1.0})
        for column_values in values:  # a category ("Deli") names its table; one of a thousand names barely does
            factor = 1.0 if len(column_values) <= CATEGORY_VALUES else NAME_VALUE_FACTOR
            for value in (v for v in column_values if len(v) > 1):  # a one-letter code names nothing
                _merge(samples, {w: factor for w in self._keys(_prose(value))})
        return {"name": name, "columns": columns, "comments": comments, "values": samples, "concepts": concepts}

    def _expanded(self, parts: Iterable[str], synonyms: bool) -> dict[str, float]:
        """Each word's lemma, the verbs its noun records ("rental" ← rent) and, for table names, its synonyms."""
        found: dict[str, float] = {}
        for part in parts:
            key = self.key(part)
            _merge(found, {key: 1.0})
            noun = self.lexicon.noun(part) or part
            _merge(found, {self.key(v): EVENT_FACTOR for v in self.lexicon.event_verbs(noun)})
            if synonyms:
                _merge(found, {self.key(s): SYNONYM_FACTOR for s in self.lexicon.synonyms(noun)})
        return found

    def _copy_words(self, name: str) -> frozenset[str]:
        parts = _name_parts(name)
        return frozenset({self.key(p) for p in parts if self.key(p) in COPY_WORDS or p in COPY_WORDS}
                         | {p for p in parts if YEAR_RE.fullmatch(p)})

    def key(self, word: str) -> str:
        """The form both sides are compared in: a noun's or verb's lemma, else a plain stem."""
        return self.lexicon.noun(word) or self.lexicon.verb(word) or _stem(word)

    def _keys(self, parts: Iterable[str]) -> set[str]:
        return {self.key(p) for p in parts}

    # -- asking ----------------------------------------------------------------------------------------

    def rank(self, question: str) -> dict[str, float]:
        """BM25-like relevance of each table to the question (0 when nothing matches)."""
        prose = _prose(question)
        asked = [w for w in prose if w not in STOP_WORDS] + ["person" for w in prose if w in PERSON_WORDS][:1]
        asked_keys = self._keys(asked) | set(asked)
        scores: dict[str, float] = defaultdict(float)
        for word in dict.fromkeys(asked):
            best: dict[str, float] = {}
            for form, factor in self._question_forms(word).items():
                idf = self.idf.get(form)
                if idf is None:
                    continue
                for table, weight in self.postings[form].items():
                    best[table] = max(best.get(table, 0.0), weight * factor * idf)
            for table, score in best.items():
                scores[table] += score
        ranked: dict[str, float] = {}
        for info in self.tables:
            score = scores.get(info.name, 0.0)
            if score:
                own = self.name_words[info.name]
                if own:  # "sales order" fits sales_order better than sales_order_history
                    score *= 1 + NAME_COVERAGE_BONUS * len(own & asked_keys) / len(own)
                if self.copies[info.name] - asked_keys:
                    score *= COPY_PENALTY
                score *= 1 + HUB_BONUS * min(len(self.graph[info.name]), HUB_CAP)
                if self.joined and not self.graph[info.name]:
                    score *= ISOLATED_PENALTY
            ranked[info.name] = score
        return ranked

    def _question_forms(self, word: str) -> dict[str, float]:
        key = self.key(word)
        forms = {key: 1.0, _stem(word): 1.0}
        verb = self.lexicon.verb(word)
        if verb:
            _merge(forms, {self.key(n): EVENT_FACTOR for n in self.lexicon.event_nouns(verb)})
        _merge(forms, {self.key(s): SYNONYM_FACTOR for s in self.lexicon.synonyms(self.lexicon.noun(word) or word)})
        return forms

    def link(self, question: str, budget_tokens: int, must_include: tuple[str, ...] = ()) -> LinkedSchema:
        whole = "\n\n".join(self.rendered.values())
        if estimate_tokens(whole) <= budget_tokens:
            return LinkedSchema(whole, tuple(self.rendered), estimate_tokens(whole), complete=True)
        scores = self.rank(question)
        ranked = sorted(self.rendered, key=lambda t: (-scores[t], t))
        wanted = [t for t in must_include if t in self.rendered]
        top_score = max(scores.values(), default=0.0)
        best = [t for t in ranked if scores[t] > 0 and scores[t] >= RELATIVE_CUTOFF * top_score]
        candidates = self._candidates(wanted, best, scores)
        if TIME_WORDS & set(_prose(question)) or YEAR_RE.search(question):
            candidates = self._with_dates(candidates)
        chosen: list[str] = []
        used = 0
        for name in candidates:
            cost = estimate_tokens(self.rendered[name]) + 1
            if name not in chosen and used + cost <= budget_tokens:
                chosen.append(name)
                used += cost
        text = "\n\n".join(self.rendered[name] for name in chosen)
        return LinkedSchema(text, tuple(chosen), estimate_tokens(text), complete=False)

    def _candidates(self, wanted: list[str], best: list[str], scores: dict[str, float]) -> list[str]:
        """Tables in the order they earn a place: the conversation's, the top matches with the tables that
        join them, the other strong matches, and a few neighbours of the top matches. When nothing matched,
        the hubs (the tables most others join to), never the alphabet's first tables."""
        if not wanted and not best:
            return sorted(self.graph, key=lambda t: (-len(self.graph[t]), t))[:HUBS_WHEN_NOTHING_MATCHES]
        top = wanted + [t for t in best[:TOP_MATCHES] if t not in wanted]
        ordered = list(top)
        for index, first in enumerate(top):
            for second in top[index + 1:]:
                ordered += [t for t in _path(self.graph, first, second) if t not in ordered]
        ordered += [t for t in best if t not in ordered]
        for name in top:  # a hub (customers, dates) has hundreds of neighbours: only the most relevant few
            neighbours = sorted((n for n in self.graph[name] if n not in ordered and not self.copies[n]),
                                key=lambda n: (-scores[n], -len(self.graph[n]), n))
            ordered += neighbours[:NEIGHBOURS_PER_TABLE]
        for name in top[:2]:  # "revenue by store": the money is two joins away (order_items → orders → stores)
            farther = {far for near in self.graph[name] for far in self.graph[near]}
            matching = sorted((n for n in farther if scores[n] > 0 and n not in ordered and not self.copies[n]),
                              key=lambda n: (-scores[n], n))
            ordered += matching[:NEIGHBOURS_PER_TABLE]
        return ordered


    def _with_dates(self, candidates: list[str]) -> list[str]:
        """A question about time needs a date: a matched table without one brings the date table it joins to."""
        ordered = list(candidates)
        for name in candidates[:TOP_MATCHES]:
            if name not in self.dated:
                dates = sorted(n for n in self.graph[name] if n in self.dated and not self.copies[n])
                ordered[ordered.index(name) + 1:ordered.index(name) + 1] = [d for d in dates[:1] if d not in ordered]
        return ordered


def _is_date(type_name: str) -> bool:
    return type_name.upper().startswith(("DATE", "TIMESTAMP"))


def link_schema(schema: SchemaInfo, question: str, budget_tokens: int,
                must_include: tuple[str, ...] = ()) -> LinkedSchema:
    """One question against a schema, building the index on the spot (the engine keeps one instead)."""
    return LinkingIndex(schema).link(question, budget_tokens, must_include)


def rank_tables(schema: SchemaInfo, question: str) -> dict[str, float]:
    return LinkingIndex(schema).rank(question)


def _name_parts(name: str) -> list[str]:
    """``sbCustName`` → sb, cust, name; ``membercost`` → member, cost (split against a dictionary)."""
    lexicon = english()
    return [part for word in WORD_RE.findall(CAMEL_RE.sub(" ", name).lower()) for part in lexicon.split(word)]


def _prose(text: str) -> list[str]:
    return [w for w in WORD_RE.findall(CAMEL_RE.sub(" ", text).lower()) if len(w) > 1]


def _merge(into: dict[str, float], found: Mapping[str, float]) -> None:
    for word, factor in found.items():
        if factor > into.get(word, 0.0):
            into[word] = factor


def _foreign_key_graph(tables: Sequence[TableInfo]) -> dict[str, set[str]]:
    """Declared foreign keys, and where a table declares none, the keys its ``*_id`` columns plainly are
    (warehouses often declare no keys: ``sales_fact.store_id`` is ``store.store_id``); copies own no keys."""
    graph: dict[str, set[str]] = {t.name: set() for t in tables}
    inferred = inferred_references(tables, skip=lambda name: bool(set(_name_parts(name)) & COPY_WORDS
                                                                  or YEAR_RE.search(name)))
    for table in tables:
        for column in table.columns:
            reference = column.references or inferred.get((table.name, column.name))
            other = reference.partition(".")[0] if reference else None
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
