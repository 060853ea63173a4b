"""The model server's working hours (issue 17, scheduled sleep): read as people write them, and asked when the
model is up and until when it sleeps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nlq.schedule import HoursError, parse_hours

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
