"""Submissions: what is stored, what is listed as untouched/hidden, and what the respondent is told."""

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from zicht.questionnaires.engine import parse_submission, stopping_options, values_from_answers
from zicht.questionnaires.loader import load_definitions

from .conftest import post, slider

SHIPPED = load_definitions()


def parse(definition, data, language="nl", **variables):
    return parse_submission(definition, data, variables=variables, language=language)


def one(item, data, language="nl"):
    return parse({"key": "t", "title": "T", "items": [item]}, data, language)


# --- sliders ------------------------------------------------------------------------------------


def test_untouched_slider_is_missing_and_listed_as_untouched_never_the_midpoint(gated):
    result = parse(gated, post(v1="yes", v2="", v3=""))
    assert result.errors == {}
    assert "v2" not in result.answers and "v3" not in result.answers
    assert 50 not in result.answers.values()
    assert result.meta["untouched"] == ["v2", "v3"]
    assert result.meta["touched"] == []


def test_touched_slider_is_stored_as_a_number(gated):
    result = parse(gated, post(v1="yes", v2="0", v3="73"))
    assert result.answers == {"v1": "yes", "v2": 0, "v3": 73}
    assert result.meta["touched"] == ["v2", "v3"]


def test_slider_out_of_range_or_off_step_or_not_a_number_is_refused():
    item = slider("s")
    assert one(item, post(s="101")).errors == {"s": "Kies een getal van 0 tot en met 100."}
    assert one(item, post(s="-1")).errors["s"]
    assert one(item, post(s="12.5")).errors == {"s": "Kies een getal in stappen van 1."}
    assert one(item, post(s="abc"), language="en").errors == {"s": "Please type a number, for example 7."}
    assert one(item, post(s="1e2")).errors["s"]
    assert one(item, post(s="nan")).errors["s"]


def test_grade_slider_accepts_halves_with_a_dutch_comma():
    item = slider("grade", min=1, max=10, step=0.5)
    assert one(item, post(grade="7,5")).answers == {"grade": 7.5}
    assert one(item, post(grade="8")).answers == {"grade": 8}
    assert one(item, post(grade="7,3")).errors == {"grade": "Kies een getal in stappen van 0,5."}
    assert one(item, post(grade="0.5")).errors == {"grade": "Kies een getal van 1 tot en met 10."}


def test_required_slider_must_be_touched():
    assert one(slider("s", required=True), post()).errors == {
        "s": "Geef hier een antwoord: schuif de knop of vul een getal in."
    }


# --- show / hide --------------------------------------------------------------------------------


def test_answer_to_a_hidden_item_is_never_stored_even_if_posted(gated):
    result = parse(gated, post(v1="no", v2="80", v3="10"))
    assert result.answers == {"v1": "no", "v3": 10}
    assert result.meta["hidden"] == ["v2"]
    assert "v2" not in result.meta["untouched"] and "v2" not in result.meta["touched"]


def test_unanswered_gate_keeps_its_follow_ups_hidden(gated):
    result = parse(gated, post(v2="80"))
    assert "v2" not in result.answers
    assert result.errors == {"v1": "Kies een antwoord."}


def test_hidden_required_item_is_not_required(gated):
    gated["items"][1]["required"] = True
    assert parse(gated, post(v1="no")).errors == {}
    assert parse(gated, post(v1="yes")).errors == {
        "v2": "Geef hier een antwoord: schuif de knop of vul een getal in."
    }


def test_mentor_diary_no_contact_path_stores_only_the_reason():
    diary = SHIPPED["mentor_diary"]
    result = parse(
        diary,
        post(v1="no", v2="no_contact", v4__h="3", v5="40", v3__block="1", v3__1__v3_1="x"),
        student="Sanne",
    )
    assert result.errors == {}
    assert result.answers == {"v1": "no", "v2": "no_contact"}
    assert {"v3", "v4", "v5", "v9", "v14", "v15"} <= set(result.meta["hidden"])


def test_a_chain_of_gates_hides_the_grandchildren():
    diary = SHIPPED["mentor_diary"]
    # v9 = yes would show v10-v12, but v9 itself is hidden because v1 = no.
    result = parse(diary, post(v1="no", v2="no_contact", v9="yes", v10="iemand anders"))
    assert "v10" not in result.answers and "v10" in result.meta["hidden"]


