"""School days: weekdays that are not inside a configured holiday. Pure functions, no clock.

Deadlines in the support line ("confirm within 10 school days") count school days, so a hand-over
sent just before the autumn break does not turn red during the break.
"""

from datetime import date, timedelta


def is_school_day(day, holidays=()):
    """Monday to Friday and not inside any (from, to) inclusive holiday range."""
    if day.weekday() >= 5:
        return False
    return not any(start <= day <= end for start, end in holidays)


def add_school_days(start, count, holidays=()):
    """The date ``count`` school days after ``start`` (``start`` itself does not count).

    Example: a Friday plus 1 school day is the next Monday (or the first Monday after a break).
    """
    if count < 0:
        raise ValueError("count must be >= 0")
    day = start
    remaining = count
    while remaining:
        day += timedelta(days=1)
        if is_school_day(day, holidays):
            remaining -= 1
    return day


def school_days_between(start, end, holidays=()):
    """School days after ``start`` up to and including ``end`` (0 when end <= start)."""
    if end <= start:
        return 0
    days = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_school_day(day, holidays):
            days += 1
    return days


def deadline_passed(start, count, today, holidays=()):
    """True when ``today`` is after the day that is ``count`` school days after ``start``."""
    return today > add_school_days(start, count, holidays)


def registration_deadline(start_year):
    """Registering before 1 April gives a right to admission for the programme starting that summer."""
    return date(start_year, 4, 1)
