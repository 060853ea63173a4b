"""Words as the rules tier compares them: lower case, singular, names split into their parts.

A question and a schema meet here: ``InvoiceLine``, ``invoice_lines`` and "invoice lines" all become
``("invoice", "line")``. The vocabulary of question grammar (aggregations, connectors, filler) is declared
once here, so the parser's precision can be read off one page: a word in none of these lists and in no
schema name or value is "not understood", and the question goes to the model.
"""

from __future__ import annotations

import re
import unicodedata

from nlq.lexicon import english, number_words

TOKEN_RE = re.compile(r"[0-9]+\.[0-9]+|[a-z0-9]+(?:'[a-z]+)?|[#%<>=]")
CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
NAME_SPLIT_RE = re.compile(r"[^A-Za-z0-9]+")

# Words that carry no meaning of their own in an analytics question.
FILLER = frozenset({
    "what", "what's", "whats", "is", "are", "was", "were", "be", "been", "the", "a", "an", "of", "show", "me",
    "us", "list", "give", "get", "display", "tell", "please", "our", "my", "we", "i", "do", "does", "did",
    "have", "has", "had", "there", "all", "in", "for", "from", "with", "on", "at", "to", "and", "overall",
    "can", "you", "could", "would", "find", "see", "want", "know", "need", "how", "which", "who", "whose",
    "that", "their", "its", "breakdown", "broken", "down", "split", "grouped", "across", "it",
    "them", "they", "any", "altogether", "ever", "entire", "whole", "kindly", "just", "also",
    "i'd", "we'd", "let's", "thanks", "thank", "database", "here",
    "exactly", "actually", "really", "ok", "okay", "hey", "hi", "hello", "quick", "quickly", "got", "who's",
    "where's", "that's", "still", "chronologically", "among", "amongst", "up", "during",
    "dollar", "dollars", "usd", "euro", "euros", "eur",  # "in dollars": money is what measures already hold
})
# Verbs that only place rows somewhere, before "in", "on" or "at": "stores located in Washington".
LOCATION_VERBS = frozenset({"located", "based", "live", "living", "situated", "reside", "residing", "headquartered",
                            "sited", "found", "belong", "belonging", "work", "working", "worked"})
# Verbs that, before "in", say money came in: "which rep brought in the most sales".
EARNING_VERBS = frozenset({"brought", "bring", "bringing", "pulled", "took", "taken"})
# Words whose "'s" is "is" or "has" ("what's", "who's"), not a possessive.
CONTRACTED = frozenset({"what", "who", "that", "there", "it", "he", "she", "where", "here", "let", "how", "when",
                        "why", "which"})
# Verbs that only say a table's event happened, right after the table's name: "orders placed", "bookings made".
# Verbs of a sale, which only say what a measure counts when they follow it: "quantity sold", "amount paid".
SALE_VERBS = frozenset({"sell", "buy", "purchase", "pay", "spend", "order"})
# Verbs that, with nothing else measured, say the money a sale brings in is: "which store sold the most".
MONEY_VERBS = frozenset({"sell", "spend", "earn"})
# Words for persons in general, which name whichever table of persons the question fits.
PEOPLE_WORDS = frozenset({"people", "person", "persons", "everyone", "everybody", "personnel"})
EVENT_FILLER_VERBS = frozenset({"place", "make", "issue", "record", "create", "receive", "submit", "log", "register",
                                "generate", "raise", "file", "take", "happen", "occur", "do", "come"})
# Verbs that only say whose the rows are, as their key to a person does: "the customers Jane looks after".
RESPONSIBLE_VERBS = frozenset({"handle", "cover", "serve", "support", "oversee", "service", "attend", "represent"})
# Words that make a count distinct: "how many different countries".
DISTINCT_WORDS = frozenset({"different", "distinct", "unique", "separate"})
# Words that open a grouping: the next names are dimensions ("by region and year").
GROUPING = frozenset({"by", "per", "each", "every"})
SUM_WORDS = frozenset({"total", "sum", "much", "combined"})
AVG_WORDS = frozenset({"average", "avg", "mean", "typical"})
MIN_WORDS = frozenset({"minimum", "min", "smallest", "lowest", "least", "cheapest", "shortest", "fewest"})
MAX_WORDS = frozenset({"maximum", "max", "largest", "highest", "biggest", "most", "greatest", "longest",
                       "best", "priciest"})