def test_stop_option_is_reported_for_the_scheduler():
    diary = SHIPPED["mentor_diary"]
    result = parse(diary, post(v1="no", v2="stopped", v14="Verhuisd", v15="no"))
    assert result.errors == {}
    assert stopping_options(diary, result.answers) == [("v2", "stopped")]
    assert stopping_options(diary, {"v1": "no", "v2": "no_contact"}) == []


# --- choices and "other" ------------------------------------------------------------------------


def test_unknown_option_is_refused(gated):
    assert parse(gated, post(v1="maybe")).errors == {
        "v1": "Dit antwoord kennen we niet. Kies een van de antwoorden."
    }
    assert parse(gated, post(v1=["yes", "no"])).errors == {"v1": "Kies maar één antwoord."}


def test_checkbox_keeps_option_order_and_refuses_unknown_codes():
    item = SHIPPED["student_diary"]["items"][14]
    assert item["id"] == "v13"
    assert one(item, post(v13=["home", "hobby", "home"])).answers == {"v13": ["hobby", "home"]}
    assert one(item, post(v13=["hobby", "drugs"])).errors == {
        "v13": "Dit antwoord kennen we niet. Kies een van de antwoorden."
    }


def test_other_text_is_stored_with_the_codes():
    item = SHIPPED["student_diary"]["items"][14]
    result = one(item, post(v13=["work", "other"], v13__other="  voetbaltoernooi "))
    assert result.answers == {"v13": {"values": ["work", "other"], "other": "voetbaltoernooi"}}
    # Without JavaScript, typing in the box counts as ticking "other".
    assert one(item, post(v13__other="vakantie")).answers == {
        "v13": {"values": ["other"], "other": "vakantie"}
    }
    assert one(item, post(v13="other")).errors == {"v13": "Schrijf op wat je bedoelt bij ‘Anders, namelijk’."}


def test_radio_with_other():
    item = SHIPPED["student_pre"]["items"][3]  # children: "no" or "yes, number: ..."
    assert one(item, post(v4="no")).answers == {"v4": "no"}
    assert one(item, post(v4="other", v4__other="2")).answers == {"v4": {"value": "other", "other": "2"}}
    assert one(item, post(v4__other="1")).answers == {"v4": {"value": "other", "other": "1"}}
    conflict = one(item, post(v4="no", v4__other="2")).errors["v4"]
    assert "Ja, aantal kinderen" in conflict


def test_other_is_not_accepted_where_it_is_not_configured(gated):
    assert (
        parse(gated, post(v1="other", v1__other="soms"))
        .errors["v1"]
        .startswith("Dit antwoord kennen we niet")
    )


def test_likert_and_dropdown():
    options = [{"value": str(n), "label": str(n)} for n in range(1, 6)]
    likert = {"id": "l", "type": "likert", "text": "Eens?", "options": options, "required": True}
    dropdown = {"id": "d", "type": "dropdown", "text": "Kies", "options": options}
    assert one(likert, post(l="4")).answers == {"l": "4"}
    assert one(likert, post(l="6")).errors["l"]
    assert one(likert, post()).errors == {"l": "Kies een antwoord."}
    assert one(dropdown, post(d="")).answers == {}
    assert one(dropdown, post(d="2")).answers == {"d": "2"}
    assert one(dropdown, post(d="<script>")).errors["d"]


# --- texts, numbers, dates, times ---------------------------------------------------------------


def test_text_over_ten_thousand_characters_is_refused_and_kept_for_correction():
    item = {"id": "t", "type": "textarea", "text": "Tips?"}
    result = one(item, post(t="a" * 10_001))
    assert result.errors == {"t": "Je tekst is te lang: maximaal 10000 tekens (nu 10001)."}
    assert result.values["t"] == ["a" * 10_001]
    assert one(item, post(t="a" * 10_000)).answers == {"t": "a" * 10_000}


def test_short_text_limit_and_control_characters():
    item = {"id": "t", "type": "text", "text": "Naam?", "max_length": 5, "required": True}
    assert one(item, post(t="abcdef"), language="en").errors == {
        "t": "Your text is too long: at most 5 characters (now 6)."
    }
    assert one(item, post(t="a\x00b\x07c")).answers == {"t": "abc"}  # PostgreSQL cannot store NUL
    assert one(item, post(t="   ")).errors == {"t": "Vul deze vraag in."}


