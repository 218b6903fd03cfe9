"""The codebook: every exported variable, generated from the questionnaire definitions.

One place decides how an item becomes export columns, so the CSV, XLSX and SPSS files and the
codebook can never disagree. Missing-value codes (numeric columns of wide files and SPSS):
"""

from dataclasses import dataclass, field

from zicht.questionnaires.definition import DefinitionError, validate_definition
from zicht.questionnaires.models import QuestionnaireVersion

UNTOUCHED = -1  # a slider shown but never moved
HIDDEN = -2  # not shown: a show/hide rule kept the item hidden
SKIPPED = -3  # shown, could be answered, left empty
MISSING_CODES = {
    UNTOUCHED: "niet aangeraakt / untouched",
    HIDDEN: "verborgen / hidden",
    SKIPPED: "niet beantwoord / skipped",
}
OTHER_CODE = 97  # the "other, namely ..." option of a radio item

NUMERIC_TYPES = ("slider", "number", "time")
CODED_TYPES = ("radio", "likert", "dropdown")
TEXT_TYPES = ("text", "textarea")


@dataclass
class Variable:
    """One column of a wide export."""

    name: str
    item_id: str
    questionnaire: str
    type: str
    kind: str  # numeric | coded | dummy | text | date | count
    text_nl: str = ""
    text_en: str = ""
    value_labels: dict = field(default_factory=dict)  # code -> "nl / en"
    codes: dict = field(default_factory=dict)  # option value -> numeric code
    option: str = ""  # for checkbox dummies: the option value this column stands for
    anchors: str = ""
    range: str = ""
    conditions: str = ""
    versions: list = field(default_factory=list)
    free_text: bool = False

    @property
    def numeric(self):
        return self.kind in ("numeric", "coded", "dummy", "count")


def normalised(definition):
    try:
        return validate_definition(definition)
    except (DefinitionError, TypeError, KeyError):
        return definition


def _text(value, lang):
    if isinstance(value, dict):
        return value.get(lang) or value.get("nl") or ""
    return value or ""


def _both(value):
    nl, en = _text(value, "nl"), _text(value, "en")
    return nl if nl == en else f"{nl} / {en}"


def _conditions(items):
    """Item id -> plain description of the rules that show or hide it."""
    rules = {}
    for item in items:
        for option in item.get("options", ()):
            for target in option.get("shows", ()):
                rules.setdefault(target, []).append(f"getoond als/shown if {item['id']} = {option['value']}")
            for target in option.get("hides", ()):
                rules.setdefault(target, []).append(
                    f"verborgen als/hidden if {item['id']} = {option['value']}"
                )
    return rules


def _walk(items):
    for item in items:
        yield item, False
        for sub in item.get("items", ()):
            yield sub, True