COUNT_WORDS = frozenset({"count", "number", "#", "many"})
TOP_WORDS = frozenset({"top", "best", "highest", "largest", "biggest", "leading"})
BOTTOM_WORDS = frozenset({"bottom", "worst", "lowest", "smallest", "least"})
GRAIN_ADJECTIVES = {"yearly": "year", "annual": "year", "annually": "year", "quarterly": "quarter",
                    "monthly": "month", "weekly": "week", "daily": "day"}
GRAINS = ("year", "quarter", "month", "week", "day")

# Common ways people name things, from the schema's word to the question's.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer": ("client", "buyer"),
    "department": ("dept",),  # abbreviations people type for a name the schema spells out
    "manager": ("mgr",),
    "account": ("acct",),
    "address": ("addr",),
    "product": ("item",),
    "track": ("song",),  # a record's tracks are the songs on it
    "employee": ("staff member", "worker", "staff"),
    "rep": ("representative", "salesperson"),
    "quantity": ("units", "qty"),
    "millisecond": ("length", "duration"),  # a track's or a call's length, in the column's own unit
    "salary": ("pay", "paid", "wage", "earnings", "compensation"),
    "duration": ("length",),
    "category": ("type",),
    "country": ("nation",),
    "city": ("town",),
    "amount": ("value", "amt"),
    "price": ("cost",),
    "order": ("purchase",),
}
# Column names that mean money coming in; they answer to these words when the schema has no semantic model.
REVENUE_COLUMNS = frozenset({"revenue", "sales", "total", "amount", "total_amount", "sales_amount",
                             "total_price", "order_total", "invoice_total", "grand_total", "sale_amount"})
REVENUE_WORDS = ("revenue", "sales", "income", "turnover", "amount", "money", "value")
IRREGULAR = {"people": "person", "children": "child", "men": "man", "women": "woman", "data": "data",
             "news": "news", "series": "series", "status": "status", "address": "address", "business": "business",
             "analysis": "analysis", "bus": "bus", "gas": "gas", "sms": "sms", "was": "was", "is": "is",
             "has": "has", "does": "does", "this": "this", "us": "us", "its": "its", "plus": "plus",
             "campus": "campus", "virus": "virus", "bonus": "bonus", "radius": "radius", "previous": "previous",
             "ins": "in", "ons": "on", "ups": "up", "outs": "out"}  # "check-ins", "add-ons", "sign-ups"


def singular(word: str) -> str:
    """Plural to singular by English's regular rules; enough for table and column names."""
    if word in IRREGULAR or len(word) <= 3 or not word.isalpha():
        return IRREGULAR.get(word, word)
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes", "zzes")):
        return word[:-2]
    if word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("s"):
        return word[:-1]
    return word


def fold(text: str) -> str:
    """Lower case without accents: "São Paulo" and "sao paulo" are the same words."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokens(question: str) -> list[str]:
    """The question's words, lower case, unaccented and singular; digits kept as words of their own; a
    possessive is its noun ("Singh's phone number", "the city's register")."""
    return [singular(_owner(word)) for word in TOKEN_RE.findall(fold(question))]


def _owner(word: str) -> str:
    base, _, ending = word.partition("'")
    return base if ending == "s" and base not in CONTRACTED else word


def name_words(name: str) -> tuple[str, ...]:
    """``InvoiceLine`` / ``invoice_lines`` / ``sbTicker`` → ("invoice", "line"); ``membercost`` → ("member",
    "cost"), split against a dictionary."""
    lexicon = english()
    parts: list[str] = []
    for chunk in NAME_SPLIT_RE.split(fold(name) if not name.isascii() else name):
        parts.extend(p for camel in CAMEL_RE.split(chunk) if camel for p in lexicon.split(camel.lower()))
    return tuple(singular(part) for part in parts if part)


def lemma_forms(word: str) -> list[str]:
    """Other spellings of a question's word that a schema may use: its noun and verb lemmas ("copies" → copy,
    "rented" → rent, "sold" → sell)."""
    lexicon = english()
    forms = [lexicon.noun(word), lexicon.verb(word)]
    return [f for f in dict.fromkeys(forms) if f and f != word]


def word_at(words: list[str], i: int) -> str:
    """The question's word at ``i``, or "" past either end: look-ahead without index checks."""
    return words[i] if 0 <= i < len(words) else ""


def ordinal(word: str) -> bool:
    """"first", "fourth", "21st": a position, not a number of rows."""
    return not word.isdigit() and word.endswith(("first", "second", "third", "th", "st", "nd", "rd"))


def number(word: str) -> int | None:
    """"5", "five", "fifth", "5th" → 5 (up to a hundred; 0 and larger numbers are not ranks)."""
    if word.isdigit() and 0 < int(word) <= 1000 and len(word) < 4:
        return int(word)
    return number_words().get(word)


