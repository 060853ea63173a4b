"""Which columns hold secrets, and so are hidden from every question unless the owner exposes them.

Safe by default: a table of users is usually open to questions for its names and sign-up dates, and
with it come its password hashes and API tokens. A column is hidden when its name says it holds a
secret (password, hash, token, secret, API key, salt, SSN, card number), when its sampled values look
like one (bcrypt and other password hashes, hex digests, JWTs, cloud and payment API keys, card numbers
that pass the Luhn check, SSNs), or when ``NLQ_EXCLUDE_COLUMNS`` names it. ``NLQ_EXPOSE_COLUMNS`` opens a
column hidden by name or content on purpose; an explicit exclusion always wins.
"""

from __future__ import annotations

import fnmatch
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SECRET_WORDS = frozenset({"password", "passwords", "passwd", "pwd", "passphrase", "passcode", "hash", "hashed",
                          "token", "tokens", "secret", "secrets", "salt", "ssn", "cvv", "cvc", "cvv2", "otp"})
SECRET_PAIRS = frozenset({("api", "key"), ("private", "key"), ("secret", "key"), ("access", "key"),
                          ("credit", "card"), ("card", "number"), ("card", "no"), ("card", "num"),
                          ("cc", "number"), ("cc", "num"), ("social", "security"), ("pw", "hash")})
# Run-together names ("apikey", "userpassword"): a secret word inside one word of the name.
SECRET_INSIDE = ("password", "passwd", "apikey", "apitoken", "authtoken", "accesstoken", "refreshtoken",
                 "secretkey", "privatekey", "creditcard", "cardnumber", "ccnumber", "pwhash", "pwdhash")
SECRET_VALUES = {
    "password hashes": re.compile(r"^(\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}|\$argon2(id|i|d)\$.+|\$[156]\$.+"
                                  r"|\$[56]\$rounds=.+|pbkdf2[_:$].+|scrypt:.+|(sha1|sha256|sha512|md5)\$.+"
                                  r"|\{(SSHA|SHA|SSHA256|SSHA512|CRYPT)\}.+)$"),
    "hex digests": re.compile(r"^([0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[0-9a-fA-F]{128})$"),
    "access tokens": re.compile(r"^(eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]+|(sk|pk|rk)_(live|test)_[A-Za-z0-9]{10,}"
                                r"|sk-[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}"
                                r"|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35})$"),
    "social security numbers": re.compile(r"^\d{3}-\d{2}-\d{4}$"),
}
CARD_SHAPE = re.compile(r"^\d{4}([ -]?\d{3,4}){2,3}([ -]?\d{1,3})?$")
MIN_SAMPLED = 3  # fewer sampled values say nothing about a column's content
SHARE_THAT_MUST_MATCH = 0.8


@dataclass(frozen=True)
class HiddenColumn:
    """A column no question may read, and why (shown on the Schema page and by the doctor)."""

    table: str
    column: str
    reason: str


@dataclass(frozen=True)
class ColumnRules:
    """The owner's choices: ``exclude`` and ``expose`` as ``table.column`` or ``column`` globs."""

    exclude: tuple[str, ...] = ()
    expose: tuple[str, ...] = ()

    def hidden_reason(self, table: str, column: str, sampled: Sequence[object] = ()) -> str | None:
        if _matches(table, column, self.exclude):
            return "named in NLQ_EXCLUDE_COLUMNS"
        reason = secret_by_name(column) or secret_by_content(sampled)
        if reason is None or _matches(table, column, self.expose):
            return None
        return reason


def secret_by_name(column: str) -> str | None:
    words = _words(column)
    if any(word in SECRET_WORDS for word in words) or any(pair in SECRET_PAIRS for pair in itertools.pairwise(words)):
        return "its name says it holds a secret"
    joined = "".join(words)
    if any(inside in joined for inside in SECRET_INSIDE):
        return "its name says it holds a secret"
    return None


def secret_by_content(sampled: Sequence[object]) -> str | None:
    values = [str(v).strip() for v in sampled if v is not None and str(v).strip()]
    if len(values) < MIN_SAMPLED:
        return None
    needed = SHARE_THAT_MUST_MATCH * len(values)
    for kind, pattern in SECRET_VALUES.items():
        if sum(bool(pattern.match(v)) for v in values) >= needed:
            return f"its values look like {kind}"
    if sum(bool(CARD_SHAPE.match(v)) and _luhn(v) for v in values) >= needed:
        return "its values look like payment card numbers"
    return None


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def _luhn(text: str) -> bool:
    digits = [int(c) for c in text if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _matches(table: str, column: str, patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        target = f"{table}.{column}" if "." in pattern else column
        if fnmatch.fnmatchcase(target.lower(), pattern.lower()):
            return True
    return False
