"""Rendered fields: labelled, linked errors, names filled in, usable without JavaScript, and small."""

import re
from pathlib import Path

import pytest

from zicht.questionnaires.engine import parse_submission, questionnaire_texts, render_form
from zicht.questionnaires.loader import load_definitions

from .conftest import post

SHIPPED = load_definitions()
STATIC = Path(__file__).resolve().parents[2] / "src/zicht/static/zicht"
STUDENT = {
    "student": "Sanne",
    "student_gender": "f",
    "mentor": "Fatima",
    "mentor_title": "coach",
    "programme": "Plusgroep",
}


def render(key="student_diary", language="nl", variables=STUDENT, **kwargs):
    return str(render_form(SHIPPED[key], variables=variables, language=language, **kwargs))


def test_every_input_has_a_label_or_a_legend():
    for key in SHIPPED:
        html = render(key, variables=dict(STUDENT, students=[{"key": "1", "first_name": "Ali"}]))
        html = re.sub(r"<template.*?</template>", "", html, flags=re.S)
        labelled = set(re.findall(r'<label[^>]* for="([^"]+)"', html))
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
            if 'type="hidden"' in tag:
                continue
            if "zq-other" in tag:
                assert "aria-label=" in tag
                continue
            ident = re.search(r'id="([^"]+)"', tag)
            nested_checkbox = "zq-nojs" in html and 'name="' in tag and ("__add" in tag or "__remove" in tag)
            assert nested_checkbox or (ident and ident.group(1) in labelled), f"{key}: unlabelled {tag}"


def test_student_diary_shows_questions_anchors_and_radio_groups():
    html = render()
    assert "Ben je deze week naar school of naar je stage geweest?" in html
    assert "<fieldset" in html and '<legend class="zq-q">Ben je deze week' in html
    assert "<span>Vooral niet fijn</span><span>Vooral fijn</span>" in html
    assert "<span>0 uur</span><span>40 uur of meer</span>" in html
    assert 'type="number" class="zq-num" id="zq-v7" name="v7" min="0" max="40" step="1"' in html
    english = render(language="en")
    assert "Did you go to school or to your internship this week?" in english
    assert "Mostly pleasant" in english


def test_mentor_name_appears_in_the_coaching_questions():
    html = render()
    for text in (
        "Heb je deze week gepraat met Fatima?",
        "Hoe ging het contact met Fatima?",
        "Hoe open was je tegen Fatima?",
        "Hoe goed heeft Fatima je geholpen?",
        "dat Fatima je hielp om zelf keuzes te maken",
        "dat Fatima er voor je was",
        "Gaf Fatima je het gevoel",
    ):
        assert text in html
    assert "begeleiding van Plusgroep" in html
    assert "{{" not in html


def test_without_a_known_mentor_the_text_uses_the_team_title():
    html = render(variables={"mentor_title": "coach"})
    assert "Heb je deze week gepraat met je coach?" in html
    assert "Did you talk with your mentor this week?" in render(language="en", variables={})


def test_pronouns_follow_the_students_gender_with_a_neutral_fallback():
    for gender, nl, en in (
        ("m", "dat hij dingen goed kan", "that he is good"),
        ("f", "dat zij dingen", "that she is"),
        ("", "dat hij/zij dingen", "that he/she is"),
        ("x", "dat hij/zij dingen", "that he/she is"),
    ):
        variables = {"student": "Sam", "student_gender": gender}
        assert nl in render("mentor_diary", variables=variables)
        assert en in render("mentor_diary", language="en", variables=variables)
    html = render("mentor_diary", variables={"student": "sam"})
    assert "Sam is gestopt met de opleiding" in html  # {{Student}} capitalises


def test_names_are_escaped():
    html = render(variables={"mentor": "<b>Eve</b>"})
    assert "&lt;b&gt;Eve&lt;/b&gt;" in html and "<b>Eve" not in html


def test_conditional_items_carry_a_no_js_note():
    html = render()
    note = re.search(r'<p class="zq-cond zq-nojs" id="zq-v2-cond">([^<]+)</p>', html).group(1)
    assert (
        note
        == "Alleen invullen als je bij ‘Ben je deze week naar school of naar je stage geweest?’ koos voor ‘Ja’."
    )
    assert 'data-item="v2" data-hidden' in html
    assert 'value="yes" data-shows="v2 v3 v4 v5 v6"' in html
    post_html = render("student_post")
    assert (
        "Sla deze vraag over als je bij ‘Welk cijfer haal je gemiddeld voor je vakken?’ koos voor ‘Dat weet ik echt niet’."
        in post_html
    )


def test_slider_without_javascript_is_an_empty_number_box_with_instructions():
    html = render()
    tag = re.search(r'<input type="number" class="zq-num" id="zq-v25"[^>]*>', html).group(0)
    assert 'value=""' in tag
    assert "Laat het vak dan leeg" in html
    assert "<span>Heel slecht</span><span>Heel goed</span>" in html