def display_name(name: str) -> str:
    """A table's name as a label: ``sales_reps`` → "sales rep" (only the last word made singular)."""
    lexicon = english()
    parts = [word for chunk in NAME_SPLIT_RE.split(name) for part in CAMEL_RE.split(chunk) if part
             for word in lexicon.split(part.lower())]
    return " ".join([*parts[:-1], singular(parts[-1])]) if parts else name


def plural(label: str) -> str:
    """For accounts of an answer: "number of categories", "list of customers"."""
    if label.endswith("y") and label[-2:-1] not in set("aeiou"):
        return label[:-1] + "ies"
    if label.endswith(("s", "x", "ch", "sh")):
        return label + "es"
    return label + "s"


def value_words(value: str) -> tuple[str, ...]:
    """A data value as the question would spell it ("São Paulo" → ("são", "paulo"))."""
    return tuple(tokens(value))


UNIT_WORDS = {"unit", "units", "count", "qty", "quantity", "number", "num", "volume", "item", "items"}
RATE_WORDS = {"price", "cost", "rate", "weight", "size", "value", "margin", "discount", "percent", "pct", "ratio"}
# Words that make a table's or column's money go out, not come in.
PAY_WORDS = frozenset({"salary", "wage", "pay"})  # "the salary bill": what the salaries add up to
TOTAL_OF_PAY = frozenset({"payroll", "wagebill"})  # a word that is itself the salaries' total
COST_WORDS = {"expense", "cost", "spend", "spending", "budget", "salary", "payroll", "wage", "tax", "refund",
              "purchase", "procurement", "supplier", "vendor", "fee", "commission", "bonus", "loss", "debt", "fine"}
PARTICLES = ("up", "out", "in", "off", "on")
# Verbs people use for the event a date column records, beyond its own word: "joined" for a hire date.
DATE_VERB_SYNONYMS = {"hire": ("join", "start"), "join": ("sign", "register", "enroll", "enrol"),
                      "signup": ("join", "register", "enroll", "enrol"), "register": ("join", "sign", "enroll"),
                      "enroll": ("join", "sign", "register"), "registration": ("join", "sign", "enroll")}
DATE_WORDS = {"date", "time", "at", "on", "dt", "timestamp", "day", "when", "tms", "ts"}


def earns(name: str, words: tuple[str, ...]) -> bool:
    """Money coming in: ``total``, ``amount`` and the like, or a column named for sales or revenue that
    does not count units (``store_sales`` earns; ``unit_sales`` counts)."""
    if name.lower() in REVENUE_COLUMNS:
        return True
    return bool(set(words) & {"sale", "sales", "revenue"}) and not set(words) & UNIT_WORDS


def date_verbs(name: str) -> set[str]:
    """What a date column records, as the verbs a question uses: ``hire_date`` → hire, ``shipped_date`` → ship,
    ``date_accnt_opened`` → open, ``birth_date`` → birth and bear ("born")."""
    lexicon = english()
    found = set()
    for word in name_words(name):
        if word in DATE_WORDS or len(word) < 3:
            continue
        found |= {word, *(f for f in (lexicon.verb(word), lexicon.noun(word)) if f)}
        found |= set(DATE_VERB_SYNONYMS.get(word, ()))
        phrasal = next((word[:-len(p)] for p in PARTICLES if word.endswith(p) and len(word) > len(p) + 2), None)
        if phrasal and lexicon.verb(phrasal) == phrasal:  # signup_date: "signed up"
            found.add(phrasal)
        found |= lexicon.event_verbs(lexicon.noun(word) or word)
    return found


def counts_units(words: tuple[str, ...]) -> bool:
    """``units_shipped``, ``quantity``, ``items_sold``: a number of things, which adds up and which "how many"
    asks for the sum of (not ``unit_price``, a rate)."""
    return bool(set(words) & UNIT_WORDS - {"count", "number", "num"}) and not set(words) & RATE_WORDS


BRITISH_ENDINGS = (("our", "or"), ("ence", "ense"), ("tre", "ter"), ("ogue", "og"), ("yse", "yze"),
                   ("isation", "ization"))


def american(word: str) -> str | None:
    """"licence" → license, "colour" → color, "centre" → center: the American spelling a schema may use, when
    it is an English word; None when the word has no other spelling."""
    for british, us in BRITISH_ENDINGS:
        if word.endswith(british) and len(word) > len(british) + 2:
            other = word[: -len(british)] + us
            return other if english().is_word(other) else None
    return None
