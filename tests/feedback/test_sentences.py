"""Feedback sentences come from templates: over the edge cases nothing odd or alarming is shown."""

import re

import pytest

from zicht.feedback import trends
from zicht.feedback.constructs import BY_KEY, COMMON, CONSTRUCTS

FORBIDDEN = re.compile(r"uitval|uitvallen|drop.?out|risico|risk|alarm|zorgwekkend|worrying|gevaar|danger|score",
                       re.I)

school, time_ = BY_KEY["school"], BY_KEY["time"]


def describe(construct, series, language="nl"):
    return trends.describe(construct, series, language)


def test_no_answers_at_all_gives_nothing_to_describe():
    assert describe(school, []).case == "nothing"
    assert describe(school, [None, None, None]).sentences == []


def test_first_answer_says_so_and_promises_a_trend_later():
    result = describe(school, [None, 64])
    assert result.case == "first"
    assert result.sentences == [
        "Deze week: 64 van de 100.",
        "Dit is je eerste antwoord. Na een paar weken zie je hier hoe het verandert.",
    ]
    assert describe(school, [64], "en").sentences[0] == "This week: 64 out of 100."


def test_no_answer_this_week_points_to_the_last_answer_without_comparing():
    result = describe(school, [70, 55, None])
    assert result.case == "not_this_week"
    assert result.sentences == ["Deze week is deze vraag niet beantwoord. De laatste keer was het 55 van de 100."]
    assert not result.dip


@pytest.mark.parametrize(
    ("series", "case", "sentence"),
    [
        ([60, 67], "same", "School of stage ging deze week ongeveer net zo als vorige keer."),
        ([60, 68], "higher", "School of stage ging deze week beter dan vorige keer."),
        ([60, 52], "lower", "School of stage ging deze week minder goed dan vorige keer."),
        ([60, 36], "lower", "School of stage ging deze week minder goed dan vorige keer."),
        ([60, 35], "much_lower", "School of stage ging deze week een stuk minder goed dan vorige keer."),
        ([60, 80, 70, 30], "much_lower",
         "School of stage ging deze week een stuk minder goed dan de weken ervoor."),
    ],
)
def test_this_week_is_compared_with_the_weeks_before(series, case, sentence):
    result = describe(school, series)
    assert result.case == case
    assert result.sentences[1] == sentence
    assert result.dip == (case == "much_lower")


def test_comparison_uses_about_a_month_and_skips_missed_weeks():
    # Mean of the last four answers (70, 70, 70, 70); the old 0 and the missed weeks don't count.
    result = describe(BY_KEY["confidence"], [0, 70, None, 70, 70, None, 70, 72])
    assert (result.case, result.before, result.latest) == ("same", 70, 72)
    assert result.sentences[1] == "Je vertrouwen dat je dit jaar haalt, is ongeveer hetzelfde als de weken ervoor."


def test_big_drop_is_described_gently_and_offers_a_talk_not_an_alarm():
    result = describe(BY_KEY["wellbeing"], [80, 85, 10])
    assert result.dip
    assert result.sentences == ["Deze week: 10 van de 100.",
                                "Het ging deze week een stuk minder goed met je dan de weken ervoor."]
    dip = COMMON["dip"]["nl"].format(mentor="Fatima")
    assert dip.startswith("Gaat het even minder? Dat overkomt iedereen weleens.")
    assert "Fatima" in dip and not FORBIDDEN.search(dip)


def test_enough_time_is_described_from_the_middle_and_a_drop_is_not_a_dip():
    assert describe(time_, [50, 20]).sentences == ["Deze week had je eerder te weinig tijd.",
                                                   "Dat is een stuk minder tijd dan vorige keer."]
    assert not describe(time_, [50, 20]).dip
    assert describe(time_, [55]).sentences[0] == "Deze week had je ongeveer genoeg tijd."
    assert describe(time_, [30, 90], "en").sentences == ["This week you had rather more than enough time.",
                                                         "That is more time than last time."]


def test_odd_stored_values_are_treated_as_no_answer():
    assert describe(school, ["", "abc", True, None, 40]).case == "first"
    assert describe(school, [float("nan")]).case == "nothing"


def test_every_template_in_both_languages_is_calm_and_complete():
    texts = [t for entry in COMMON.values() for t in entry.values()]
    for construct in CONSTRUCTS:
        for entry in [*construct.sentences.values(), construct.title, construct.low, construct.high]:
            assert set(entry) == {"nl", "en"}, construct.key
            texts += entry.values()
        cases = {"higher", "lower", "much_lower", "same"}
        if construct.kind == "centre":
            cases |= {"level_low", "level_mid", "level_high"}
        assert cases <= set(construct.sentences), construct.key
    for text in texts:
        assert not FORBIDDEN.search(text), text
        assert "!" not in text, text  # no exclamations that judge
        assert len(text) < 220, text


@pytest.mark.parametrize("language", ["nl", "en"])
def test_all_generated_sentences_over_many_series_are_filled_in(language):
    series_list = [[], [None], [40], [None, 40], [40, None], [0, 100], [100, 0], [50, 50, 50], [10, None, 90]]
    for construct in CONSTRUCTS:
        for series in series_list:
            for sentence in describe(construct, series, language).sentences:
                assert "{" not in sentence and "}" not in sentence
                assert not FORBIDDEN.search(sentence)