def variables_for(questionnaire, versions=None):
    """Wide-export variables of one questionnaire, over all its published versions (oldest first)."""
    if versions is None:
        versions = list(QuestionnaireVersion.objects.filter(questionnaire=questionnaire).order_by("number"))
    by_name = {}
    order = []

    def add(var, version_number):
        existing = by_name.get(var.name)
        if existing is None:
            by_name[var.name] = var
            order.append(var.name)
            existing = var
        if version_number not in existing.versions:
            existing.versions.append(version_number)
        return existing

    for version in versions:
        definition = normalised(version.definition)
        items = definition.get("items", [])
        rules = _conditions(items)
        for repeat in items:
            rules.update(_conditions(repeat.get("items", ())))
        for item, in_repeat in _walk(items):
            kind = item.get("type")
            if kind == "info" or in_repeat or item.get("foreach"):
                continue  # repeat blocks and per-student copies are exported in the long format only
            base = dict(
                item_id=item["id"],
                questionnaire=questionnaire.key,
                type=kind,
                text_nl=_text(item.get("text"), "nl"),
                text_en=_text(item.get("text"), "en"),
                conditions="; ".join(
                    (["start verborgen/starts hidden"] if item.get("hidden") else [])
                    + rules.get(item["id"], [])
                ),
            )
            if kind in NUMERIC_TYPES:
                anchors = item.get("anchors") or {}
                var = Variable(
                    name=item["id"],
                    kind="numeric",
                    **base,
                    anchors=f"{_both(anchors.get('left'))} ↔ {_both(anchors.get('right'))}"
                    if anchors
                    else "",
                    range=_range(item),
                )
                add(var, version.number)
            elif kind in CODED_TYPES:
                var = add(Variable(name=item["id"], kind="coded", **base), version.number)
                for option in item.get("options", ()):
                    if option["value"] not in var.codes:
                        code = len([c for c in var.codes.values() if c != OTHER_CODE]) + 1
                        var.codes[option["value"]] = code
                        var.value_labels[code] = _both(option.get("label"))
                if item.get("other"):
                    var.codes["other"] = OTHER_CODE
                    var.value_labels[OTHER_CODE] = _both(item.get("other_label")) or "anders / other"
                    add(
                        Variable(
                            name=f"{item['id']}_other",
                            kind="text",
                            free_text=True,
                            **{
                                **base,
                                "text_nl": base["text_nl"] + " (anders)",
                                "text_en": base["text_en"] + " (other)",
                            },
                        ),
                        version.number,
                    )
            elif kind == "checkbox":
                options = list(item.get("options", ()))
                if item.get("other"):
                    options.append({"value": "other", "label": item.get("other_label") or "anders / other"})
                for option in options:
                    var = Variable(
                        name=f"{item['id']}_{option['value']}",
                        kind="dummy",
                        option=option["value"],
                        **{
                            **base,
                            "text_nl": f"{base['text_nl']}: {_text(option.get('label'), 'nl')}",
                            "text_en": f"{base['text_en']}: {_text(option.get('label'), 'en')}",
                        },
                    )
                    var.value_labels = {0: "niet gekozen / not chosen", 1: "gekozen / chosen"}
                    add(var, version.number)
                if item.get("other"):
                    add(
                        Variable(name=f"{item['id']}_othertext", kind="text", free_text=True, **base),
                        version.number,
                    )
            elif kind in TEXT_TYPES:
                add(Variable(name=item["id"], kind="text", free_text=True, **base), version.number)
            elif kind == "date":
                add(Variable(name=item["id"], kind="date", **base), version.number)
            elif kind == "repeat":
                add(
                    Variable(
                        name=f"{item['id']}_n",
                        kind="count",
                        range="0-",
                        **{
                            **base,
                            "text_nl": base["text_nl"] + " (aantal blokken)",
                            "text_en": base["text_en"] + " (number of blocks)",
                        },
                    ),
                    version.number,
                )
    return [by_name[name] for name in order]


def _range(item):
    if item.get("type") == "time":
        return f"0-{item.get('max_hours', 23) * 60} min"
    low, high = item.get("min"), item.get("max")
    if low is None and high is None:
        return ""
    return f"{'' if low is None else low}-{'' if high is None else high}"


def items_of(definition):
    """(item, parent repeat id or None) for every answerable item, in order (long export)."""
    for item in normalised(definition).get("items", []):
        if item.get("type") == "info":
            continue
        yield item, None
        for sub in item.get("items", ()):
            if sub.get("type") != "info":
                yield sub, item["id"]


CODEBOOK_COLUMNS = [
    "questionnaire",
    "variable",
    "item_id",
    "type",
    "text_nl",
    "text_en",
    "values",
    "anchors",
    "range",
    "conditions",
    "versions",
    "missing_codes",
]


def codebook_rows(questionnaires):
    """One row per wide variable, for the codebook CSV/HTML/XLSX."""
    missing = "; ".join(f"{code} = {label}" for code, label in MISSING_CODES.items())
    for questionnaire in questionnaires:
        for var in variables_for(questionnaire):
            yield {
                "questionnaire": var.questionnaire,
                "variable": var.name,
                "item_id": var.item_id,
                "type": var.type,
                "text_nl": var.text_nl,
                "text_en": var.text_en,
                "values": "; ".join(f"{code} = {label}" for code, label in var.value_labels.items()),
                "anchors": var.anchors,
                "range": var.range,
                "conditions": var.conditions,
                "versions": ",".join(str(v) for v in var.versions),
                "missing_codes": missing if var.numeric else "",
            }
