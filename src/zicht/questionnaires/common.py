"""Pieces shared by the renderer and the parser: field names, messages, foreach expansion."""

import copy
import re

from .definition import validate_definition
from .text import language_of, resolve_variables

# Separator inside field names; item ids never contain a double underscore.
SEP = "__"
# Placeholder for the block number inside the <template> of a repeat block (replaced by the JS).
BLOCK_PLACEHOLDER = "ZQN"

MESSAGES = {
    "nl": {
        "required": "Vul deze vraag in.",
        "required_choice": "Kies een antwoord.",
        "required_slider": "Geef hier een antwoord: schuif de knop of vul een getal in.",
        "unknown_choice": "Dit antwoord kennen we niet. Kies een van de antwoorden.",
        "one_choice": "Kies maar één antwoord.",
        "too_long": "Je tekst is te lang: maximaal {max} tekens (nu {n}).",
        "not_number": "Vul een getal in, bijvoorbeeld {example}.",
        "range": "Kies een getal van {min} tot en met {max}.",
        "min": "Kies een getal van {min} of hoger.",
        "max": "Kies een getal van {max} of lager.",
        "step": "Kies een getal in stappen van {step}.",
        "bad_date": "Vul een datum in als dag-maand-jaar, bijvoorbeeld 25-03-2025.",
        "date_min": "Kies een datum vanaf {date}.",
        "date_max": "Kies een datum tot en met {date}.",
        "bad_time": "Kies de uren en minuten uit de lijst.",
        "other_missing": "Schrijf op wat je bedoelt bij ‘{label}’.",
        "other_conflict": "Je koos een antwoord en schreef ook iets bij ‘{label}’. Kies ‘{label}’ of maak het tekstvak leeg.",
        "too_few_blocks": "Vul minstens {min} blok(ken) in.",
        "block_added": "Er staat een nieuw blok voor je klaar. Vul het in en verstuur opnieuw.",
        "block_removed": "Het blok is weggehaald. Kijk je antwoorden na en verstuur opnieuw.",
        # Interface texts
        "required_mark": "(verplicht)",
        "choose": "Kies een antwoord",
        "hours": "uur",
        "minutes": "minuten",
        "other": "Anders, namelijk:",
        "block": "Blok {{n}}",
        "add": "Nog een blok toevoegen",
        "remove": "Dit blok weghalen",
        "add_nojs": "Na het versturen wil ik nog een blok toevoegen.",
        "remove_nojs": "Haal dit blok weg als ik verstuur.",
        "slider_nojs": "Typ een getal van {min} tot en met {max}: {min} = {left}, {max} = {right}. "
        "Wil je deze vraag overslaan? Laat het vak dan leeg.",
        "date_hint": "Dag-maand-jaar, bijvoorbeeld 25-03-2025.",
        "only_if": "Alleen invullen als je bij ‘{question}’ koos voor {answers}.",
        "skip_if": "Sla deze vraag over als je bij ‘{question}’ koos voor {answers}.",
        "or": "of",
        "stop_warning": "Let op: met dit antwoord stopt deze vragenlijst.",
    },
    "en": {
        "required": "Please answer this question.",
        "required_choice": "Please choose an answer.",
        "required_slider": "Please answer: move the slider or type a number.",
        "unknown_choice": "We do not know this answer. Please choose one of the options.",
        "one_choice": "Please choose only one answer.",
        "too_long": "Your text is too long: at most {max} characters (now {n}).",
        "not_number": "Please type a number, for example {example}.",
        "range": "Please choose a number from {min} to {max}.",
        "min": "Please choose a number of {min} or more.",
        "max": "Please choose a number of {max} or less.",
        "step": "Please choose a number in steps of {step}.",
        "bad_date": "Please enter a date as day-month-year, for example 25-03-2025.",
        "date_min": "Please choose a date on or after {date}.",
        "date_max": "Please choose a date on or before {date}.",
        "bad_time": "Please choose the hours and minutes from the list.",
        "other_missing": "Please write what you mean by ‘{label}’.",
        "other_conflict": "You chose an answer and also wrote something at ‘{label}’. Choose ‘{label}’ or empty the text box.",
        "too_few_blocks": "Please fill in at least {min} block(s).",
        "block_added": "A new block is ready for you. Fill it in and send again.",
        "block_removed": "The block was removed. Check your answers and send again.",
        "required_mark": "(required)",
        "choose": "Choose an answer",
        "hours": "hours",
        "minutes": "minutes",
        "other": "Other, namely:",
        "block": "Block {{n}}",
        "add": "Add another block",
        "remove": "Remove this block",
        "add_nojs": "After sending, I want to add another block.",
        "remove_nojs": "Remove this block when I send.",
        "slider_nojs": "Type a number from {min} to {max}: {min} = {left}, {max} = {right}. "
        "Want to skip this question? Leave the box empty.",
        "date_hint": "Day-month-year, for example 25-03-2025.",
        "only_if": "Only answer this if you chose {answers} at ‘{question}’.",
        "skip_if": "Skip this question if you chose {answers} at ‘{question}’.",
        "or": "or",
        "stop_warning": "Please note: this answer stops this questionnaire.",
    },
}


def messages(language):
    return MESSAGES[language_of(language)]


def format_number(value, language):
    """7.5 → '7,5' in Dutch; whole numbers without decimals."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text.replace(".", ",") if language_of(language) == "nl" else text


def format_date(iso):
    """2025-03-25 → 25-03-2025 (the order Dutch readers expect)."""
    year, month, day = iso.split("-")
    return f"{day}-{month}-{year}"


def field(scope, item_id, suffix=""):
    """Field name without the caller's prefix: 'v2', 'v13__other', 'v3__2__v3_1'."""
    name = f"{scope}{item_id}"
    return f"{name}{SEP}{suffix}" if suffix else name


def block_scope(repeat_id, index):
    return f"{repeat_id}{SEP}{index}{SEP}"


def error_key(repeat_id, index, item_id):
    """Key in Submission.errors for an item inside a repeat block: 'v3.2.v3_1'."""
    return f"{repeat_id}.{index}.{item_id}"


def prepare(definition, variables, language):
    """Validate, expand foreach items and resolve the variables for one language.

    Returns (items, values) where items may carry a private '_values' with per-copy variables.
    """
    normalised = _normalised(definition)
    lang = language_of(language)
    values = resolve_variables(variables, lang)
    if not any("foreach" in item for item in normalised["items"]):
        return normalised["items"], values
    items = []
    for item in normalised["items"]:
        if item.get("foreach") != "students":
            items.append(item)
            continue
        for position, student in enumerate((variables or {}).get("students") or [], start=1):
            if not isinstance(student, dict):
                continue
            key = re.sub(r"[^A-Za-z0-9]", "", str(student.get("key", ""))) or str(position)
            copy_item = copy.deepcopy(item)
            copy_item["id"] = f"{item['id']}_{key}"
            copy_item["_values"] = resolve_variables(
                {
                    **(variables or {}),
                    "student": student.get("first_name"),
                    "student_gender": student.get("gender"),
                },
                lang,
            )
            items.append(copy_item)
    return items, values


def _normalised(definition):
    """Validate on every use (about 0.4 ms): callers may pass raw or stored definitions."""
    return validate_definition(definition)
