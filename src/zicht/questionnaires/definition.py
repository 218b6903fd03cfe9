"""Validation and normalisation of questionnaire definitions (the YAML format in docs/questionnaire-format.md).

A definition is checked once, when it is published, and every rule that the renderer and the
parser rely on is enforced here, so they can trust the normalised form.
"""

import math
import re

FORMAT = 1
LANGUAGES = ("nl", "en")
MAX_TEXT = 10_000

ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*$")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,79}$")
VAR_RE = re.compile(r"\{\{\s*([A-Za-z_]+)\s*\}\}")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Text variables (lower case) and their capitalised variants ({{Student}}).
VARIABLES = (
    "name",
    "student",
    "mentor",
    "mentor_title",
    "programme",
    "organisation",
    "he_she",
    "his_her",
    "him_her",
    "n",
)
KNOWN_VARIABLES = set(VARIABLES) | {v[0].upper() + v[1:] for v in VARIABLES}

CHOICE_TYPES = ("radio", "checkbox", "likert", "dropdown")
ANSWER_TYPES = CHOICE_TYPES + ("slider", "number", "text", "textarea", "date", "time", "repeat")
TYPES = ANSWER_TYPES + ("info",)

COMMON_FIELDS = {"id", "type", "text", "tooltip", "required", "hidden", "foreach"}
TYPE_FIELDS = {
    "radio": {"options", "other", "other_label"},
    "checkbox": {"options", "other", "other_label"},
    "likert": {"options"},
    "dropdown": {"options"},
    "slider": {"min", "max", "step", "anchors"},
    "number": {"min", "max", "step", "placeholder"},
    "text": {"max_length", "placeholder"},
    "textarea": {"max_length", "placeholder"},
    "date": {"min_date", "max_date"},
    "time": {"max_hours", "minutes"},
    "repeat": {"items", "min", "default", "max", "block_label", "add_label", "remove_label"},
    "info": set(),
}
OPTION_FIELDS = {"value", "label", "tooltip", "shows", "hides", "stops_subscription"}
TOP_FIELDS = {"key", "title", "description", "items", "format"}
MAX_REPEAT = 20


class DefinitionError(ValueError):
    """A definition is not valid; the message starts with the path of the bad field."""

    def __init__(self, path, problem):
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}" if path else problem)


def _join(path, name):
    return f"{path}.{name}" if path else name


def _check_variables(text, path):
    for name in VAR_RE.findall(text):
        if name not in KNOWN_VARIABLES:
            raise DefinitionError(path, f"unknown variable '{{{{{name}}}}}'")


def _i18n(value, path, required=True):
    """A text in both languages: {nl: ..., en: ...}; a plain string is used for both."""
    if value is None:
        if required:
            raise DefinitionError(path, "missing")
        return None
    if isinstance(value, str):
        value = {"nl": value, "en": value}
    if not isinstance(value, dict):
        raise DefinitionError(path, "must be a text or a mapping with 'nl' and 'en'")
    for lang in LANGUAGES:
        if lang not in value:
            raise DefinitionError(path, f"missing '{lang}'")
        text = value[lang]
        if not isinstance(text, str) or not text.strip():
            raise DefinitionError(f"{path}.{lang}", "must be a non-empty text")
        if len(text) > MAX_TEXT:
            raise DefinitionError(f"{path}.{lang}", f"longer than {MAX_TEXT} characters")
        _check_variables(text, f"{path}.{lang}")
    extra = set(value) - set(LANGUAGES)
    if extra:
        raise DefinitionError(path, f"unknown language {sorted(extra)[0]!r}")
    return {lang: value[lang] for lang in LANGUAGES}


def _bool(value, path, default):
    if value is None:
        return default
    if not isinstance(value, bool):
        raise DefinitionError(path, "must be true or false")
    return value


def _number(value, path, default=None, required=False):
    if value is None:
        if required:
            raise DefinitionError(path, "missing")
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise DefinitionError(path, "must be a number")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value


def _int(value, path, default, low, high):
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise DefinitionError(path, "must be a whole number")
    if not low <= value <= high:
        raise DefinitionError(path, f"must be between {low} and {high}")
    return value


def _aligned(value, start, step):
    """True when value lies on the grid start, start+step, ... (with float tolerance)."""
    ratio = (value - start) / step
    return abs(ratio - round(ratio)) < 1e-9


def _check_fields(data, allowed, path):
    unknown = sorted(str(k) for k in set(data) - allowed)
    if unknown:
        raise DefinitionError(_join(path, unknown[0]), "unknown field")


