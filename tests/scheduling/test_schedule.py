"""Schedule computation: pure functions, checked over random start dates across several years."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zicht.protocols import schedule
from zicht.protocols.definitions import load_definition, shipped_keys

AMS = ZoneInfo("Europe/Amsterdam")
STUDENT = load_definition("student")
START_DATES = st.dates(min_value=date(2024, 1, 1), max_value=date(2031, 12, 31))


def local(instant):
    return instant.astimezone(AMS)


def diaries(windows):
    return [w for w in windows if w.measurement == "diary"]


@settings(max_examples=300, deadline=None)
@given(start=START_DATES)
def test_every_diary_opens_thursday_noon_wall_clock_and_stays_open_30_real_hours(start):
    windows = schedule.compute(STUDENT, start)
    assert len(diaries(windows)) == 35
    for w in diaries(windows):
        opens, closes = local(w.opens_at), local(w.closes_at)
        assert (opens.weekday(), opens.time()) == (3, time(12, 0))
        assert w.closes_at - w.opens_at == timedelta(hours=30)  # elapsed time, in UTC
        assert (closes.weekday(), closes.time()) == (4, time(18, 0))
        assert w.reminder_at - w.opens_at == timedelta(hours=8)
        assert w.opens_at.tzinfo is UTC


@pytest.mark.parametrize(
    "start, dst_thursday, offset_before, offset_after",
    [
        # Clocks go forward on Sunday 29 March 2026 and back on Sunday 25 October 2026.
        (date(2026, 3, 16), date(2026, 4, 2), timedelta(hours=1), timedelta(hours=2)),
        (date(2026, 10, 12), date(2026, 10, 29), timedelta(hours=2), timedelta(hours=1)),
    ],
)
def test_the_thursday_after_a_dst_change_still_opens_at_noon(
    start, dst_thursday, offset_before, offset_after
):
    windows = diaries(schedule.compute(STUDENT, start, 4))
    by_day = {local(w.opens_at).date(): w for w in windows}
    before, after = by_day[dst_thursday - timedelta(days=7)], by_day[dst_thursday]
    assert local(before.opens_at).utcoffset() == offset_before
    assert local(after.opens_at).utcoffset() == offset_after
    assert local(after.opens_at).time() == time(12, 0)
    # A week between the two is 7 x 24 h +/- the hour the clocks moved.
    assert after.opens_at - before.opens_at == timedelta(days=7) - (offset_after - offset_before)


@settings(max_examples=200, deadline=None)
@given(start=START_DATES, weeks=st.integers(min_value=2, max_value=40))
def test_pre_first_post_last_and_nothing_after_the_stop_measurement(start, weeks):
    windows = schedule.compute(STUDENT, start, weeks)
    pre = [w for w in windows if w.measurement == "pre"]
    post = [w for w in windows if w.measurement == "post"]
    assert len(pre) == 1 and len(post) == 1
    assert local(pre[0].opens_at).strftime("%a %H:%M") == "Wed 17:45"
    assert pre[0].opens_at < min(w.opens_at for w in diaries(windows))
    assert post[0].stop
    assert all(w.opens_at <= post[0].opens_at for w in windows)
    assert local(post[0].opens_at).strftime("%a %H:%M") == "Fri 12:00"
    end = schedule.local_to_utc(
        datetime.combine(schedule.default_ends_on(start, weeks) + timedelta(days=1), time(0)), AMS
    )
    assert local(end).strftime("%a %H:%M") == "Mon 00:00"
    assert post[0].opens_at == schedule.local_to_utc(
        local(end).replace(tzinfo=None) - timedelta(days=2, hours=12), AMS
    )
    assert all(w.closes_at <= end for w in windows)
    assert len(diaries(windows)) == weeks


@settings(max_examples=200, deadline=None)
@given(
    start=START_DATES,
    holiday_week=st.integers(min_value=1, max_value=35),
    length=st.integers(min_value=1, max_value=16),
    skip=st.sets(st.integers(min_value=1, max_value=35), max_size=4),
)
def test_holidays_and_non_invite_weeks_are_skipped(start, holiday_week, length, skip):
    anchor = schedule.anchor_of(start)
    holiday_start = anchor + timedelta(days=7 * (holiday_week - 1))
    holiday_end = holiday_start + timedelta(days=length - 1)
    definition = dict(
        STUDENT, skip_weeks=sorted(skip), holidays=[{"from": str(holiday_start), "to": str(holiday_end)}]
    )
    windows = schedule.compute(definition, start)
    opened = {local(w.opens_at).date() for w in diaries(windows)}
    for w in diaries(windows):
        assert not holiday_start <= local(w.opens_at).date() <= holiday_end
        assert w.occasion not in skip
    expected = [
        week
        for week in range(1, 36)
        if week not in skip
        and not holiday_start <= anchor + timedelta(days=7 * (week - 1) + 3) <= holiday_end
    ]
    assert sorted(w.occasion for w in diaries(windows)) == expected
    assert len(opened) == len(expected)
    # One-off measurements are never skipped.
    assert {w.measurement for w in windows} >= {"pre", "post"}


def test_reminders_avoid_the_night_and_never_come_after_the_close():
    windows = schedule.compute(STUDENT, date(2026, 9, 1), 2)
    pre = next(w for w in windows if w.measurement == "pre")
    # 17:45 + 8 h would be 01:45; it moves to 08:00 the next morning.
    assert local(pre.reminder_at).strftime("%a %H:%M") == "Thu 08:00"
    short = dict(STUDENT, measurements=[dict(STUDENT["measurements"][1], open_for="6h")])
    assert all(w.reminder_at is None for w in schedule.compute(short, date(2026, 9, 1), 3))


def test_spring_forward_gap_moves_later_and_autumn_overlap_takes_the_first():
    gap = schedule.local_to_utc(datetime(2026, 3, 29, 2, 30), AMS)
    assert local(gap).strftime("%H:%M %z") == "03:30 +0200"
    twice = schedule.local_to_utc(datetime(2026, 10, 25, 2, 30), AMS)
    assert local(twice).strftime("%H:%M %z") == "02:30 +0200"


@pytest.mark.parametrize("key", shipped_keys())
def test_every_shipped_protocol_schedules_35_weeks(key):
    windows = schedule.compute(load_definition(key), date(2026, 9, 2))
    assert windows
    assert all(w.opens_at < w.closes_at for w in windows)
    questionnaires = {w.questionnaire for w in windows}
    allowed = {
        "student_diary",
        "student_diary_control",
        "mentor_diary",
        "student_pre",
        "student_post",
        "student_post_control",
        "mentor_pre",
        "mentor_post",
    }
    assert questionnaires <= allowed
    if key in ("student", "student_control", "mentor_diary"):
        assert len(diaries(windows)) == 35


@pytest.mark.parametrize(
    "definition, message",
    [
        ({"measurements": []}, "no measurements"),
        (
            {
                "measurements": [
                    {"key": "x", "questionnaire": "q", "kind": "weekly", "at": {"weekday": "thu"}}
                ]
            },
            "time",
        ),
        (
            {
                "measurements": [
                    {
                        "key": "x",
                        "questionnaire": "q",
                        "kind": "daily",
                        "at": {"weekday": "thu", "time": "12:00"},
                    }
                ]
            },
            "kind",
        ),
        (
            {
                "measurements": [
                    {
                        "key": "x",
                        "questionnaire": "q",
                        "open_for": "30 hours",
                        "at": {"weekday": "thu", "time": "12:00"},
                    }
                ]
            },
            "duration",
        ),
    ],
)
def test_a_broken_definition_is_refused_with_a_reason(definition, message):
    with pytest.raises(schedule.DefinitionError, match=message):
        schedule.compute(definition, date(2026, 9, 1))
