"""Definitions: a broken one is refused with the path of the bad field; the shipped ones are sound."""

import copy

import pytest

from zicht.questionnaires.engine import DefinitionError, iter_items, validate_definition
from zicht.questionnaires.loader import load_definitions

from .conftest import slider, yes_no

SHIPPED = load_definitions()


def base(*items):
    return {"key": "t", "title": {"nl": "T", "en": "T"}, "items": list(items)}


def raises_at(definition, message):
    with pytest.raises(DefinitionError) as info:
        validate_definition(definition)
    assert message in str(info.value), str(info.value)
    return info.value


def test_missing_translation_of_an_option_label_names_the_path():
    radio = yes_no("v1")
    radio["options"][1]["label"] = {"en": "No"}
    definition = base(slider("v0"), slider("v01"), slider("v02"), radio)
    error = raises_at(definition, "items[3].options[1].label: missing 'nl'")
    assert error.path == "items[3].options[1].label"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("key"), "key: must be"),
        (lambda d: d["items"][0].update(type="slide"), "items[0].type: must be one of"),
        (lambda d: d["items"][0].update(id="v 1"), "items[0].id"),
        (lambda d: d["items"][0].update(id="v__1"), "items[0].id"),
        (lambda d: d["items"][1].update(id="v1"), "items[1].id: duplicate id 'v1'"),
        (lambda d: d["items"][0].update(optoins=[]), "items[0].optoins: unknown field"),
        (
            lambda d: d["items"][0]["options"][0].update(value=True),
            "items[0].options[0].value: must be a text code",
        ),
        (lambda d: d["items"][0]["options"][1].update(value="yes"), "items[0].options[1].value: duplicate"),
        (
            lambda d: d["items"][0]["options"][0].update(shows=["v9"]),
            "items[0].options[0].shows: unknown item id 'v9'",
        ),
        (lambda d: d["items"][1].update(min=100, max=0), "items[1].max: must be greater than min"),
        (lambda d: d["items"][1].update(step=7), "items[1].step"),
        (lambda d: d["items"][1]["anchors"].pop("right"), "items[1].anchors.right: missing"),
        (
            lambda d: d["items"][1].update(text={"nl": "Hoi {{naam}}", "en": "Hi"}),
            "items[1].text.nl: unknown variable",
        ),
        (lambda d: d["items"][1].update(hidden="yes"), "items[1].hidden: must be true or false"),
        (lambda d: d["items"][2].update(hidden=True), "items[2].hidden: no option shows this item"),
        (lambda d: d["items"][0].update(other=True, options=[{"value": "other", "label": "x"}]), "reserved"),
        (lambda d: d.update(title={"nl": "T"}), "title: missing 'en'"),
        (lambda d: d.update(items=[]), "items: must be a non-empty list"),
    ],
)
def test_malformed_definitions_are_refused_with_the_path(change, message):
    definition = base(yes_no("v1", shows=["v2"]), slider("v2", hidden=True), slider("v3"))
    validate_definition(copy.deepcopy(definition))  # the starting point is valid
    change(definition)
    raises_at(definition, message)


def test_show_rules_may_only_point_forward():
    definition = base(slider("v0"), yes_no("v1", shows=["v0"]))
    raises_at(definition, "items[1].options[0].shows: 'v0' must come after")


def test_repeat_blocks_cannot_nest_and_sub_ids_must_be_unique():
    inner = {"id": "r2", "type": "repeat", "text": "x", "items": [slider("a")]}
    raises_at(base({"id": "r", "type": "repeat", "text": "x", "items": [inner]}), "items[0].items[0].type")
    raises_at(
        base(slider("a"), {"id": "r", "type": "repeat", "text": "x", "items": [slider("a")]}), "also used"
    )


def test_yes_without_quotes_in_yaml_is_explained():
    radio = yes_no("v1")
    radio["options"][0]["value"] = True  # what YAML makes of an unquoted yes
    raises_at(base(radio), "quote yes/no")


def test_normalising_is_idempotent_and_fills_defaults():
    normalised = validate_definition(base(slider("v1"), {"id": "v2", "type": "text", "text": "Naam?"}))
    assert validate_definition(copy.deepcopy(normalised)) == normalised
    assert normalised["items"][0]["min"] == 0 and normalised["items"][0]["max"] == 100
    assert normalised["items"][0]["step"] == 1
    assert normalised["items"][1]["text"] == {"nl": "Naam?", "en": "Naam?"}
    assert normalised["items"][1]["max_length"] == 10_000