def _options(item, path, item_type):
    options = item.get("options")
    if not isinstance(options, list) or not options:
        raise DefinitionError(f"{path}.options", "must be a non-empty list")
    seen = set()
    result = []
    for index, option in enumerate(options):
        opath = f"{path}.options[{index}]"
        if not isinstance(option, dict):
            raise DefinitionError(opath, "must be a mapping with 'value' and 'label'")
        _check_fields(option, OPTION_FIELDS, opath)
        value = option.get("value")
        if isinstance(value, bool):
            raise DefinitionError(f"{opath}.value", "must be a text code; quote yes/no/true/false in YAML")
        if isinstance(value, int):
            value = str(value)
        if not isinstance(value, str) or not CODE_RE.match(value):
            raise DefinitionError(
                f"{opath}.value", "must be a short code of letters, digits, '_', '.' or '-'"
            )
        if value in seen:
            raise DefinitionError(f"{opath}.value", f"duplicate option value {value!r}")
        seen.add(value)
        normalised = {
            "value": value,
            "label": _i18n(option.get("label"), f"{opath}.label"),
            "tooltip": _i18n(option.get("tooltip"), f"{opath}.tooltip", required=False),
            "shows": _id_list(option.get("shows"), f"{opath}.shows"),
            "hides": _id_list(option.get("hides"), f"{opath}.hides"),
            "stops_subscription": _bool(
                option.get("stops_subscription"), f"{opath}.stops_subscription", False
            ),
        }
        result.append(normalised)
    return result


def _id_list(value, path):
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DefinitionError(path, "must be a list of item ids")
    return list(value)


def _item(item, path, *, in_repeat):
    if not isinstance(item, dict):
        raise DefinitionError(path, "must be a mapping")
    item_type = item.get("type")
    if item_type not in TYPES:
        raise DefinitionError(f"{path}.type", f"must be one of {', '.join(TYPES)}")
    item_id = item.get("id")
    if not isinstance(item_id, str) or not ID_RE.match(item_id) or len(item_id) > 40:
        raise DefinitionError(f"{path}.id", "must be letters/digits separated by single '_' (e.g. v3_1)")
    _check_fields(item, COMMON_FIELDS | TYPE_FIELDS[item_type], path)

    out = {
        "id": item_id,
        "type": item_type,
        "text": _i18n(item.get("text"), f"{path}.text"),
        "tooltip": _i18n(item.get("tooltip"), f"{path}.tooltip", required=False),
        "required": _bool(item.get("required"), f"{path}.required", False),
        "hidden": _bool(item.get("hidden"), f"{path}.hidden", False),
    }
    if item_type == "info" and out["required"]:
        raise DefinitionError(f"{path}.required", "an info block has no answer")

    foreach = item.get("foreach")
    if foreach is not None:
        if foreach != "students":
            raise DefinitionError(f"{path}.foreach", "only 'students' is supported")
        if in_repeat or item_type in ("repeat", "info"):
            raise DefinitionError(f"{path}.foreach", "only for answerable items outside a repeat block")
        out["foreach"] = "students"

    if item_type in CHOICE_TYPES:
        out["options"] = _options(item, path, item_type)
        if item_type in ("radio", "checkbox"):
            out["other"] = _bool(item.get("other"), f"{path}.other", False)
            out["other_label"] = _i18n(item.get("other_label"), f"{path}.other_label", required=False)
            if out["other_label"] and not out["other"]:
                raise DefinitionError(f"{path}.other_label", "only with other: true")
            if out["other"] and any(o["value"] == "other" for o in out["options"]):
                raise DefinitionError(f"{path}.options", "value 'other' is reserved when other: true")
    elif item_type == "slider":
        low = _number(item.get("min"), f"{path}.min", 0)
        high = _number(item.get("max"), f"{path}.max", 100)
        step = _number(item.get("step"), f"{path}.step", 1)
        if not low < high:
            raise DefinitionError(f"{path}.max", "must be greater than min")
        if step <= 0 or not _aligned(high, low, step):
            raise DefinitionError(f"{path}.step", "must be positive and divide max - min")
        anchors = item.get("anchors")
        if not isinstance(anchors, dict):
            raise DefinitionError(f"{path}.anchors", "must be a mapping with 'left' and 'right'")
        _check_fields(anchors, {"left", "right"}, f"{path}.anchors")
        out.update(
            min=low,
            max=high,
            step=step,
            anchors={
                "left": _i18n(anchors.get("left"), f"{path}.anchors.left"),
                "right": _i18n(anchors.get("right"), f"{path}.anchors.right"),
            },
        )
    elif item_type == "number":
        low = _number(item.get("min"), f"{path}.min")
        high = _number(item.get("max"), f"{path}.max")
        step = _number(item.get("step"), f"{path}.step", 1)
        if step <= 0:
            raise DefinitionError(f"{path}.step", "must be positive")
        if low is not None and high is not None and not low < high:
            raise DefinitionError(f"{path}.max", "must be greater than min")
        out.update(
            min=low,
            max=high,
            step=step,
            placeholder=_i18n(item.get("placeholder"), f"{path}.placeholder", required=False),
        )
    elif item_type in ("text", "textarea"):
        out["max_length"] = _int(item.get("max_length"), f"{path}.max_length", MAX_TEXT, 1, MAX_TEXT)
        out["placeholder"] = _i18n(item.get("placeholder"), f"{path}.placeholder", required=False)
    elif item_type == "date":
        for name in ("min_date", "max_date"):
            value = item.get(name)
            if hasattr(value, "isoformat"):  # YAML turns 2025-01-01 into a date
                value = value.isoformat()
            if (
                value is not None
                and value != "today"
                and not (isinstance(value, str) and DATE_RE.match(value))
            ):
                raise DefinitionError(f"{path}.{name}", "must be a date (YYYY-MM-DD) or 'today'")
            out[name] = value
    elif item_type == "time":
        out["max_hours"] = _int(item.get("max_hours"), f"{path}.max_hours", 23, 1, 168)
        minutes = item.get("minutes", [0, 15, 30, 45])
        if (
            not isinstance(minutes, list)
            or not minutes
            or not all(isinstance(m, int) and not isinstance(m, bool) and 0 <= m < 60 for m in minutes)
            or len(set(minutes)) != len(minutes)
        ):
            raise DefinitionError(f"{path}.minutes", "must be a list of different whole minutes 0-59")
        out["minutes"] = sorted(minutes)
    elif item_type == "repeat":
        if in_repeat:
            raise DefinitionError(f"{path}.type", "a repeat block cannot contain another repeat block")
        low = _int(item.get("min"), f"{path}.min", 0, 0, MAX_REPEAT)
        high = _int(item.get("max"), f"{path}.max", 10, 1, MAX_REPEAT)
        default = _int(item.get("default"), f"{path}.default", max(low, 1), 0, MAX_REPEAT)
        if not low <= default <= high:
            raise DefinitionError(f"{path}.default", "must be between min and max")
        out.update(
            min=low,
            default=default,
            max=high,
            block_label=_i18n(item.get("block_label"), f"{path}.block_label", required=False),
            add_label=_i18n(item.get("add_label"), f"{path}.add_label", required=False),
            remove_label=_i18n(item.get("remove_label"), f"{path}.remove_label", required=False),
            items=_items(item.get("items"), f"{path}.items", in_repeat=True),
        )
        if out["required"]:
            raise DefinitionError(f"{path}.required", "use min for repeat blocks")
    return out


