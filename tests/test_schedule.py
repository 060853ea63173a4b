"""The model server's working hours (issue 17, scheduled sleep): read as people write them, and asked when the
model is up and until when it sleeps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from nlq.doctor import diagnose
from nlq.engine import Engine
from nlq.pipeline import ask
from nlq.planner import brief_inputs, scheduled_hours_per_day
from nlq.schedule import HoursError, parse_hours
from nlq.settings import load_settings
from tests.support.standin_model import Rule, StandinModelServer

BERLIN = parse_hours("Mon-Fri 08:00-19:00 Europe/Berlin")


@pytest.mark.parametrize(("now", "until"), [
    (datetime(2026, 11, 30, 9, 0, tzinfo=UTC), None),  # Monday 10:00 in Berlin: up
    (datetime(2026, 11, 30, 6, 30, tzinfo=UTC), "Mon 08:00 (Europe/Berlin)"),  # 07:30 in Berlin, before work
    (datetime(2026, 11, 30, 18, 0, tzinfo=UTC), "Tue 08:00 (Europe/Berlin)"),  # 19:00 in Berlin: just closed
    (datetime(2026, 12, 4, 20, 0, tzinfo=UTC), "Mon 08:00 (Europe/Berlin)"),  # Friday night: the weekend
    (datetime(2026, 12, 5, 12, 0, tzinfo=UTC), "Mon 08:00 (Europe/Berlin)"),  # Saturday noon
])
def test_asleep_until(now: datetime, until: str | None) -> None:
    assert BERLIN.asleep_until(now) == until
    assert BERLIN.awake(now) is (until is None)


@pytest.mark.parametrize(("text", "described", "hours", "days"), [
    ("Mon-Fri 08:00-19:00 Europe/Berlin", "Mon–Fri 08:00–19:00 Europe/Berlin", 11.0, 5),
    ("daily 07:00-22:00", "daily 07:00–22:00 UTC", 15.0, 7),
    ("Mon,Wed,Fri 9-17 UTC", "Mon,Wed,Fri 09:00–17:00 UTC", 8.0, 3),
    ("Fri-Mon 10:00-12:30 UTC", "Mon,Fri,Sat,Sun 10:00–12:30 UTC", 2.5, 4),
])
def test_hours_are_read_as_written(text: str, described: str, hours: float, days: int) -> None:
    parsed = parse_hours(text)
    assert parsed.describe() == described and parsed.hours_a_day == hours and parsed.days_a_week == days


@pytest.mark.parametrize(("text", "said"), [
    ("weekdays", "write the days, the hours and a time zone"),
    ("Mon-Fri 19:00-08:00 UTC", "end before they start"),
    ("Mon-Fri 08:00-19:00 Mars/Olympus", "not a time zone"),
    ("Moon-Fri 08:00-19:00", "not a list of days"),
    ("Mon-Fri eight-five", "not a span of hours"),
])
def test_unreadable_hours_say_what_to_write(text: str, said: str) -> None:
    with pytest.raises(HoursError, match=said):
        parse_hours(text)


# The app side: nlq knows the schedule.

def _asleep_now() -> str:
    """Working hours that exclude today, whatever day the test runs."""
    today = datetime.now(UTC).weekday()
    days = [d for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")][today + 1:] + \
        [d for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")][:today]
    return f"{','.join(days)} 08:00-19:00 UTC"


def test_while_the_model_sleeps_the_rules_answer_and_the_rest_say_until_when(
        make_engine: Callable[..., Engine], standin: StandinModelServer) -> None:
    engine = make_engine(NLQ_RULES="true", NLQ_MODEL_HOURS=_asleep_now())
    rules = ask("Revenue by region in 2024", engine)
    assert rules.ok and rules.route == "rules"
    needs_model = ask("How did monthly revenue develop in 2025?", engine)
    assert needs_model.error is not None and needs_model.error.kind == "model_asleep"
    assert "The model server is off until" in needs_model.error.message and "08:00 (UTC)" in needs_model.error.message
    assert needs_model.sent_to.startswith("nothing")
    assert standin.requests == [], "a sleeping server is not even asked"


def test_the_fallback_takes_over_while_the_model_sleeps(make_engine: Callable[..., Engine],
                                                        standin: StandinModelServer,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                       "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(key, value)
    standin.script.rules.insert(0, Rule(match="busiest month", protocol="bedrock",
                                        reply="```sql\nSELECT COUNT(*) AS n FROM orders\n```"))
    engine = make_engine(NLQ_MODEL_HOURS=_asleep_now(), NLQ_FALLBACK_MODEL="bedrock:anthropic.claude-test-v1:0",
                         NLQ_FALLBACK_URL=standin.url)
    answer = ask("Which was the busiest month?", engine)
    assert answer.ok and answer.route == "fallback", answer.error
    assert "model_asleep" in (answer.route_reason or "")
    assert all("bedrock_model" in request for request in standin.requests), "the sleeping server was not asked"


def test_the_doctor_sidebar_and_planner_know_the_hours(demo_dir: Path, standin: StandinModelServer,
                                                       app_test: Callable[..., AppTest]) -> None:
    hours = _asleep_now()
    checks = diagnose({"NLQ_DATA_DIR": str(demo_dir), "NLQ_MODEL_URL": standin.url, "NLQ_MODEL_HOURS": hours},
                      secrets_path=None)
    server = next(c for c in checks if c.name == "model server")
    assert server.ok and server.detail.startswith("asleep: The model server is off until")
    at = app_test("streamlit_app.py", NLQ_MODEL_HOURS=hours)
    assert any("Model server asleep" in i.value for i in at.sidebar.info)
    settings = load_settings({"NLQ_MODEL_HOURS": "Mon-Fri 08:00-19:00 UTC"}, secrets_path=None)
    assert scheduled_hours_per_day(settings.model_hours) == round(11 * 5 / 7, 2)
    assert brief_inputs(settings).gpu_hours_per_day == round(11 * 5 / 7, 2)
