"""School-day arithmetic behind every "within 10 school days" flag."""

from datetime import date

from zicht.support import schooldays

AUTUMN = [(date(2026, 10, 17), date(2026, 10, 25))]


def test_ten_school_days_skip_weekends():
    # Friday 9 October 2026 + 10 school days = Friday 23 October.
    assert schooldays.add_school_days(date(2026, 10, 9), 10) == date(2026, 10, 23)


def test_a_holiday_pushes_the_deadline_back_by_its_school_days():
    assert schooldays.add_school_days(date(2026, 10, 9), 10, AUTUMN) == date(2026, 10, 30)
    assert schooldays.school_days_between(date(2026, 10, 9), date(2026, 10, 30), AUTUMN) == 10


def test_deadline_passed_only_the_day_after():
    assert not schooldays.deadline_passed(date(2026, 10, 9), 10, date(2026, 10, 23))
    assert schooldays.deadline_passed(date(2026, 10, 9), 10, date(2026, 10, 24))


def test_registration_deadline_is_first_of_april_of_the_start_year():
    assert schooldays.registration_deadline(2027) == date(2027, 4, 1)
