"""Which text a student or mentor gets, and that every text fits in two SMS segments."""

import pytest

from zicht.messaging.texts import (
    POOLS,
    SUBJECTS,
    TextContext,
    choose_rule,
    compose,
    gsm_safe,
    pool,
    render_variant,
    sms_segments,
)

T, F = True, False
LINK = "https://zicht.school.example/q/"
LINK += "A" * (60 - len(LINK))  # a 60-character personal link
NAME = "Mohammed-Ali"  # 12 characters
MENTOR = "Anne-Marieke"
PROGRAMME = "Stichting Jongerencoaching NL"  # 29 characters
assert len(LINK) == 60 and len(NAME) == 12 and len(MENTOR) == 12

STUDENT_RULES = [rule for rule in SUBJECTS["nl"] if not rule.startswith("mentor_")]
MENTOR_RULES = [rule for rule in SUBJECTS["nl"] if rule.startswith("mentor_")]


def student(**kwargs):
    values = dict(role="student", first_name="Sanne", mentor_name="Fatima", link=LINK, reference="z1")
    values.update(kwargs)
    return TextContext(**values)


def mentor(**kwargs):
    values = dict(role="mentor", first_name="Fatima", link=LINK, reference="z1",
                  students_to_do=["Sanne", "Mo", "Ali", "Eva"], history=[T])
    values.update(kwargs)
    return TextContext(**values)


@pytest.mark.parametrize(
    "history, rule",
    [([], "first_diary"), ([T], "default"), ([F], "missed_one"), ([T, F], "missed_one"),
     ([T, T, F], "missed_one"), ([F, F], "never_started"), ([F, F, F, F], "never_started"),
     ([T, T, T, F], "missed_after_streak"), ([T, F, F], "missed_several"), ([T, T, T, F, F], "missed_several"),
     ([F, T], "rejoined"), ([T, F, F, T], "rejoined"), ([T, T], "streak_almost"), ([F, T, T], "streak_almost"),
     ([T, T, T], "milestone"), ([T] * 4, "on_streak"), ([T] * 5, "on_streak"), ([T] * 7, "milestone"),
     ([T, T, None], "streak_almost")],
)
def test_student_diary_rules(history, rule):
    ctx = student(history=history)
    message = compose(ctx)
    assert message.rule == choose_rule(ctx) == rule
    assert message.sms in {render_variant(ctx, rule, i).sms for i in range(len(pool(ctx, rule)))}


@pytest.mark.parametrize(
    "kwargs, rule",
    [(dict(measurement="pre"), "welcome"), (dict(measurement="pre", history=[T]), "pre_still_open"),
     (dict(measurement="post", history=[T] * 34), "post"), (dict(kind="reminder", history=[T, T]), "reminder"),
     (dict(history=[T], earned_cents=900), "milestone")],
)
def test_student_special_rules(kwargs, rule):
    assert compose(student(**kwargs)).rule == rule


@pytest.mark.parametrize(
    "kwargs, rule",
    [(dict(measurement="pre", history=[]), "mentor_kickoff"), (dict(history=[]), "mentor_first_weekly"),
     (dict(history=[T, F]), "mentor_weekly"), (dict(measurement="post"), "mentor_post"),
     (dict(kind="reminder"), "mentor_reminder")],
)
def test_mentor_rules(kwargs, rule):
    assert compose(mentor(**kwargs)).rule == rule


def test_amounts_and_milestones_in_the_text():
    assert "€2" in compose(student(history=[], reference="a")).email_text
    assert "€3" in compose(student(history=[T, T])).sms
    assert "haal je de €10" in compose(student(history=[T, T, T])).sms  # 7 + 3 = exactly 10
    assert "kom je boven de €20" in compose(student(history=[T] * 7)).sms  # 19 + 3 = 22
    assert "past €20" in compose(student(history=[T] * 7, language="en")).email_subject


def test_missed_after_streak_names_the_streak_length():
    texts = [render_variant(student(history=[T] * 5 + [F]), "missed_after_streak", i).sms for i in range(2)]
    assert any("na 5 weken op rij" in text for text in texts)


def test_mentor_bundles_students_still_to_do():
    assert "je weekvragenlijsten staan klaar voor Sanne, Mo en 2 anderen" in compose(mentor()).sms
    assert "voor Sanne, Mo en Ali." in compose(mentor(students_to_do=["Sanne", "Mo", "Ali"])).sms
    assert "je weekvragenlijst staat klaar voor Sanne." in compose(mentor(students_to_do=["Sanne"])).sms
    english = compose(mentor(language="en"))
    assert "your weekly questionnaires are ready for Sanne, Mo and 2 others" in english.sms
    assert english.email_subject == "Your weekly questionnaires are ready"


def test_a_mentor_with_forty_students_still_gets_two_segments():
    names = [f"Student{n:05d}" for n in range(40)]
    message = compose(mentor(students_to_do=names, first_name=NAME))
    assert sms_segments(message.sms)[1] <= 2
    assert "Student00000, Student00001 en 38 anderen" in message.sms


def test_control_group_never_hears_about_a_mentor():
    for rule_history in ([], [T], [F], [T, T], [T] * 3, [T] * 4, [F, T], [T, F, F], [F, F]):
        for kind in ("invitation", "reminder"):
            for reference in range(60):
                message = compose(student(history=rule_history, kind=kind, control_group=True, reference=f"z{reference}"))
                text = f"{message.sms} {message.email_subject} {message.email_text}".lower()
                assert "fatima" not in text
                assert not any(word in text for word in ("mentor", "begeleid", "coach"))


def test_intervention_students_sometimes_hear_about_their_mentor():
    texts = {compose(student(history=[T], reference=f"z{n}")).sms for n in range(60)}
    assert any("Fatima" in text for text in texts)
    assert len(texts) >= 5  # the default pool rotates between variants


