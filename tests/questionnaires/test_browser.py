"""The fields in a real browser (Debian chromium) at phone width, with and without JavaScript."""

from pathlib import Path

import pytest

from zicht.questionnaires.engine import render_form
from zicht.questionnaires.loader import load_definitions

pytestmark = pytest.mark.browser

STATIC = Path(__file__).resolve().parents[2] / "src/zicht/static/zicht"
SHIPPED = load_definitions()
VARIABLES = {"student": "Sanne", "student_gender": "f", "mentor": "Fatima"}


def page_html(key):
    fields = render_form(SHIPPED[key], variables=VARIABLES, language="nl")
    css = (STATIC / "questionnaire.css").read_text()
    js = (STATIC / "questionnaire.js").read_text()
    return (
        f'<!doctype html><html lang="nl"><head><meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<style>body{{margin:0;padding:12px;font-family:sans-serif}}{css}</style></head><body>"
        f'<form method="post" novalidate>{fields}<button type="submit">Versturen</button></form>'
        f"<script>{js}</script></body></html>"
    )


def form_data(page):
    return page.evaluate(
        "() => { const out = {}; new FormData(document.querySelector('form')).forEach((v, k) => "
        "{ (out[k] = out[k] || []).push(v); }); return out; }"
    )


def test_slider_stays_empty_until_touched_and_gates_work_live(phone_page):
    page = phone_page
    page.set_content(page_html("student_diary"))
    assert page.locator("#zq-v2-item").is_hidden()
    assert page.locator("#zq-v2-cond").is_hidden()  # the no-JS note is not needed
    assert page.locator("#zq-v25").is_hidden()  # the number box is replaced by a range
    assert form_data(page)["v25"] == [""]
    assert "zq-untouched" in page.locator("#zq-v25-r").get_attribute("class")

    page.locator("#zq-v25-r").click(position={"x": 10, "y": 20})
    value = form_data(page)["v25"][0]
    assert value != "" and int(value) < 20
    assert "zq-untouched" not in page.locator("#zq-v25-r").get_attribute("class")
    page.get_by_role("button", name="Wis antwoord").click()
    assert form_data(page)["v25"] == [""]

    # A draft restored by another script (autosave.js) updates the slider.
    page.evaluate(
        "const n = document.getElementById('zq-v9'); n.value = '80';"
        "n.dispatchEvent(new Event('change', {bubbles: true}))"
    )
    assert page.locator("#zq-v9-r").input_value() == "80"
    assert "zq-untouched" not in page.locator("#zq-v9-r").get_attribute("class")

    page.locator("#zq-v11-r").focus()
    page.keyboard.press("ArrowRight")
    assert form_data(page)["v11"] == ["51"]

    page.get_by_label("Ja").first.check()
    assert page.locator("#zq-v2-item").is_visible()
    page.locator("#zq-v2-r").click(position={"x": 300, "y": 20})
    assert form_data(page)["v2"][0] != ""
    page.get_by_label("Nee").first.check()
    assert page.locator("#zq-v2-item").is_hidden()
    assert "v2" not in form_data(page)  # hidden items are not posted
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_other_text_appears_when_other_is_ticked(phone_page):
    page = phone_page
    page.set_content(page_html("student_diary"))
    other = page.locator('input[name="v13__other"]')
    assert other.is_hidden()
    page.locator("#zq-v13-other").check()
    assert other.is_visible()
    other.fill("verjaardag")
    assert form_data(page)["v13"] == ["other"] and form_data(page)["v13__other"] == ["verjaardag"]


def test_action_blocks_can_be_added_and_removed_and_changes_are_announced(phone_page):
    page = phone_page
    page.set_content(page_html("mentor_diary"))
    page.evaluate("window.changes = 0; document.addEventListener('zicht:change', () => window.changes++)")
    page.get_by_label("Ja").first.check()
    assert page.locator(".zq-block").count() == 1
    add = page.get_by_role("button", name="+ Nog een actie toevoegen")
    add.click()
    assert page.locator(".zq-block").count() == 2
    page.locator('textarea[name="v3__2__v3_1"]').fill("Moeder gebeld")
    page.locator("#zq-v3__2__v3_51-0").check()  # not applicable hides the satisfaction slider
    assert page.locator("#zq-v3__2__v3_5-item").is_hidden()
    assert page.locator("#zq-v3__1__v3_5-item").is_visible()
    data = form_data(page)
    assert data["v3__block"] == ["1", "2"] and data["v3__2__v3_1"] == ["Moeder gebeld"]
    assert "v3__2__v3_5" not in data and "v3__add" not in data
    page.locator(".zq-block").nth(0).get_by_role("button", name="Deze actie weghalen").click()
    assert page.locator(".zq-block").count() == 1
    assert page.locator(".zq-block .zq-bn").inner_text() == "1"
    assert form_data(page)["v3__block"] == ["2"]
    page.wait_for_function("window.changes > 0")
    assert "v3__block=2" in page.evaluate("window.zichtForm.serialize()")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_without_javascript_everything_is_shown_with_notes_and_number_boxes(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    try:
        page.set_content(page_html("student_diary"))
        assert page.locator("#zq-v2-item").is_visible()
        assert page.locator("#zq-v2-cond").is_visible()
        assert page.locator("#zq-v2").is_visible()  # a plain number box
        assert page.get_by_text("Laat het vak dan leeg").first.is_visible()
        page.set_content(page_html("mentor_diary"))
        assert page.get_by_label("Na het versturen wil ik nog een blok toevoegen.").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        context.close()
