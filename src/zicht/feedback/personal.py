"""The student's personal feedback after a diary: their own trend on a few constructs, rewards, streak.

Only the student's own answers are used; no group norms, no risk score, nothing computed about them
that they did not see themselves.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction

from zicht.core import clock
from zicht.feedback import charts, study_settings
from zicht.feedback.constructs import BY_KEY, COMMON
from zicht.feedback.models import FeedbackExposure
from zicht.feedback.trends import describe, text
from zicht.responses.models import Response, Window

DIARY_KEYS = ("student_diary", "student_diary_control")
WEEKS = 8


@dataclass
class ConstructView:
    construct: object
    title: str
    low: str
    high: str
    mid: str
    sentences: list
    chart: str
    case: str
    latest: int | None
    before: int | None
    dip: bool


@dataclass
class Feedback:
    enabled: bool
    state: str = "ok"  # ok | off | no_data | nothing
    items: list = field(default_factory=list)
    message: str = ""
    dip: bool = False
    weeks: int = 0


def is_diary(window):
    return window.about_id is None and window.questionnaire.key in DIARY_KEYS


def protocol_of(window):
    return window.subscription.protocol if window.subscription_id else None


def diary_points(person, anchor):
    """[(local date, answers or None)] for the student's diaries in the WEEKS up to ``anchor``.

    ``anchor`` is the diary just submitted. Missed diaries count as a week without answers;
    cancelled (paused) and future ones are left out.
    """
    since = anchor.opens_at - timedelta(weeks=WEEKS) + timedelta(hours=1)
    windows = list(
        Window.objects.filter(
            respondent=person, about__isnull=True, questionnaire__key__in=DIARY_KEYS,
            state__in=[Window.COMPLETED, Window.MISSED], opens_at__gte=since, opens_at__lte=anchor.opens_at,
        ).order_by("opens_at", "pk")
    )
    answers = dict(Response.objects.filter(window__in=windows).values_list("window_id", "answers"))
    return [(clock.localtime(w.opens_at).date(), answers.get(w.pk)) for w in windows]


def feedback_for(person, window, language="nl", now=None):
    """What the feedback page shows after ``window`` (a completed diary) for this student."""
    choice = study_settings.choice_for(person, protocol_of(window), at=now)
    if not choice.enabled:
        return Feedback(enabled=False, state="off"), choice
    points = [(day, answers) for day, answers in diary_points(person, window)]
    if not any(answers is not None for _day, answers in points):
        return Feedback(enabled=True, state="no_data", message=text(COMMON["no_data"], language)), choice
    items = []
    for key in choice.constructs:
        construct = BY_KEY[key]
        series = [(answers or {}).get(construct.item) if answers is not None else None for _d, answers in points]
        description = describe(construct, series, language)
        if description.case == "nothing":
            continue
        numbers = [description_value(v) for v in series]
        items.append(ConstructView(
            construct=construct,
            title=text(construct.title, language),
            low=text(construct.low, language),
            high=text(construct.high, language),
            mid=text(construct.mid, language) if construct.mid else "",
            sentences=description.sentences,
            chart=charts.trend_svg(
                list(zip([d for d, _a in points], numbers, strict=True)), chart_id=f"chart-{key}",
                title=text(construct.title, language), language=language, centre=construct.kind == "centre",
            ),
            case=description.case,
            latest=description.latest,
            before=description.before,
            dip=description.dip,
        ))
    if not items:
        return Feedback(enabled=True, state="nothing", message=text(COMMON["nothing"], language),
                        weeks=len(points)), choice
    return Feedback(enabled=True, items=items, dip=any(i.dip for i in items), weeks=len(points)), choice


def description_value(value):
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number


def dip_sentence(mentor_name, language):
    return text(COMMON["dip"], language).format(mentor=mentor_name)


def record_exposure(person, window, feedback, choice, now=None):
    """Remember once per diary what this student was shown, for analyses of the study."""
    if FeedbackExposure.objects.filter(window=window).exists():
        return None
    try:
        with transaction.atomic():
            return FeedbackExposure.objects.create(
                window=window, person=person, shown=feedback.enabled,
                constructs=[i.construct.key for i in feedback.items], settings=choice.row, source=choice.source,
                at=now or clock.now(),
            )
    except IntegrityError:  # the page was opened twice at the same moment
        return None