def test_errors_are_shown_and_linked_to_the_field():
    definition = SHIPPED["student_diary"]
    result = parse_submission(definition, post(v1="yes", v2="150"), variables=STUDENT, language="nl")
    html = str(
        render_form(definition, variables=STUDENT, language="nl", values=result.values, errors=result.errors)
    )
    assert '<p class="zq-err" id="zq-v2-err">Kies een getal van 0 tot en met 100.</p>' in html
    tag = re.search(r'<input type="number" class="zq-num" id="zq-v2"[^>]*>', html).group(0)
    assert "zq-v2-err" in re.search(r'aria-describedby="([^"]+)"', tag).group(1)
    assert 'aria-invalid="true"' in tag and 'value="150"' in tag
    assert 'id="zq-v1-0" name="v1" value="yes" data-shows="v2 v3 v4 v5 v6" checked' in html
    fieldset = re.search(
        r'<div class="zq-item zq-radio zq-invalid" id="zq-v18-item".*?<fieldset([^>]*)>', html
    ).group(1)
    assert 'aria-describedby="zq-v18-err"' in fieldset


def test_prefix_keeps_several_forms_apart_on_one_page():
    html = render("mentor_diary", prefix="s7-")
    assert 'name="s7-v1"' in html and 'id="s7-zq-v1-0"' in html and 'name="v1"' not in html
    result = parse_submission(
        SHIPPED["mentor_diary"],
        post({"s7-v1": "no", "s7-v2": "no_contact"}),
        variables=STUDENT,
        language="nl",
        prefix="s7-",
    )
    assert result.answers == {"v1": "no", "v2": "no_contact"}
    with pytest.raises(ValueError):
        render_form(SHIPPED["mentor_diary"], variables={}, language="nl", prefix='"><script>')


def test_repeat_block_renders_a_template_and_no_js_controls():
    html = render("mentor_diary")
    assert html.count('<fieldset class="zq-block" data-scope data-block="1">') == 1
    assert '<legend>Actie <span class="zq-bn">1</span></legend>' in html
    assert 'name="v3__1__v3_1"' in html and 'name="v3__ZQN__v3_1"' in html
    assert 'name="v3__add" value="1"' in html and 'name="v3__remove" value="1"' in html
    assert len(re.findall(r'name="v3__1__v3_2" value="[a-z_]+"', html)) == 12  # 11 categories + other
    assert "Kies dit alleen als je echt stopt" in html and "Let op: met dit antwoord stopt" in html


def test_re_rendering_keeps_added_blocks_and_their_values():
    definition = SHIPPED["mentor_diary"]
    data = post(v1="yes", v3__block="1", v3__1__v3_1="Gesprek", v3__1__v3_2="informal", v3__add="1")
    result = parse_submission(definition, data, variables=STUDENT, language="nl")
    html = str(
        render_form(definition, variables=STUDENT, language="nl", values=result.values, errors=result.errors)
    )
    assert 'data-block="2"' in html
    assert ">Gesprek</textarea>" in html
    assert "Er staat een nieuw blok voor je klaar" in html


def test_time_dropdown_date_and_text_fields():
    html = render("mentor_diary", values={"v4__h": ["2"], "v4__m": ["15"]})
    assert (
        '<option value="2" selected>2</option>' in html and '<option value="15" selected>15</option>' in html
    )
    assert "</select> uur</label>" in html and "</select> minuten</label>" in html
    post_html = render("student_post", variables={"today": "2025-06-30"})
    assert '<input type="date" id="zq-v2" name="v2" value="" max="2025-06-30"' in post_html
    pre = render("student_pre")
    assert 'placeholder="bijvoorbeeld 2007"' in pre and 'maxlength="200"' in pre


def test_info_blocks_use_paragraphs_lists_and_bold():
    html = render("consent_student")
    assert "<strong>Meedoen is vrijwillig.</strong>" in html
    assert "<ul><li>Voor elke weekvragenlijst die je invult, krijg je 2 euro.</li>" in html
    assert "Je begeleider" not in html and "Fatima ziet of je de vragenlijst hebt ingevuld" in html


def test_title_has_variables_filled_in():
    texts = questionnaire_texts(SHIPPED["mentor_diary"], variables={"student": "Sanne"}, language="nl")
    assert texts["title"] == "Weekvragenlijst begeleiding"
    assert texts["description"] == "Een paar vragen over wat je deze week voor Sanne hebt gedaan."
    assert questionnaire_texts(SHIPPED["mentor_diary"], variables={}, language="en")["title"] == (
        "Weekly coaching questionnaire"
    )


def test_student_diary_page_weight_is_small():
    html = render().encode()
    css = (STATIC / "questionnaire.css").read_bytes()
    js = (STATIC / "questionnaire.js").read_bytes()
    assert len(css) + len(js) < 30_000
    assert len(html) + len(css) + len(js) < 60_000
