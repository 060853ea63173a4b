"""One vocabulary of failures: every kind once, which kinds are calm, the CLI's exit codes, and settings errors
kept for settings."""

from __future__ import annotations

import ast

import pytest

from nlq import errors
from nlq.errors import EXIT_UNANSWERED, EXIT_USAGE, ErrorKind, ErrorReport, NlqError
from tests.support.common import ROOT


def _error_classes() -> list[type[NlqError]]:
    return [value for value in vars(errors).values()
            if isinstance(value, type) and issubclass(value, NlqError) and value is not NlqError]


def test_every_error_class_has_a_kind_of_its_own() -> None:
    kinds = [cls.kind for cls in _error_classes()]
    assert len(kinds) == len(set(kinds)), kinds
    assert all(isinstance(kind, ErrorKind) for kind in kinds)


@pytest.mark.parametrize(("kind", "calm", "exit_code"), [
    (ErrorKind.REFUSED, True, EXIT_UNANSWERED),
    (ErrorKind.HANDED_OVER, True, EXIT_UNANSWERED),
    (ErrorKind.BAD_QUESTION, True, EXIT_UNANSWERED),
    (ErrorKind.TOO_EXPENSIVE, True, EXIT_UNANSWERED),
    (ErrorKind.SETTINGS, False, EXIT_USAGE),
    (ErrorKind.INPUT, False, EXIT_USAGE),
    (ErrorKind.NOT_FOUND, False, EXIT_UNANSWERED),
    (ErrorKind.MODEL_UNREACHABLE, False, EXIT_UNANSWERED),
    (ErrorKind.STORE_UNAVAILABLE, False, EXIT_UNANSWERED),
    (ErrorKind.INTERNAL, False, EXIT_UNANSWERED),
])
def test_calm_kinds_and_exit_codes(kind: ErrorKind, calm: bool, exit_code: int) -> None:
    assert (kind.calm, kind.exit_code) == (calm, exit_code)
    assert ErrorReport(kind, "m").calm is calm


def test_a_bug_is_reported_calmly_as_internal() -> None:
    report = ErrorReport.from_exception(ZeroDivisionError("division by zero"))
    assert report.kind is ErrorKind.INTERNAL and "bug in nlq" in report.hint
    assert report.to_dict()["kind"] == "internal"


def test_settings_errors_are_only_raised_about_settings() -> None:
    """SettingsError (exit code 2, "fix your configuration") names the setting or the settings file to fix;
    bad arguments and input files are InputError, missing things NotFound."""
    for path in [*(ROOT / "nlq").rglob("*.py"), *(ROOT / "ui").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "SettingsError":
                said = " ".join(ast.unparse(argument) for argument in node.args)
                assert any(word in said for word in ("NLQ_", "setting", "secrets.toml", "[auth]", "TOML")), (path, said)
