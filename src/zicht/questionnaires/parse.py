"""Turning posted form data into answers, quality meta-data and clear error messages.

The parser never raises on what a browser (or anyone else) posts: everything odd becomes an
entry in ``errors``. Items hidden by show/hide rules are skipped even when a value was posted
(a browser without JavaScript posts them all), so their answers are never stored.
"""

import datetime
import re
from dataclasses import dataclass
from dataclasses import field as dc_field

from django.utils import timezone

from .common import SEP, block_scope, error_key, field, format_date, format_number, messages, prepare
from .definition import CHOICE_TYPES
from .text import language_of, plain

NUMBER_RE = re.compile(r"^\s*(-?\d{1,12})(?:[.,](\d{1,6}))?\s*$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_VALUES = 50


@dataclass
class Submission:
    """What parse_submission found.

    answers: item id → value, only visible items that were answered.
    meta: {"untouched": [...], "touched": [...], "hidden": [...]} (ids; inside a repeat block
          'v3.2.v3_4' = item v3_4 of the 2nd stored block).
    errors: item id (or 'v3.<block number>.v3_1') → message in the respondent's language.
    values: field name → list of posted strings, to re-render the form as it was typed.
    """

    answers: dict = dc_field(default_factory=dict)
    meta: dict = dc_field(default_factory=lambda: {"untouched": [], "touched": [], "hidden": []})
    errors: dict = dc_field(default_factory=dict)
    values: dict = dc_field(default_factory=dict)

    @property
    def is_valid(self):
        return not self.errors


class _Reader:
    """Reads lists of strings from a QueryDict, a dict of lists or a dict of strings."""

    def __init__(self, data, prefix):
        self.data = data if data is not None else {}
        self.prefix = prefix

    def raw(self, name):
        key = self.prefix + name
        try:
            if hasattr(self.data, "getlist"):
                values = self.data.getlist(key)
            else:
                values = self.data.get(key)
        except Exception:  # a broken mapping is treated as "nothing posted"
            return []
        if values is None:
            return []
        if not isinstance(values, (list, tuple)):
            values = [values]
        return ["" if v is None else str(v) for v in values[:MAX_VALUES]]

    def first(self, name):
        for value in self.raw(name):
            if value.strip():
                return value
        return ""

    def keys(self):
        try:
            return [k for k in self.data.keys() if isinstance(k, str) and k.startswith(self.prefix)]
        except Exception:
            return []


class _Scope:
    """Results for one list of items (the whole form, or one block of a repeat item)."""

    def __init__(self):
        self.answers = {}
        self.errors = {}
        self.untouched = []
        self.touched = []
        self.hidden = []
        self.typed = False


def clean_text(value):
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return CONTROL_RE.sub("", value).strip()


def parse_number(text):
    """Strict decimal: '7', '7.5', '7,5', '-3'. No exponents, NaN or infinity."""
    match = NUMBER_RE.match(text)
    if not match:
        return None
    whole, fraction = match.groups()
    if fraction and int(fraction) != 0:
        return float(f"{whole}.{fraction}")
    return int(whole)


def _aligned(value, start, step):
    ratio = (value - start) / step
    return abs(ratio - round(ratio)) < 1e-6


class _Parser:
    def __init__(self, reader, language, today):
        self.reader = reader
        self.language = language
        self.msg = messages(language)
        self.today = today
        self.blocks = {}  # repeat field base → (block numbers to show again, removed numbers)

    def num(self, value):
        return format_number(value, self.language)

    # --- one scope -------------------------------------------------------------------------
    def scope(self, items, scope_name, values):
        result = _Scope()
        visible = {item["id"]: not item["hidden"] for item in items}
        for item in items:
            item_id = item["id"]
            if item["type"] == "info":
                continue
            if not visible[item_id]:
                result.hidden.append(item_id)
                continue
            item_values = item.get("_values", values)
            if item["type"] == "repeat":
                self.repeat(item, scope_name, item_values, result)
                continue
            value, error, typed = self.item(item, scope_name, item_values)
            result.typed = result.typed or typed
            if error is None and value is None and item["required"]:
                error = self.required_message(item)
            if error:
                result.errors[item_id] = error
            elif value is not None:
                result.answers[item_id] = value
            if item["type"] == "slider":
                (result.touched if typed else result.untouched).append(item_id)
            if value is not None and "options" in item:
                chosen = set(chosen_codes(value))
                for option in item["options"]:
                    if option["value"] in chosen:
                        for target in option["shows"]:
                            visible[target] = True
                        for target in option["hides"]:
                            visible[target] = False
        return result

    def required_message(self, item):
        if item["type"] in CHOICE_TYPES:
            return self.msg["required_choice"]
        if item["type"] == "slider":
            return self.msg["required_slider"]
        return self.msg["required"]

    # --- one item: returns (value or None, error or None, typed) --------------------------
    def item(self, item, scope_name, values):
        name = field(scope_name, item["id"])
        kind = item["type"]
        if kind in ("radio", "likert", "dropdown"):
            return self.single_choice(item, name, values)
        if kind == "checkbox":
            return self.multiple_choice(item, name, values)
        if kind in ("slider", "number"):
            return self.number(item, name)
        if kind in ("text", "textarea"):
            return self.text(item, name)
        if kind == "date":
            return self.date(item, name)
        if kind == "time":
            return self.time(item, name)
        return None, None, False

    def other_label(self, item, values):
        return (
            plain(item.get("other_label"), self.language, values)
            if item.get("other_label")
            else (self.msg["other"].rstrip(":"))
        )

    def other_text(self, item, name):
        if not item.get("other"):
            return "", None
        text = clean_text(self.reader.first(f"{name}{SEP}other"))
        if len(text) > 10_000:
            return text, self.msg["too_long"].format(max=self.num(10_000), n=self.num(len(text)))
        return text, None

    def single_choice(self, item, name, values):
        posted = list(dict.fromkeys(v.strip() for v in self.reader.raw(name) if v.strip()))
        other, other_error = self.other_text(item, name)
        typed = bool(posted or other)
        if not typed:
            return None, None, False
        if len(posted) > 1:
            return None, self.msg["one_choice"], True
        code = posted[0] if posted else "other"
        if item.get("other") and code == "other":
            if other_error:
                return None, other_error, True
            if not other:
                return None, self.msg["other_missing"].format(label=self.other_label(item, values)), True
            return {"value": "other", "other": other}, None, True
        if code not in {option["value"] for option in item["options"]}:
            return None, self.msg["unknown_choice"], True
        if other:
            return None, self.msg["other_conflict"].format(label=self.other_label(item, values)), True
        return code, None, True

    def multiple_choice(self, item, name, values):
        posted = set(v.strip() for v in self.reader.raw(name) if v.strip())
        other, other_error = self.other_text(item, name)
        if other:
            posted.add("other")  # typing in the "other" box counts as ticking it
        if not posted:
            return None, None, False
        known = [option["value"] for option in item["options"]] + (["other"] if item.get("other") else [])
        if posted - set(known):
            return None, self.msg["unknown_choice"], True
        codes = [code for code in known if code in posted]
        if "other" in codes and item.get("other"):
            if other_error:
                return None, other_error, True
            if not other:
                return None, self.msg["other_missing"].format(label=self.other_label(item, values)), True
            return {"values": codes, "other": other}, None, True
        return codes, None, True

    def number(self, item, name):
        text = self.reader.first(name).strip()
        if not text:
            return None, None, False
        value = parse_number(text)
        low, high, step = item.get("min"), item.get("max"), item.get("step", 1)
        if value is None:
            example = "7" if step == int(step) else self.num(7.5)
            return None, self.msg["not_number"].format(example=example), True
        if low is not None and high is not None and not low <= value <= high:
            return None, self.msg["range"].format(min=self.num(low), max=self.num(high)), True
        if low is not None and value < low:
            return None, self.msg["min"].format(min=self.num(low)), True
        if high is not None and value > high:
            return None, self.msg["max"].format(max=self.num(high)), True
        if not _aligned(value, low if low is not None else 0, step):
            return None, self.msg["step"].format(step=self.num(step)), True
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return value, None, True

    def text(self, item, name):
        raw = self.reader.raw(name)
        text = clean_text(raw[0]) if raw else ""
        if not text:
            return None, None, False
        if len(text) > item["max_length"]:
            return (
                None,
                self.msg["too_long"].format(max=self.num(item["max_length"]), n=self.num(len(text))),
                True,
            )
        return text, None, True

    def resolve_date(self, value):
        if value == "today":
            return self.today
        return datetime.date.fromisoformat(value) if value else None

    def date(self, item, name):
        text = self.reader.first(name).strip()
        if not text:
            return None, None, False
        value = parse_date(text)
        if value is None:
            return None, self.msg["bad_date"], True
        low, high = self.resolve_date(item.get("min_date")), self.resolve_date(item.get("max_date"))
        if low and value < low:
            return None, self.msg["date_min"].format(date=format_date(low.isoformat())), True
        if high and value > high:
            return None, self.msg["date_max"].format(date=format_date(high.isoformat())), True
        return value.isoformat(), None, True

    def time(self, item, name):
        hours_text = self.reader.first(f"{name}{SEP}h").strip()
        minutes_text = self.reader.first(f"{name}{SEP}m").strip()
        if not hours_text and not minutes_text:
            return None, None, False
        hours = parse_number(hours_text or "0")
        minutes = parse_number(minutes_text or "0")
        if (
            not isinstance(hours, int)
            or not isinstance(minutes, int)
            or not 0 <= hours <= item["max_hours"]
            or minutes not in item["minutes"] + [0]
        ):
            return None, self.msg["bad_time"], True
        return hours * 60 + minutes, None, True

    # --- repeat blocks ---------------------------------------------------------------------
    def repeat(self, item, scope_name, values, result):
        repeat_id = item["id"]
        base = field(scope_name, repeat_id)
        indices = []
        for text in self.reader.raw(f"{base}{SEP}block"):
            number = parse_number(text)
            if isinstance(number, int) and 1 <= number <= 999 and number not in indices:
                indices.append(number)
        indices = sorted(indices)[: item["max"]]
        removed = {parse_number(t) for t in self.reader.raw(f"{base}{SEP}remove")}
        blocks = []
        for index in indices:
            if index in removed:
                continue
            scope = self.scope(item["items"], block_scope(repeat_id, index), values)
            blocks.append((index, scope))
        filled = [(index, scope) for index, scope in blocks if scope.typed]
        empty = [(index, scope) for index, scope in blocks if not scope.typed]
        shown = list(filled)
        if len(filled) < item["min"]:
            # Too few blocks filled: point at the empty ones that are needed.
            shown += empty[: item["min"] - len(filled)]
            result.errors[repeat_id] = self.msg["too_few_blocks"].format(min=item["min"])
        for index, scope in shown:
            for sub_id, message in scope.errors.items():
                result.errors[error_key(repeat_id, index, sub_id)] = message
        if filled:
            result.answers[repeat_id] = [scope.answers for _, scope in filled]
            result.typed = True
        for position, (_, scope) in enumerate(filled, start=1):
            for kind in ("untouched", "touched", "hidden"):
                getattr(result, kind).extend(
                    error_key(repeat_id, position, sub) for sub in getattr(scope, kind)
                )
        kept = [index for index, _ in blocks]
        if self.reader.first(f"{base}{SEP}add") and len(kept) < item["max"]:
            kept.append(max(indices + [0]) + 1)
            result.errors.setdefault(repeat_id, self.msg["block_added"])
        self.blocks[base] = (kept, removed)


DATE_FORMATS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})$"),
)