def _items(items, path, *, in_repeat):
    if not isinstance(items, list) or not items:
        raise DefinitionError(path, "must be a non-empty list of items")
    result = [_item(item, f"{path}[{index}]", in_repeat=in_repeat) for index, item in enumerate(items)]
    # Show/hide rules point forward to items in the same list (same repeat block).
    positions = {}
    for index, item in enumerate(result):
        if item["id"] in positions:
            raise DefinitionError(f"{path}[{index}].id", f"duplicate id {item['id']!r}")
        positions[item["id"]] = index
    for index, item in enumerate(result):
        for oindex, option in enumerate(item.get("options", ())):
            for rule in ("shows", "hides"):
                for target in option[rule]:
                    where = f"{path}[{index}].options[{oindex}].{rule}"
                    if target not in positions:
                        raise DefinitionError(where, f"unknown item id {target!r} (must be in the same list)")
                    if positions[target] <= index:
                        raise DefinitionError(
                            where, f"{target!r} must come after the item that shows or hides it"
                        )
    shown = {t for item in result for o in item.get("options", ()) for t in o["shows"]}
    for index, item in enumerate(result):
        if item["hidden"] and item["id"] not in shown:
            raise DefinitionError(
                f"{path}[{index}].hidden", "no option shows this item, so it would never be asked"
            )
    return result


def validate_definition(data):
    """Return the normalised definition or raise DefinitionError naming the bad field.

    Normalising is idempotent: validating a normalised definition returns an equal dict.
    """
    if not isinstance(data, dict):
        raise DefinitionError("", "a definition must be a mapping")
    _check_fields(data, TOP_FIELDS, "")
    key = data.get("key")
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise DefinitionError("key", "must be lower-case letters, digits and '_' (e.g. student_diary)")
    fmt = data.get("format", FORMAT)
    if fmt != FORMAT:
        raise DefinitionError("format", f"unsupported format {fmt!r}; this engine reads format {FORMAT}")
    definition = {
        "format": FORMAT,
        "key": key,
        "title": _i18n(data.get("title"), "title"),
        "description": _i18n(data.get("description"), "description", required=False),
        "items": _items(data.get("items"), "items", in_repeat=False),
    }
    ids = set()
    for index, item in enumerate(definition["items"]):
        for sub in item.get("items", ()):
            if sub["id"] in ids or any(sub["id"] == top["id"] for top in definition["items"]):
                raise DefinitionError(f"items[{index}].items", f"id {sub['id']!r} is also used elsewhere")
            ids.add(sub["id"])
    return definition


def iter_items(definition):
    """Every item, including the items inside repeat blocks (depth first, in order)."""
    for item in definition["items"]:
        yield item
        yield from item.get("items", ())