@pytest.mark.parametrize("key", sorted(SHIPPED))
def test_every_shipped_definition_validates_and_round_trips(key):
    definition = SHIPPED[key]
    assert validate_definition(copy.deepcopy(definition)) == definition
    for item in iter_items(definition):
        for lang in ("nl", "en"):
            assert item["text"][lang].strip()


def answerable(definition):
    return [i["id"] for i in iter_items(definition) if i["type"] not in ("info", "repeat")]


def test_all_instruments_are_shipped():
    assert set(SHIPPED) >= {
        "student_diary",
        "student_diary_control",
        "mentor_diary",
        "student_pre",
        "student_post",
        "student_post_control",
        "mentor_pre",
        "mentor_post",
        "consent_student",
        "consent_student_control",
        "consent_mentor",
    }


def test_student_diary_has_25_items_and_its_gates():
    diary = {item["id"]: item for item in SHIPPED["student_diary"]["items"]}
    assert answerable(SHIPPED["student_diary"]) == [f"v{n}" for n in range(1, 26)]
    assert diary["v1"]["options"][0]["shows"] == ["v2", "v3", "v4", "v5", "v6"]
    assert diary["v18"]["options"][0]["shows"] == ["v19", "v20", "v21", "v22", "v23", "v24"]
    assert diary["v18"]["other"] is False  # the seed's accidental "other" on v18 is not copied
    assert diary["v13"]["other"] is True
    assert diary["v7"]["max"] == 40
    hidden = sorted((i["id"] for i in diary.values() if i["hidden"]), key=lambda s: int(s[1:]))
    assert hidden == ["v2", "v3", "v4", "v5", "v6", "v19", "v20", "v21", "v22", "v23", "v24"]


def test_control_diary_keeps_the_ids_without_the_coaching_part():
    ids = answerable(SHIPPED["student_diary_control"])
    assert ids == [f"v{n}" for n in list(range(1, 18)) + [25]]
    assert not any("{{mentor" in i["text"]["nl"] for i in iter_items(SHIPPED["student_diary_control"]))


def test_mentor_diary_action_block_has_11_categories_and_7_goals():
    diary = {item["id"]: item for item in SHIPPED["mentor_diary"]["items"]}
    block = {item["id"]: item for item in diary["v3"]["items"]}
    assert len(block["v3_2"]["options"]) == 11 and block["v3_2"]["other"]
    assert len(block["v3_3"]["options"]) == 7 and block["v3_3"]["other"]
    assert block["v3_1"]["required"] and block["v3_2"]["required"] and block["v3_3"]["required"]
    assert block["v3_51"]["options"][0]["hides"] == ["v3_5"]
    assert (diary["v3"]["min"], diary["v3"]["default"], diary["v3"]["max"]) == (1, 1, 10)
    assert len(answerable(SHIPPED["mentor_diary"])) == 22
    stops = {
        (i["id"], o["value"]) for i in diary.values() for o in i.get("options", ()) if o["stops_subscription"]
    }
    assert stops == {("v2", "stopped"), ("v18", "yes")}
    assert diary["v4"]["type"] == "time" and diary["v4"]["max_hours"] == 10


def test_pre_and_post_measurements_have_the_items_of_the_study():
    assert len(answerable(SHIPPED["student_pre"])) == 9
    assert len(answerable(SHIPPED["student_post"])) == 16
    post_control = answerable(SHIPPED["student_post_control"])
    assert len(post_control) == 12 and not {"v7", "v8", "v9", "v10"} & set(post_control)
    assert len(answerable(SHIPPED["mentor_pre"])) == 4
    grade = next(i for i in SHIPPED["student_post"]["items"] if i["id"] == "v6_1")
    assert (grade["min"], grade["max"], grade["step"]) == (1, 10, 0.5)
    progress = next(i for i in SHIPPED["mentor_post"]["items"] if i["id"] == "v2")
    assert progress["foreach"] == "students"


@pytest.mark.parametrize("key", ["consent_student", "consent_student_control", "consent_mentor"])
def test_consent_texts_explain_voluntary_participation_and_ask_to_agree(key):
    definition = SHIPPED[key]
    text = definition["items"][0]["text"]["nl"]
    assert "vrijwillig" in text and "stoppen" in text and "30 uur" in text
    if key != "consent_mentor":
        assert "2 euro" in text and "3 euro" in text and "derde week" in text
    consent = definition["items"][-1]
    assert consent["required"] and consent["options"][0]["value"] == "agree"
