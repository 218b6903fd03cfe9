"""The constructs a student can see on their feedback page, and the sentences that describe them.

Every construct is one 0-100 slider of the student diary (the control diary uses the same ids).
Sentences are B1 Dutch with English alongside. They describe, they never judge, never score risk.
``{ref}`` is "vorige keer" / "de weken ervoor" (and the English equivalents).

Kinds:
- "higher": a higher value means more of something the student would like (school went well).
- "centre": the middle is the good place (enough time: left = too little, right = too much).
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Construct:
    key: str
    item: str
    kind: str  # "higher" or "centre"
    title: dict
    low: dict  # what 0 means
    high: dict  # what 100 means
    sentences: dict = field(default_factory=dict)  # case -> {"nl", "en"}
    mid: dict | None = None  # what 50 means, for "centre" constructs


def _s(nl, en):
    return {"nl": nl, "en": en}


CONSTRUCTS = [
    Construct(
        key="school",
        item="v4",
        kind="higher",
        title=_s("Hoe het ging op school of stage", "How school or your internship went"),
        low=_s("heel slecht", "very badly"),
        high=_s("heel goed", "very well"),
        sentences={
            "higher": _s("School of stage ging deze week beter dan {ref}.",
                         "School or your internship went better this week than {ref}."),
            "lower": _s("School of stage ging deze week minder goed dan {ref}.",
                        "School or your internship went less well this week than {ref}."),
            "much_lower": _s("School of stage ging deze week een stuk minder goed dan {ref}.",
                             "School or your internship went quite a bit less well this week than {ref}."),
            "same": _s("School of stage ging deze week ongeveer net zo als {ref}.",
                       "School or your internship went about the same this week as {ref}."),
        },
    ),
    Construct(
        key="confidence",
        item="v11",
        kind="higher",
        title=_s("Vertrouwen dat je dit schooljaar haalt", "Confidence that you will pass this year"),
        low=_s("geen vertrouwen", "not confident"),
        high=_s("veel vertrouwen", "very confident"),
        sentences={
            "higher": _s("Je vertrouwen dat je dit jaar haalt, is hoger dan {ref}.",
                         "Your confidence that you will pass this year is higher than {ref}."),
            "lower": _s("Je vertrouwen dat je dit jaar haalt, is lager dan {ref}.",
                        "Your confidence that you will pass this year is lower than {ref}."),
            "much_lower": _s("Je vertrouwen dat je dit jaar haalt, is een stuk lager dan {ref}.",
                             "Your confidence that you will pass this year is quite a bit lower than {ref}."),
            "same": _s("Je vertrouwen dat je dit jaar haalt, is ongeveer hetzelfde als {ref}.",
                       "Your confidence that you will pass this year is about the same as {ref}."),
        },
    ),
    Construct(
        key="wellbeing",
        item="v25",
        kind="higher",
        title=_s("Hoe het met je ging", "How you were doing"),
        low=_s("heel slecht", "very bad"),
        high=_s("heel goed", "very good"),
        sentences={
            "higher": _s("Het ging deze week beter met je dan {ref}.",
                         "You were doing better this week than {ref}."),
            "lower": _s("Het ging deze week minder goed met je dan {ref}.",
                        "You were doing less well this week than {ref}."),
            "much_lower": _s("Het ging deze week een stuk minder goed met je dan {ref}.",
                             "You were doing quite a bit less well this week than {ref}."),
            "same": _s("Het ging deze week ongeveer net zo met je als {ref}.",
                       "You were doing about the same this week as {ref}."),
        },
    ),
    Construct(
        key="time",
        item="v8",
        kind="centre",
        title=_s("Genoeg tijd voor school", "Enough time for school"),
        low=_s("te weinig tijd", "too little time"),
        high=_s("te veel tijd", "too much time"),
        mid=_s("precies genoeg", "just enough"),
        sentences={
            "level_low": _s("Deze week had je eerder te weinig tijd.", "This week you had rather too little time."),
            "level_mid": _s("Deze week had je ongeveer genoeg tijd.", "This week you had about enough time."),
            "level_high": _s("Deze week had je eerder meer dan genoeg tijd.",
                             "This week you had rather more than enough time."),
            "higher": _s("Dat is meer tijd dan {ref}.", "That is more time than {ref}."),
            "lower": _s("Dat is minder tijd dan {ref}.", "That is less time than {ref}."),
            "much_lower": _s("Dat is een stuk minder tijd dan {ref}.", "That is quite a bit less time than {ref}."),
            "same": _s("Dat is ongeveer hetzelfde als {ref}.", "That is about the same as {ref}."),
        },
    ),
    Construct(
        key="happy",
        item="v9",
        kind="higher",
        title=_s("Blij met je opleiding", "Happy with your course"),
        low=_s("niet blij", "not happy"),
        high=_s("heel blij", "very happy"),
        sentences={
            "higher": _s("Je bent blijer met je opleiding dan {ref}.", "You are happier with your course than {ref}."),
            "lower": _s("Je bent minder blij met je opleiding dan {ref}.",
                        "You are less happy with your course than {ref}."),
            "much_lower": _s("Je bent een stuk minder blij met je opleiding dan {ref}.",
                             "You are quite a bit less happy with your course than {ref}."),
            "same": _s("Je bent ongeveer net zo blij met je opleiding als {ref}.",
                       "You are about as happy with your course as {ref}."),
        },
    ),
    Construct(
        key="fit",
        item="v10",
        kind="higher",
        title=_s("Hoe goed je opleiding bij je past", "How well your course suits you"),
        low=_s("past slecht", "suits me badly"),
        high=_s("past heel goed", "suits me very well"),
        sentences={
            "higher": _s("Je opleiding past nu beter bij je dan {ref}.", "Your course suits you better now than {ref}."),
            "lower": _s("Je opleiding past nu minder goed bij je dan {ref}.",
                        "Your course suits you less well now than {ref}."),
            "much_lower": _s("Je opleiding past nu een stuk minder goed bij je dan {ref}.",
                             "Your course suits you quite a bit less well now than {ref}."),
            "same": _s("Je opleiding past ongeveer net zo goed bij je als {ref}.",
                       "Your course suits you about as well as {ref}."),
        },
    ),
]

BY_KEY = {c.key: c for c in CONSTRUCTS}
DEFAULT_KEYS = ["school", "confidence", "wellbeing", "time"]
MAX_SHOWN = 4

# Shared sentences, not tied to one construct.
COMMON = {
    "ref_last": _s("vorige keer", "last time"),
    "ref_weeks": _s("de weken ervoor", "the weeks before"),
    "this_week": _s("Deze week: {value} van de 100.", "This week: {value} out of 100."),
    "first": _s("Dit is je eerste antwoord. Na een paar weken zie je hier hoe het verandert.",
                "This is your first answer. After a few weeks you will see here how it changes."),
    "not_this_week": _s("Deze week is deze vraag niet beantwoord. De laatste keer was het {value} van de 100.",
                        "This question was not answered this week. Last time it was {value} out of 100."),
    "nothing": _s("Je hebt deze vragen de laatste weken niet ingevuld. Dat is niet erg: er is alleen nog niets "
                  "om te laten zien.",
                  "You have not answered these questions in the last weeks. That is fine: there is just "
                  "nothing to show yet."),
    "no_data": _s("Hier zie je straks hoe jouw weken gaan. Vul je eerste vragenlijst in, dan begint het.",
                  "Here you will see how your weeks are going. Fill in your first questionnaire to start."),
    "dip": _s("Gaat het even minder? Dat overkomt iedereen weleens. Praten helpt vaak. Je kunt hieronder "
              "vragen of {mentor} contact met je opneemt.",
              "Is it a bit harder right now? That happens to everyone. Talking often helps. Below you can "
              "ask {mentor} to get in touch."),
}


def keys_valid(keys):
    """Known construct keys in the given order, duplicates removed, at most MAX_SHOWN."""
    seen = []
    for key in keys or []:
        if key in BY_KEY and key not in seen:
            seen.append(key)
    return seen[:MAX_SHOWN]
