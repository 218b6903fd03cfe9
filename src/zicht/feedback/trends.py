"""From a student's own weekly answers to short describing sentences. Pure functions, no database.

A series is the student's values for one construct, oldest first, the last entry being the diary
just submitted; None means no answer that week (missed diary, untouched or hidden slider).
This week is compared with the mean of up to COMPARE_WITH earlier answers ("the weeks before").
"""

from dataclasses import dataclass, field

from zicht.feedback.constructs import COMMON

SAME_BAND = 8  # a difference smaller than this is "about the same"
BIG_DROP = 25  # a fall at least this large is "quite a bit lower"
COMPARE_WITH = 4  # earlier answers that form "the weeks before" (about a month)


@dataclass
class Description:
    case: str  # nothing | first | not_this_week | higher | lower | much_lower | same
    latest: int | None = None
    before: int | None = None
    sentences: list = field(default_factory=list)
    dip: bool = False  # a big fall on a construct where higher is better: offer a talk, gently


def _number(value):
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number != number:  # NaN
        return None
    return number


def text(entry, language):
    return entry.get(language) or entry["nl"]


def compare(latest, earlier):
    """The case for this week's value against the earlier answers (most recent last)."""
    recent = earlier[-COMPARE_WITH:]
    before = sum(recent) / len(recent)
    diff = latest - before
    if diff <= -BIG_DROP:
        return "much_lower", before
    if diff <= -SAME_BAND:
        return "lower", before
    if diff >= SAME_BAND:
        return "higher", before
    return "same", before


def describe(construct, series, language="nl"):
    """A Description of one construct's series in ``language`` ('nl' or 'en')."""
    values = [_number(v) for v in series]
    answered = [v for v in values if v is not None]
    if not answered:
        return Description(case="nothing")
    latest = values[-1] if values else None
    if latest is None:
        last = round(answered[-1])
        return Description(
            case="not_this_week", before=last,
            sentences=[text(COMMON["not_this_week"], language).format(value=last)],
        )
    earlier = answered[:-1]
    shown = round(latest)
    if not earlier:
        first = [text(COMMON["this_week"], language).format(value=shown), text(COMMON["first"], language)]
        if construct.kind == "centre":
            first.insert(0, text(construct.sentences[_level(latest)], language))
        return Description(case="first", latest=shown, sentences=first)
    case, before = compare(latest, earlier)
    ref = text(COMMON["ref_last" if len(earlier) == 1 else "ref_weeks"], language)
    change = text(construct.sentences[case], language).format(ref=ref)
    if construct.kind == "centre":
        sentences = [text(construct.sentences[_level(latest)], language), change]
    else:
        sentences = [text(COMMON["this_week"], language).format(value=shown), change]
    return Description(
        case=case, latest=shown, before=round(before), sentences=sentences,
        dip=(case == "much_lower" and construct.kind == "higher"),
    )


def _level(value):
    """Where a centre-kind answer lies: 0-39 low, 40-60 around the middle, 61-100 high."""
    if value < 40:
        return "level_low"
    if value > 60:
        return "level_high"
    return "level_mid"