def parse_date(text):
    for pattern in DATE_FORMATS:
        match = pattern.match(text)
        if match:
            try:
                value = datetime.date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                return None
            return value if 1900 <= value.year <= 2100 else None
    return None


def chosen_codes(value):
    """Option codes in an answer of a choice item, whatever its shape."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    if isinstance(value, dict):
        if "values" in value:
            return chosen_codes(value["values"])
        if "value" in value:
            return chosen_codes(value["value"])
    return []


def _collect_values(reader, items):
    """The posted strings that belong to this form, keyed by field name without the prefix."""
    bases = {item["id"] for item in items}
    values = {}
    for key in reader.keys():
        name = key[len(reader.prefix) :]
        base = name.split(SEP, 1)[0]
        if base not in bases or name.endswith((f"{SEP}add", f"{SEP}remove")):
            continue
        posted = reader.raw(name)
        if any(v != "" for v in posted):
            values[name] = posted
    return values


def parse_submission(definition, data, *, variables, language, prefix=""):
    """Check posted form data against a definition; never raises on malformed input."""
    lang = language_of(language)
    items, values = prepare(definition, variables, lang)
    today = _today(variables)
    reader = _Reader(data, prefix or "")
    parser = _Parser(reader, lang, today)
    scope = parser.scope(items, "", values)
    submission = Submission(
        answers=scope.answers,
        meta={"untouched": scope.untouched, "touched": scope.touched, "hidden": scope.hidden},
        errors=scope.errors,
        values=_collect_values(reader, items),
    )
    # Repeat blocks: keep the block list as it should be shown again (added/removed blocks).
    for base, (kept, removed) in parser.blocks.items():
        submission.values[f"{base}{SEP}block"] = [str(index) for index in kept]
        for index in removed:
            if index is None:
                continue
            stale = f"{base}{SEP}{index}{SEP}"
            for name in [n for n in submission.values if n.startswith(stale)]:
                del submission.values[name]
    return submission


def _today(variables):
    value = (variables or {}).get("today")
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    return timezone.localdate()


def stopping_options(definition, answers):
    """(item id, option code) pairs in these answers whose option ends the subscription."""
    found = []
    for item in prepare(definition, {}, "nl")[0]:
        if item["id"] not in answers or "options" not in item:
            continue
        chosen = set(chosen_codes(answers[item["id"]]))
        found += [
            (item["id"], o["value"])
            for o in item["options"]
            if o["stops_subscription"] and o["value"] in chosen
        ]
    return found


def values_from_answers(definition, answers, *, variables=None):
    """Form values that show stored answers again (prefill from a previous response, drafts)."""
    items, _ = prepare(definition, variables or {}, "nl")
    values = {}

    def put(scope_name, item, answer):
        name = field(scope_name, item["id"])
        kind = item["type"]
        if kind == "time" and isinstance(answer, int):
            values[f"{name}{SEP}h"] = [str(answer // 60)]
            values[f"{name}{SEP}m"] = [str(answer % 60)]
        elif kind in CHOICE_TYPES:
            values[name] = chosen_codes(answer)
            if isinstance(answer, dict) and "other" in answer:
                values[f"{name}{SEP}other"] = [str(answer["other"])]
        elif kind == "repeat" and isinstance(answer, list):
            values[f"{name}{SEP}block"] = [str(i) for i in range(1, len(answer) + 1)]
            for index, block in enumerate(answer, start=1):
                for sub in item["items"]:
                    if isinstance(block, dict) and sub["id"] in block:
                        put(block_scope(item["id"], index), sub, block[sub["id"]])
        elif answer is not None:
            values[name] = [str(answer)]

    for item in items:
        if item["id"] in (answers or {}):
            put("", item, answers[item["id"]])
    return values