def test_choice_is_stable_for_a_reference():
    ctx = student(history=[T], reference="zstable")
    assert compose(ctx) == compose(ctx)


def test_english_and_unknown_languages():
    assert compose(student(language="en")).sms.startswith("Hi Sanne")
    assert compose(student(language="fr")).sms.startswith("Hoi Sanne")


def test_reminder_wording_follows_the_measurement():
    pre = compose(student(kind="reminder", measurement="pre", reference="zr"))
    assert "startvragenlijst" in pre.sms and "2 minuten" not in pre.sms
    assert pre.email_subject == "Herinnering: je startvragenlijst staat nog open"


def test_email_has_the_link_on_its_own_line_and_an_opt_out_footer():
    message = compose(student(programme_name="Plusgroep"))
    paragraphs = message.email_text.strip().split("\n\n")
    assert paragraphs[1] == LINK
    assert "meedoet aan Plusgroep" in paragraphs[2] and "via de link" in paragraphs[2]


def test_no_name_still_reads_well():
    message = compose(student(first_name="", history=[T] * 4, reference="z3"))
    assert " ," not in message.sms and "  " not in message.sms and "!" in message.sms


# --- length: every shipped variant, both languages -----------------------------------------------


def _worst_case(rule, language):
    common = dict(first_name=NAME, link=LINK, language=language, programme_name=PROGRAMME, reference="z")
    if rule in MENTOR_RULES:
        names = ["Mohammed-Ali", "Anne-Marieke", "Christiaan12", "Jan-Willem12"]
        return TextContext(role="mentor", students_to_do=names, history=[T], **common)
    measurement = {"welcome": "pre", "pre_still_open": "pre", "post": "post"}.get(rule, "diary")
    # Longest numbers: a 34-week streak, EUR 100 earned so far.
    return TextContext(role="student", mentor_name=MENTOR, history=[T] * 34, earned_cents=10000,
                       measurement=measurement, kind="reminder" if rule == "reminder" else "invitation", **common)


def _every_variant():
    for language in POOLS:
        for rule in SUBJECTS[language]:
            ctx = _worst_case(rule, language)
            for index in range(len(pool(ctx, rule))):
                yield language, rule, index


@pytest.mark.parametrize("language, rule, index", list(_every_variant()))
def test_every_variant_fits_in_two_gsm7_segments_without_shortening(language, rule, index):
    ctx = _worst_case(rule, language)
    message = render_variant(ctx, rule, index)
    encoding, segments = sms_segments(message.sms)
    assert encoding == "GSM-7", message.sms
    assert segments <= 2, message.sms
    full_text = message.email_text.split("\n\n")[0]
    assert message.sms == f"{full_text} {LINK}"  # the variant itself, not the short fallback
    assert "{" not in message.sms and "}" not in message.sms


def test_every_pool_is_enumerated():
    for language, rules in POOLS.items():
        assert set(rules) - {"default_mentor"} == set(SUBJECTS[language])
    assert len(POOLS["nl"]["default"]) == 6 and len(POOLS["nl"]["default_mentor"]) == 2


@pytest.mark.parametrize("name", ["Zoë-Ayşe Çak", "Şükrü Yılmaz", "Noël"])
@pytest.mark.parametrize("rule_kwargs", [dict(), dict(measurement="pre"), dict(history=[T] * 3),
                                         dict(kind="reminder"), dict(history=[T] * 33 + [F])])
def test_names_that_force_ucs2_are_kept_and_still_fit(name, rule_kwargs):
    message = compose(student(first_name=name, programme_name=PROGRAMME, mentor_name=MENTOR, **rule_kwargs))
    encoding, segments = sms_segments(message.sms)
    assert name in message.sms
    assert encoding == "UCS-2" and segments <= 2


def test_mentor_list_with_ucs2_names_shrinks_to_fit():
    message = compose(mentor(students_to_do=["Zoë-Ayşe Çak", "Şükrü Yılmaz", "Noël", "İbrahim Öz"]))
    assert sms_segments(message.sms)[1] <= 2


# --- SMS counting --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [("", ("GSM-7", 1)), ("a" * 160, ("GSM-7", 1)), ("a" * 161, ("GSM-7", 2)), ("a" * 306, ("GSM-7", 2)),
     ("a" * 307, ("GSM-7", 3)), ("€" * 80, ("GSM-7", 1)), ("€" * 81, ("GSM-7", 2)),
     ("a" * 159 + "€", ("GSM-7", 2)),  # € counts double: 161 septets
     ("a" * 305 + "€", ("GSM-7", 3)),  # the escape pair is never split across segments
     ("[]{}~^|\\", ("GSM-7", 1)), ("é è à ä ö ü ñ Ç ß", ("GSM-7", 1)),
     ("ë" * 70, ("UCS-2", 1)), ("ë" * 71, ("UCS-2", 2)), ("ë" * 134, ("UCS-2", 2)), ("ë" * 135, ("UCS-2", 3)),
     ("😀" * 35, ("UCS-2", 1)), ("😀" * 36, ("UCS-2", 2))],
)
def test_segment_counting(text, expected):
    assert sms_segments(text) == expected


def test_typographic_punctuation_is_made_gsm_safe_but_names_are_not_touched():
    assert gsm_safe("‘Hoi’ – “Sanne”…") == "'Hoi' - \"Sanne\"..."
    assert sms_segments(gsm_safe("Het is ‘goed’ gegaan — echt…"))[0] == "GSM-7"
    assert gsm_safe("Zoë") == "Zoë"
    message = compose(student(first_name="D’Angelo"))
    assert "D'Angelo" in message.sms and sms_segments(message.sms)[0] == "GSM-7"
