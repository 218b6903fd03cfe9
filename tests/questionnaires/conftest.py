"""Small definitions for engine tests, and helpers to post form data like a browser does."""

import pytest
from django.http import QueryDict


def post(pairs=None, **fields):
    """A QueryDict as Django builds it from a form post; lists become repeated fields."""
    data = QueryDict(mutable=True)
    for name, value in list((pairs or {}).items()) + list(fields.items()):
        for item in value if isinstance(value, list) else [value]:
            data.appendlist(name, str(item))
    return data


def slider(item_id, hidden=False, **extra):
    return {
        "id": item_id,
        "type": "slider",
        "hidden": hidden,
        "text": {"nl": f"Vraag {item_id}", "en": f"Question {item_id}"},
        "anchors": {
            "left": {"nl": "Heel slecht", "en": "Very bad"},
            "right": {"nl": "Heel goed", "en": "Very good"},
        },
        **extra,
    }


def yes_no(item_id, shows=(), required=True, **extra):
    return {
        "id": item_id,
        "type": "radio",
        "required": required,
        "text": {"nl": "Was je op school?", "en": "Were you at school?"},
        "options": [
            {"value": "yes", "label": {"nl": "Ja", "en": "Yes"}, "shows": list(shows)},
            {"value": "no", "label": {"nl": "Nee", "en": "No"}},
        ],
        **extra,
    }


@pytest.fixture
def gated():
    """v1 yes/no gates the slider v2; v3 is an ordinary slider."""
    return {
        "key": "gated",
        "title": {"nl": "Test", "en": "Test"},
        "items": [yes_no("v1", shows=["v2"]), slider("v2", hidden=True), slider("v3")],
    }


@pytest.fixture
def actions():
    """A repeat block like the mentor diary's: description, categories, n/a toggle hiding a slider."""
    return {
        "key": "actions",
        "title": "Acties",
        "items": [
            {
                "id": "acts",
                "type": "repeat",
                "text": {"nl": "Wat deed je?", "en": "What did you do?"},
                "min": 1,
                "default": 1,
                "max": 3,
                "block_label": {"nl": "Actie {{n}}", "en": "Action {{n}}"},
                "items": [
                    {
                        "id": "what",
                        "type": "textarea",
                        "required": True,
                        "text": {"nl": "Beschrijf", "en": "Describe"},
                    },
                    {
                        "id": "kind",
                        "type": "checkbox",
                        "required": True,
                        "other": True,
                        "text": {"nl": "Soort", "en": "Kind"},
                        "options": [
                            {"value": "talk", "label": {"nl": "Gesprek", "en": "Talk"}},
                            {"value": "visit", "label": {"nl": "Huisbezoek", "en": "Home visit"}},
                        ],
                    },
                    {
                        "id": "na",
                        "type": "checkbox",
                        "text": {"nl": "Contact", "en": "Contact"},
                        "options": [
                            {
                                "value": "na",
                                "label": {"nl": "Niet van toepassing", "en": "N/A"},
                                "hides": ["sat"],
                            }
                        ],
                    },
                    slider("sat"),
                ],
            }
        ],
    }
