"""Diary rewards as in the study: EUR 2 per completed diary, EUR 3 from the 3rd in a row.

An outcome list holds one entry per diary occasion, oldest first:
True = completed, False = missed (resets the streak), None = still open or in the future
(earns nothing yet and leaves the streak as it is).
"""

BASE_CENTS = 200
BONUS_CENTS = 300
BONUS_FROM_STREAK = 3


def diary_rewards(outcomes: list[bool | None]) -> list[int]:
    """Cents earned per occasion: [T, T, T, F, T] -> [200, 200, 300, 0, 200]."""
    rewards = []
    streak = 0
    for outcome in outcomes:
        if outcome is True:
            streak += 1
            rewards.append(BONUS_CENTS if streak >= BONUS_FROM_STREAK else BASE_CENTS)
        else:
            if outcome is False:
                streak = 0
            rewards.append(0)
    return rewards


def total_cents(outcomes: list[bool | None]) -> int:
    return sum(diary_rewards(outcomes))


def current_streak(outcomes: list[bool | None]) -> int:
    """Completed diaries in a row up to now (open/future occasions neither count nor break it)."""
    streak = 0
    for outcome in outcomes:
        if outcome is True:
            streak += 1
        elif outcome is False:
            streak = 0
    return streak


def next_reward_cents(outcomes: list[bool | None]) -> int:
    """What completing the next diary would earn after these outcomes."""
    return BONUS_CENTS if current_streak(outcomes) + 1 >= BONUS_FROM_STREAK else BASE_CENTS


def format_euros(cents: int, language: str = "nl") -> str:
    """'€12' for whole euros, else '€2,50' (Dutch) or '€2.50' (English)."""
    euros, rest = divmod(int(cents), 100)
    if rest == 0:
        return f"€{euros}"
    separator = "," if language == "nl" else "."
    return f"€{euros}{separator}{rest:02d}"