def test_numbers():
    year = SHIPPED["student_pre"]["items"][0]
    assert one(year, post(v1="2007")).answers == {"v1": 2007}
    assert one(year, post(v1="07")).errors == {"v1": "Kies een getal van 1950 tot en met 2020."}
    assert one(year, post(v1="tweeduizend")).errors["v1"].startswith("Vul een getal in")
    years = SHIPPED["student_pre"]["items"][7]
    assert one(years, post(v8="1,5")).answers == {"v8": 1.5}
    assert one(years, post(v8="1,25")).errors == {"v8": "Kies een getal in stappen van 0,5."}
    open_ended = {"id": "n", "type": "number", "text": "Aantal", "min": 0}
    assert one(open_ended, post(n="-1")).errors == {"n": "Kies een getal van 0 of hoger."}
    assert one(open_ended, post(n="123456")).answers == {"n": 123456}


def test_dates_accept_iso_and_dutch_order_and_respect_limits():
    item = {"id": "d", "type": "date", "text": "Wanneer?", "min_date": "2024-08-01", "max_date": "today"}
    variables = {"today": "2025-03-25"}
    form = {"key": "t", "title": "T", "items": [item]}
    assert parse(form, post(d="2025-03-01"), **variables).answers == {"d": "2025-03-01"}
    assert parse(form, post(d="1-3-2025"), **variables).answers == {"d": "2025-03-01"}
    assert parse(form, post(d="2025-03-26"), **variables).errors == {
        "d": "Kies een datum tot en met 25-03-2025."
    }
    assert parse(form, post(d="2024-07-31"), **variables).errors == {"d": "Kies een datum vanaf 01-08-2024."}
    assert parse(form, post(d="31-02-2025"), **variables).errors["d"].startswith("Vul een datum in")
    assert parse(form, post(d="gisteren"), **variables).errors["d"].startswith("Vul een datum in")


def test_time_is_stored_in_minutes():
    item = next(i for i in SHIPPED["mentor_diary"]["items"] if i["id"] == "v4")
    item = dict(item, hidden=False)
    assert one(item, post(v4__h="1", v4__m="45")).answers == {"v4": 105}
    assert one(item, post(v4__h="2")).answers == {"v4": 120}
    assert one(item, post(v4__h="11", v4__m="0")).errors == {"v4": "Kies de uren en minuten uit de lijst."}
    assert one(item, post(v4__h="1", v4__m="20")).errors["v4"]
    assert one(item, post()).errors == {"v4": "Vul deze vraag in."}


# --- repeat blocks ------------------------------------------------------------------------------


def test_two_action_blocks_are_stored_as_a_list(actions):
    data = post(
        acts__block=["1", "2"],
        acts__1__what="Gesprek over stage",
        acts__1__kind=["talk"],
        acts__1__sat="70",
        acts__2__what="Bij de ouders geweest",
        acts__2__kind=["visit", "other"],
        acts__2__kind__other="samen koken",
        acts__2__na="na",
        acts__2__sat="99",  # hidden by "not applicable": ignored
    )
    result = parse(actions, data)
    assert result.errors == {}
    assert result.answers == {
        "acts": [
            {"what": "Gesprek over stage", "kind": ["talk"], "sat": 70},
            {
                "what": "Bij de ouders geweest",
                "kind": {"values": ["visit", "other"], "other": "samen koken"},
                "na": ["na"],
            },
        ]
    }
    assert result.meta["touched"] == ["acts.1.sat"]
    assert result.meta["hidden"] == ["acts.2.sat"]


def test_required_fields_are_checked_in_every_block(actions):
    data = post(acts__block=["1", "2"], acts__1__what="Gesprek", acts__2__kind="talk")
    result = parse(actions, data)
    assert result.errors == {"acts.1.kind": "Kies een antwoord.", "acts.2.what": "Vul deze vraag in."}


def test_empty_extra_blocks_are_dropped_but_the_minimum_is_enforced(actions):
    filled = post(acts__block=["1", "2"], acts__1__what="Gesprek", acts__1__kind="talk")
    result = parse(actions, filled)
    assert result.errors == {} and len(result.answers["acts"]) == 1
    result = parse(actions, post(acts__block=["1"]))
    assert result.errors == {
        "acts": "Vul minstens 1 blok(ken) in.",
        "acts.1.what": "Vul deze vraag in.",
        "acts.1.kind": "Kies een antwoord.",
    }


def test_blocks_beyond_the_maximum_and_garbage_numbers_are_ignored(actions):
    data = {"acts__block": ["1", "x", "-2", "3", "7", "9"]}
    for n in ("1", "3", "7", "9"):
        data[f"acts__{n}__what"] = f"actie {n}"
        data[f"acts__{n}__kind"] = "talk"
    result = parse(actions, data)
    assert [block["what"] for block in result.answers["acts"]] == ["actie 1", "actie 3", "actie 7"]


