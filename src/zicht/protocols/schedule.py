"""Turn a protocol definition into dated windows. Pure functions: no database, no clock.

Rules (docs/scheduling.md explains them with examples):

* The anchor is Monday 00:00 (local) of the week that contains the start date; "week 1" is that week.
* Opening moments are wall-clock times in the protocol's time zone (default Europe/Amsterdam):
  "Thursday 12:00" is 12:00 on the clock in Amsterdam in winter and in summer. Offsets such as
  "2d17h45m after the start" or "2d12h before the end" are wall-clock arithmetic too.
* Durations (how long a window is open, the reminder delay) are *elapsed* time: a 30 h window
  is open 30 real hours. For the default Thursday 12:00 + 30 h this never crosses a DST change
  (those happen on Sunday nights), so it always closes Friday 18:00 local time.
* The subscription ends at local midnight after ``ends_on`` (default: the Sunday of the last week).
  A window never opens at or after the end and never stays open past it.
* Weekly measurements skip ``skip_weeks`` and any week whose opening date falls in a holiday range.
  One-off measurements are never skipped.
* A stop measurement (``stop: true``) is the last thing that opens: nothing opens after it.
* Reminders never fall in the quiet hours (default 21:00-08:00 local): one that would is moved
  to the end of the quiet hours, and dropped if the window has closed by then.

All returned datetimes are aware and in UTC.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Europe/Amsterdam"
DEFAULT_REMINDER_DELAY = timedelta(hours=8)
DEFAULT_QUIET_HOURS = ("21:00", "08:00")
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$")


class DefinitionError(ValueError):
    """A protocol definition that cannot be scheduled; the message says which field is wrong."""


@dataclass(frozen=True)
class PlannedWindow:
    measurement: str
    questionnaire: str
    occasion: int
    opens_at: datetime
    reminder_at: datetime | None
    closes_at: datetime
    stop: bool = False
    reward_points: int = 0

    def as_json(self, zone):
        """The preview format: ISO-8601 with the UTC offset of the given zone."""
        return {
            "measurement": self.measurement,
            "occasion": self.occasion,
            "opens_at": self.opens_at.astimezone(zone).isoformat(),
            "reminder_at": self.reminder_at.astimezone(zone).isoformat() if self.reminder_at else None,
            "closes_at": self.closes_at.astimezone(zone).isoformat(),
        }


def parse_duration(value):
    """'30h', '2d12h', '1h30m', 30 (hours) or None -> timedelta or None."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise DefinitionError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        return timedelta(hours=value)
    match = _DURATION.match(str(value))
    if not match or not any(match.groups()):
        raise DefinitionError(f"not a duration: {value!r} (use e.g. '30h', '2d12h', '45m')")
    days, hours, minutes = (int(g or 0) for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def parse_time(value):
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except (ValueError, TypeError) as error:
        raise DefinitionError(f"not a time of day: {value!r} (use 'HH:MM')") from error


def parse_date(value):
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise DefinitionError(f"not a date: {value!r} (use 'YYYY-MM-DD')") from error


def anchor_of(starts_on):
    """Monday of the start week: every offset counts from here."""
    return starts_on - timedelta(days=starts_on.weekday())


def default_ends_on(starts_on, weeks):
    """The Sunday of the last week (inclusive end date)."""
    return anchor_of(starts_on) + timedelta(days=7 * weeks - 1)


def local_to_utc(naive, zone):
    """A local wall-clock time to UTC.

    A time that does not exist (the spring-forward hour) moves forward by the gap; an
    ambiguous time (the autumn hour that happens twice) takes its first occurrence.
    """
    # fold=0: in the gap Python applies the offset from before the change, which lands after it.
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


def quiet_hours(definition):
    quiet = definition.get("quiet_hours", {"from": DEFAULT_QUIET_HOURS[0], "to": DEFAULT_QUIET_HOURS[1]})
    if not quiet:
        return None
    return parse_time(quiet["from"]), parse_time(quiet["to"])


def quiet_until(instant, zone, quiet):
    """When the quiet hours containing ``instant`` end (aware UTC), or None when it is not quiet.

    ``quiet`` is (from, to) local times; from > to means the quiet hours span midnight.
    """
    if not quiet:
        return None
    start, end = quiet
    local = instant.astimezone(zone)
    clock_time = local.time().replace(tzinfo=None)
    if start > end:
        is_quiet = clock_time >= start or clock_time < end
        end_day = local.date() + timedelta(days=1) if clock_time >= start else local.date()
    else:
        is_quiet = start <= clock_time < end
        end_day = local.date()
    if not is_quiet:
        return None
    return local_to_utc(datetime.combine(end_day, end), zone)


def _measurement_defaults(definition, raw):
    reminder = raw.get("reminder_delay", definition.get("reminder_delay", "8h"))
    return {
        "key": raw["key"],
        "questionnaire": raw["questionnaire"],
        "kind": raw.get("kind", "once"),
        "open_for": parse_duration(raw.get("open_for")),
        "reminder_delay": parse_duration(reminder) if reminder is not None else None,
        "stop": bool(raw.get("stop", False)),
        "reward_points": int(raw.get("reward_points", 0)),
    }


def validate(definition):
    """Check a definition and return a list of problems (empty when it can be scheduled)."""
    problems = []
    if not isinstance(definition, dict):
        return ["the definition must be a mapping"]
    measurements = definition.get("measurements")
    if not measurements:
        problems.append("no measurements")
        return problems
    keys = set()
    stops = 0
    for index, raw in enumerate(measurements):
        where = f"measurements[{index}]"
        for field in ("key", "questionnaire"):
            if not raw.get(field):
                problems.append(f"{where}: '{field}' is missing")
        if raw.get("key") in keys:
            problems.append(f"{where}: duplicate key {raw.get('key')!r}")
        keys.add(raw.get("key"))
        kind = raw.get("kind", "once")
        if kind not in ("once", "weekly"):
            problems.append(f"{where}: kind must be 'once' or 'weekly', not {kind!r}")
        anchors = [name for name in ("at", "after_start", "before_end") if name in raw]
        if len(anchors) != 1:
            problems.append(f"{where}: give exactly one of 'at', 'after_start', 'before_end'")
        if kind == "weekly" and anchors != ["at"]:
            problems.append(f"{where}: a weekly measurement needs 'at: {{weekday, time}}'")
        if raw.get("stop"):
            stops += 1
            if kind != "once":
                problems.append(f"{where}: only a one-off measurement can stop the protocol")
        try:
            _measurement_defaults(definition, raw)
            if "at" in raw:
                at = raw["at"]
                if str(at.get("weekday", "")).lower()[:3] not in WEEKDAYS:
                    problems.append(f"{where}: at.weekday must be mon..sun")
                parse_time(at.get("time"))
            for name in ("after_start", "before_end"):
                if name in raw:
                    parse_duration(raw[name])
        except (DefinitionError, KeyError, AttributeError) as error:
            problems.append(f"{where}: {error}")
    if stops > 1:
        problems.append("at most one stop measurement per protocol")
    try:
        int(definition.get("weeks", 1))
        quiet_hours(definition)
        for holiday in definition.get("holidays", []):
            parse_date(holiday["from"]), parse_date(holiday["to"])
    except (DefinitionError, KeyError, TypeError, ValueError) as error:
        problems.append(f"weeks/holidays: {error}")
    return problems


def _holiday_ranges(definition, extra):
    ranges = [(parse_date(h["from"]), parse_date(h["to"])) for h in definition.get("holidays", [])]
    ranges += [(parse_date(start), parse_date(end)) for start, end in extra]
    return ranges


def compute(definition, starts_on, weeks=None, *, ends_on=None, zone=None, holidays=()):
    """All windows of one subscription, ordered by opening time.

    ``weeks`` overrides the definition's ``weeks``; ``ends_on`` (inclusive) overrides the end
    that follows from the weeks; ``holidays`` adds (from, to) date ranges, e.g. a school's own.
    """
    problems = validate(definition)
    if problems:
        raise DefinitionError("; ".join(problems))
    zone = zone or ZoneInfo(definition.get("time_zone", DEFAULT_ZONE))
    weeks = int(weeks if weeks is not None else definition.get("weeks", 1))
    anchor = anchor_of(starts_on)
    ends_on = ends_on or default_ends_on(starts_on, weeks)
    end_naive = datetime.combine(ends_on + timedelta(days=1), time(0))
    end = local_to_utc(end_naive, zone)
    anchor_naive = datetime.combine(anchor, time(0))
    skip_weeks = {int(w) for w in definition.get("skip_weeks", [])}
    ranges = _holiday_ranges(definition, holidays)
    quiet = quiet_hours(definition)

    planned = []
    for raw in definition["measurements"]:
        m = _measurement_defaults(definition, raw)
        if m["kind"] == "weekly":
            weekday = WEEKDAYS[str(raw["at"]["weekday"]).lower()[:3]]
            at_time = parse_time(raw["at"]["time"])
            first, last = raw.get("weeks", [1, weeks])
            for week in range(int(first), min(int(last), weeks) + 1):
                day = anchor + timedelta(days=7 * (week - 1) + weekday)
                if week in skip_weeks or any(start <= day <= stop for start, stop in ranges):
                    continue
                opens = local_to_utc(datetime.combine(day, at_time), zone)
                planned.append(_window(m, week, opens, end, zone, quiet))
        else:
            if "at" in raw:
                week = int(raw["at"].get("week", 1))
                weekday = WEEKDAYS[str(raw["at"]["weekday"]).lower()[:3]]
                day = anchor + timedelta(days=7 * (week - 1) + weekday)
                naive = datetime.combine(day, parse_time(raw["at"]["time"]))
            elif "after_start" in raw:
                naive = anchor_naive + parse_duration(raw["after_start"])
            else:
                naive = end_naive - parse_duration(raw["before_end"])
            planned.append(_window(m, 1, local_to_utc(naive, zone), end, zone, quiet))

    planned = [w for w in planned if w.opens_at < end]
    stop_at = min((w.opens_at for w in planned if w.stop), default=None)
    if stop_at is not None:
        planned = [w for w in planned if w.stop or w.opens_at < stop_at]
    planned.sort(key=lambda w: (w.opens_at, w.measurement, w.occasion))
    return planned


def _window(m, occasion, opens, end, zone, quiet):
    closes = opens + m["open_for"] if m["open_for"] is not None else end
    closes = min(closes, end)
    reminder = opens + m["reminder_delay"] if m["reminder_delay"] is not None else None
    if reminder is not None:
        reminder = quiet_until(reminder, zone, quiet) or reminder
    if reminder is not None and reminder >= closes:
        reminder = None
    return PlannedWindow(
        measurement=m["key"],
        questionnaire=m["questionnaire"],
        occasion=occasion,
        opens_at=opens,
        reminder_at=reminder,
        closes_at=closes,
        stop=m["stop"],
        reward_points=m["reward_points"],
    )


def measurement(definition, key):
    """One measurement's settings (parsed), or None when the protocol has no such key."""
    for raw in definition.get("measurements", []):
        if raw.get("key") == key:
            return _measurement_defaults(definition, raw)
    return None
