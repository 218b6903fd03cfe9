"""Rewards as in the study: EUR 2 per diary, EUR 3 from the third in a row."""

import pytest

from zicht.messaging.rewards import (
    current_streak,
    diary_rewards,
    format_euros,
    next_reward_cents,
    total_cents,
)

T, F = True, False


def test_full_study_amounts():
    assert total_cents([T] * 30) == 8800
    assert total_cents([T] * 35) == 10300


@pytest.mark.parametrize("weeks", range(2, 41))
def test_maximum_is_four_plus_three_per_week_after_the_second(weeks):
    assert total_cents([T] * weeks) == 400 + 300 * (weeks - 2)


def test_a_missed_diary_resets_the_streak():
    assert diary_rewards([T, T, T, F, T, T, T]) == [200, 200, 300, 0, 200, 200, 300]


def test_open_or_future_occasions_earn_nothing_and_keep_the_streak():
    assert diary_rewards([T, T, None]) == [200, 200, 0]
    assert diary_rewards([T, T, None, T]) == [200, 200, 0, 300]
    assert current_streak([T, T, None]) == 2


def test_streak_and_next_reward():
    assert current_streak([]) == 0
    assert current_streak([T, F, T, T]) == 2
    assert next_reward_cents([]) == 200
    assert next_reward_cents([T]) == 200
    assert next_reward_cents([T, T]) == 300
    assert next_reward_cents([T, T, F]) == 200


def test_nothing_completed_earns_nothing():
    assert total_cents([F, F, None]) == 0
    assert total_cents([]) == 0


def test_format_euros():
    assert format_euros(8800) == "€88"
    assert format_euros(250, "nl") == "€2,50"
    assert format_euros(250, "en") == "€2.50"