def test_without_javascript_a_block_can_be_added_and_removed(actions):
    data = post(acts__block=["1"], acts__1__what="Gesprek", acts__1__kind="talk", acts__add="1")
    result = parse(actions, data)
    assert result.errors == {"acts": "Er staat een nieuw blok voor je klaar. Vul het in en verstuur opnieuw."}
    assert result.values["acts__block"] == ["1", "2"]
    assert "acts__add" not in result.values
    data = post(
        acts__block=["1", "2"],
        acts__1__what="Weg",
        acts__2__what="Blijft",
        acts__2__kind="talk",
        acts__remove="1",
    )
    result = parse(actions, data)
    assert result.errors == {}
    assert result.answers == {"acts": [{"what": "Blijft", "kind": ["talk"]}]}
    assert result.values["acts__block"] == ["2"] and "acts__1__what" not in result.values


def test_full_mentor_diary_with_two_actions():
    data = post(
        v1="yes",
        v3__block=["1", "2"],
        v3__1__v3_1="Gesprek over zijn stage",
        v3__1__v3_2=["informal", "motivating"],
        v3__1__v3_3=["relationship"],
        v3__1__v3_4="80",
        v3__1__v3_5="60",
        v3__2__v3_1="Moeder gebeld",
        v3__2__v3_2=["environment"],
        v3__2__v3_3=["know_environment", "other"],
        v3__2__v3_3__other="afspraak plannen",
        v3__2__v3_51="not_applicable",
        v4__h="1",
        v4__m="30",
        v9="no",
    )
    result = parse(SHIPPED["mentor_diary"], data, student="Ahmed", student_gender="m")
    assert result.errors == {}
    assert result.answers["v4"] == 90
    assert len(result.answers["v3"]) == 2
    assert "v3_5" not in result.answers["v3"][1]
    assert result.meta["untouched"] == ["v3.2.v3_4", "v5", "v6", "v7", "v8"]  # form order
    assert "v3.2.v3_5" in result.meta["hidden"]


# --- foreach ------------------------------------------------------------------------------------


def test_mentor_post_asks_progress_once_per_student():
    students = [{"key": "11", "first_name": "Ali"}, {"key": "12", "first_name": "Bo", "gender": "f"}]
    result = parse(SHIPPED["mentor_post"], post(v2_11="30", v2_12=""), students=students)
    assert result.answers == {"v2_11": 30}
    assert "v2_12" in result.meta["untouched"]


# --- robustness ---------------------------------------------------------------------------------


def test_values_keep_what_was_typed_for_re_rendering(gated):
    result = parse(gated, post(v1="yes", v2="150", v3="20", unrelated="x", csrfmiddlewaretoken="abc"))
    assert result.values == {"v1": ["yes"], "v2": ["150"], "v3": ["20"]}


def test_english_messages(gated):
    assert parse(gated, post(), language="en").errors == {"v1": "Please choose an answer."}
    assert parse(gated, post(v1="x"), language="en").errors["v1"].startswith("We do not know this answer")


def test_prefill_values_round_trip_to_the_same_answers():
    answers = {
        "v1": "yes",
        "v3": [
            {
                "v3_1": "Gesprek",
                "v3_2": {"values": ["informal", "other"], "other": "wandelen"},
                "v3_3": ["skills"],
            },
        ],
        "v4": 75,
        "v5": 40,
        "v9": "no",
    }
    diary = SHIPPED["mentor_diary"]
    values = values_from_answers(diary, answers)
    assert parse(diary, values).answers == answers


field_names = st.sampled_from(
    [
        "v1",
        "v2",
        "v3",
        "v3__block",
        "v3__1__v3_1",
        "v3__1__v3_2",
        "v3__1__v3_2__other",
        "v3__2__v3_4",
        "v4__h",
        "v4__m",
        "v9",
        "v10",
        "v2__other",
        "v3__add",
        "v3__remove",
        "zz",
    ]
)
junk = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=string.digits + ",.-", max_size=6),
    st.sampled_from(["yes", "no", "1", "other"]),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(field_names, st.lists(junk, max_size=4), max_size=12))
def test_any_posted_data_gives_answers_or_errors_but_never_an_exception(data):
    result = parse(SHIPPED["mentor_diary"], post(data), student="Sanne")
    assert isinstance(result.answers, dict) and isinstance(result.errors, dict)
    for key in result.answers:
        assert key not in result.meta["hidden"]
