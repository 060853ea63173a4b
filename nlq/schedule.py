"""The model server's working hours (``NLQ_MODEL_HOURS``): when the GPU tier is scaled to zero to save money,
nlq knows it is asleep, still answers what the rules can, and says plainly until when the model is off.

Written as people say it: ``Mon-Fri 08:00-19:00 Europe/Berlin``, ``daily 07:00-22:00``, ``Mon,Wed,Fri
9-17 UTC``. The same hours price the GPU in the cost planner, and the CloudFormation stack's scheduled
actions take the same value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nlq.errors import ModelAsleep

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EXAMPLE = "Mon-Fri 08:00-19:00 Europe/Berlin"


class HoursError(ValueError):
    """A working-hours text nlq cannot read; the message says what to write instead."""


@dataclass(frozen=True)
class ModelHours:
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time
    zone: str = "UTC"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def awake(self, now: datetime) -> bool:
        local = now.astimezone(self.tz)
        return local.weekday() in self.days and self.start <= local.time().replace(tzinfo=None) < self.end

    def next_start(self, now: datetime) -> datetime:
        """When the model server is next up (now, if it is up)."""
        local = now.astimezone(self.tz)
        for offset in range(8):
            day = (local + timedelta(days=offset)).date()
            starts = datetime.combine(day, self.start, tzinfo=self.tz)
            ends = datetime.combine(day, self.end, tzinfo=self.tz)
            if day.weekday() in self.days and local < ends:
                return max(starts, local)
        raise HoursError("the working hours name no day")  # unreachable: parse() requires a day

    def asleep_until(self, now: datetime) -> str | None:
        """"Mon 08:00 (Europe/Berlin)" when the model is off now, None when it is up."""
        if self.awake(now):
            return None
        starts = self.next_start(now)
        return f"{DAYS[starts.weekday()].capitalize()} {starts:%H:%M} ({self.zone})"

    @property
    def hours_a_day(self) -> float:
        """On the days it runs, for the cost planner."""
        span = datetime.combine(datetime.min, self.end) - datetime.combine(datetime.min, self.start)
        return span.total_seconds() / 3600

    @property
    def days_a_week(self) -> int:
        return len(self.days)

    def describe(self) -> str:
        return f"{_days_text(self.days)} {self.start:%H:%M}–{self.end:%H:%M} {self.zone}"


def parse_hours(text: str) -> ModelHours:
    parts = text.split()
    if len(parts) not in (2, 3):
        raise HoursError(f"write the days, the hours and a time zone, e.g. {EXAMPLE!r}, not {text!r}")
    days = _days(parts[0])
    start, end = _span(parts[1])
    zone = parts[2] if len(parts) == 3 else "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise HoursError(f"{zone!r} is not a time zone nlq knows; use one such as Europe/Berlin or UTC") from None
    return ModelHours(days, start, end, zone)


def _days(text: str) -> frozenset[int]:
    lowered = text.lower()
    if lowered in ("daily", "every-day", "everyday", "mon-sun"):
        return frozenset(range(7))
    found: set[int] = set()
    for part in lowered.split(","):
        first, _, last = part.partition("-")
        if first[:3] not in DAYS or (last and last[:3] not in DAYS):
            raise HoursError(f"{text!r} is not a list of days; write e.g. Mon-Fri, Mon,Wed,Fri or daily")
        a, b = DAYS.index(first[:3]), DAYS.index((last or first)[:3])
        found.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return frozenset(found)


def _span(text: str) -> tuple[time, time]:
    first, _, last = text.partition("-")
    try:
        start, end = _time(first), _time(last)
    except ValueError:
        raise HoursError(f"{text!r} is not a span of hours; write e.g. 08:00-19:00 or 9-17") from None
    if end <= start:
        raise HoursError(f"the hours {text!r} end before they start; nlq does not run across midnight")
    return start, end


def _time(text: str) -> time:
    if text.isdigit():
        return time(int(text) % 24) if int(text) < 24 else time.max
    return time.fromisoformat(text)


def _days_text(days: frozenset[int]) -> str:
    ordered = sorted(days)
    if ordered == list(range(7)):
        return "daily"
    if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
        return f"{DAYS[ordered[0]].capitalize()}–{DAYS[ordered[-1]].capitalize()}"
    return ",".join(DAYS[d].capitalize() for d in ordered)


def check_hours(text: str) -> str:
    """The settings' check of ``NLQ_MODEL_HOURS``: empty (always on) or hours ``parse_hours`` reads."""
    if text.strip():
        parse_hours(text)  # HoursError is a ValueError: the settings report it under the variable's name
    return text.strip()


def schedule_of(text: str) -> ModelHours | None:
    return parse_hours(text) if text.strip() else None


def model_asleep(hours: str, now: datetime | None = None) -> ModelAsleep | None:
    """The error a question that needs the model gets while the model server sleeps; None while it is up."""
    schedule = schedule_of(hours)
    until = schedule.asleep_until(now or datetime.now(UTC)) if schedule else None
    if schedule is None or until is None:
        return None
    return ModelAsleep(f"The model server is off until {until}: it runs {schedule.describe()}.",
                       "Questions the rules understand are answered now; ask this one again then, or an "
                       "administrator can change NLQ_MODEL_HOURS.")
