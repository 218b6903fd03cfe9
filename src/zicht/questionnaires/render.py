"""HTML for the fields of a questionnaire: small, accessible, and complete without JavaScript.

Without JavaScript every item is shown; items that depend on an earlier answer carry a note
("alleen invullen als ...") and the parser ignores them when the earlier answer does not reveal
them. questionnaire.js hides/shows them live, turns slider number boxes into range sliders that
stay empty until touched, and adds/removes repeat blocks.
"""

import datetime
import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

from .common import (
    BLOCK_PLACEHOLDER,
    SEP,
    _normalised,
    block_scope,
    error_key,
    field,
    format_number,
    messages,
    prepare,
)
from .parse import _today, parse_date
from .text import block, inline, language_of, plain

PREFIX_RE = re.compile(r"^[A-Za-z0-9_-]*$")
SHORT = 70
NUMBER_MARK = "ZQBN"


def _attr(value):
    return escape(str(value))


def _num_attr(value):
    return format_number(value, "en")


def _short(text):
    text = " ".join(text.split())
    if len(text) <= SHORT:
        return text
    return text[:SHORT].rsplit(" ", 1)[0] + "…"


class _Renderer:
    def __init__(self, language, values, errors, prefix, today):
        self.lang = language
        self.msg = messages(language)
        self.values = values
        self.errors = errors
        self.prefix = prefix
        self.today = today
        self.blank = False  # True while rendering the <template> of a repeat block

    # --- helpers ---------------------------------------------------------------------------
    def vals(self, name):
        if self.blank:
            return []
        value = self.values.get(name)
        if value is None:
            return []
        if not isinstance(value, (list, tuple)):
            value = [value]
        return ["" if v is None else str(v) for v in value]

    def val(self, name):
        values = self.vals(name)
        return values[0] if values else ""

    def error(self, key):
        if self.blank:
            return None
        message = self.errors.get(key)
        return str(message) if message else None

    def hid(self, name):
        return f"{self.prefix}zq-{name}"

    def full(self, name):
        return f"{self.prefix}{name}"

    # --- scopes ----------------------------------------------------------------------------
    def scope(self, items, scope_name, text_values, error_of):
        notes = self.conditions(items, text_values)
        return "".join(
            self.item(
                item,
                scope_name,
                item.get("_values", text_values),
                error_of(item["id"]),
                notes.get(item["id"]),
            )
            for item in items
        )

    def conditions(self, items, text_values):
        """No-JS notes: which earlier answer shows (or hides) an item."""
        shows, hides = {}, {}
        for gate in items:
            for option in gate.get("options", ()):
                label = plain(option["label"], self.lang, text_values)
                for rule, table in (("shows", shows), ("hides", hides)):
                    for target in option[rule]:
                        table.setdefault(target, {}).setdefault(gate["id"], (gate, []))[1].append(label)
        notes = {}
        for item in items:
            table, key = (shows, "only_if") if item["hidden"] else (hides, "skip_if")
            gates = table.get(item["id"])
            if not gates:
                continue
            parts = []
            for gate, labels in gates.values():
                answers = f" {self.msg['or']} ".join(f"‘{label}’" for label in labels)
                question = _short(plain(gate["text"], self.lang, gate.get("_values", text_values)))
                parts.append(self.msg[key].format(question=question, answers=answers))
            notes[item["id"]] = " ".join(parts)
        return notes

    # --- items -----------------------------------------------------------------------------
    def item(self, item, scope_name, tv, error_key_, note):
        kind = item["type"]
        name = field(scope_name, item["id"])
        hid = self.hid(name)
        error = self.error(error_key_)
        classes = f"zq-item zq-{kind}" + (" zq-invalid" if error else "")
        attrs = f' class="{classes}" id="{hid}-item" data-item="{_attr(item["id"])}"'
        if item["hidden"]:
            attrs += " data-hidden"
        if kind == "info":
            return f'<div{attrs}><div class="zq-text">{block(item["text"], self.lang, tv)}</div></div>'

        described = []
        extra = ""
        if item["tooltip"]:
            extra += f'<p class="zq-hint" id="{hid}-hint">{inline(item["tooltip"], self.lang, tv)}</p>'
            described.append(f"{hid}-hint")
        if note:
            extra += f'<p class="zq-cond zq-nojs" id="{hid}-cond">{escape(note)}</p>'
            described.append(f"{hid}-cond")
        if error:
            extra += f'<p class="zq-err" id="{hid}-err">{escape(error)}</p>'
            described.append(f"{hid}-err")
        question = inline(item["text"], self.lang, tv)
        if item["required"]:
            question += f' <span class="zq-req">{escape(self.msg["required_mark"])}</span>'
        aria = f' aria-describedby="{" ".join(described)}"' if described else ""
        invalid = ' aria-invalid="true"' if error else ""

        if kind in ("radio", "checkbox", "likert", "time", "repeat"):
            if kind == "time":
                body = self.time(item, name, hid, invalid)
            elif kind == "repeat":
                body = self.repeat(item, name, tv)
            else:
                body = self.options(item, name, hid, tv, invalid)
            req = ' aria-required="true"' if item["required"] and kind != "checkbox" else ""
            return (
                f'<div{attrs}><fieldset{aria}{req}><legend class="zq-q">{question}</legend>'
                f"{extra}{body}</fieldset></div>"
            )
        req = ' aria-required="true"' if item["required"] else ""
        label = f'<label class="zq-q" for="{hid}">{question}</label>'
        if kind == "slider":
            control = self.slider(item, name, hid, tv, described, invalid)
        elif kind == "dropdown":
            control = self.dropdown(item, name, hid, tv, aria + req + invalid)
        else:
            control = self.single_input(item, name, hid, tv, aria + req + invalid)
        return f"<div{attrs}>{label}{extra}{control}</div>"

    def options(self, item, name, hid, tv, invalid):
        kind = item["type"]
        input_type = "checkbox" if kind == "checkbox" else "radio"
        chosen = set(self.vals(name))
        html = [f'<div class="zq-opts{" zq-row" if kind == "likert" else ""}">']
        for index, option in enumerate(item["options"]):
            oid = f"{hid}-{index}"
            data = ""
            if option["shows"]:
                data += f' data-shows="{_attr(" ".join(option["shows"]))}"'
            if option["hides"]:
                data += f' data-hides="{_attr(" ".join(option["hides"]))}"'
            checked = " checked" if option["value"] in chosen else ""
            tip = ""
            if option["tooltip"]:
                tip = f'<small class="zq-otip">{inline(option["tooltip"], self.lang, tv)}</small>'
            if option["stops_subscription"]:
                tip += f'<small class="zq-warn">{escape(self.msg["stop_warning"])}</small>'
            html.append(
                f'<label class="zq-opt" for="{oid}"><input type="{input_type}" id="{oid}" '
                f'name="{self.full(name)}" value="{_attr(option["value"])}"{data}{checked}{invalid}>'
                f"<span>{inline(option['label'], self.lang, tv)}{tip}</span></label>"
            )
        if item.get("other"):
            oid = f"{hid}-other"
            label = (
                inline(item["other_label"], self.lang, tv)
                if item.get("other_label")
                else escape(self.msg["other"])
            )
            checked = " checked" if "other" in chosen else ""
            text = self.val(f"{name}{SEP}other")
            html.append(
                f'<label class="zq-opt" for="{oid}"><input type="{input_type}" id="{oid}" '
                f'name="{self.full(name)}" value="other" data-other{checked}{invalid}><span>{label}</span></label>'
                f'<input type="text" class="zq-other" id="{oid}-text" name="{self.full(name + SEP + "other")}" '
                f'value="{_attr(text)}" maxlength="10000" aria-label="{_attr(plain(item["other_label"], self.lang, tv) if item.get("other_label") else self.msg["other"])}">'
            )
        html.append("</div>")
        return "".join(html)

    def slider(self, item, name, hid, tv, described, invalid):
        low, high, step = item["min"], item["max"], item["step"]
        left = inline(item["anchors"]["left"], self.lang, tv)
        right = inline(item["anchors"]["right"], self.lang, tv)
        help_text = self.msg["slider_nojs"].format(
            min=format_number(low, self.lang),
            max=format_number(high, self.lang),
            left=plain(item["anchors"]["left"], self.lang, tv),
            right=plain(item["anchors"]["right"], self.lang, tv),
        )
        described = " ".join([*described, f"{hid}-anchors", f"{hid}-help"])
        mode = "numeric" if float(step).is_integer() and float(low).is_integer() else "decimal"
        return (
            f'<div class="zq-scale"><input type="number" class="zq-num" id="{hid}" name="{self.full(name)}" '
            f'min="{_num_attr(low)}" max="{_num_attr(high)}" step="{_num_attr(step)}" inputmode="{mode}" '
            f'value="{_attr(self.val(name))}" aria-describedby="{described}"{invalid}>'
            f'<p class="zq-help zq-nojs" id="{hid}-help">{escape(help_text)}</p>'
            f'<div class="zq-anchors" id="{hid}-anchors"><span>{left}</span><span>{right}</span></div></div>'
        )

    def dropdown(self, item, name, hid, tv, attrs):
        current = self.val(name)
        options = [f'<option value="">{escape(self.msg["choose"])}</option>']
        for option in item["options"]:
            selected = " selected" if option["value"] == current else ""
            for rule in ("shows", "hides"):
                if option[rule]:
                    selected += f' data-{rule}="{_attr(" ".join(option[rule]))}"'
            options.append(
                f'<option value="{_attr(option["value"])}"{selected}>'
                f"{escape(plain(option['label'], self.lang, tv))}</option>"
            )
        return f'<select id="{hid}" name="{self.full(name)}"{attrs}>{"".join(options)}</select>'

    def single_input(self, item, name, hid, tv, attrs):
        kind = item["type"]
        value = self.val(name)
        placeholder = ""
        if item.get("placeholder"):
            placeholder = f' placeholder="{_attr(plain(item["placeholder"], self.lang, tv))}"'
        if kind == "textarea":
            return (
                f'<textarea id="{hid}" name="{self.full(name)}" rows="4" maxlength="{item["max_length"]}"'
                f"{placeholder}{attrs}>{escape(value)}</textarea>"
            )
        if kind == "text":
            return (
                f'<input type="text" id="{hid}" name="{self.full(name)}" value="{_attr(value)}" '
                f'maxlength="{item["max_length"]}"{placeholder}{attrs}>'
            )
        if kind == "number":
            limits = ""
            for key in ("min", "max", "step"):
                if item.get(key) is not None:
                    limits += f' {key}="{_num_attr(item[key])}"'
            return (
                f'<input type="number" id="{hid}" name="{self.full(name)}" value="{_attr(value)}"'
                f'{limits} inputmode="decimal"{placeholder}{attrs}>'
            )
        if kind == "date":
            parsed = parse_date(value.strip()) if value else None
            value = parsed.isoformat() if parsed else value
            limits = ""
            for key, attr in (("min_date", "min"), ("max_date", "max")):
                if item.get(key):
                    date = self.today if item[key] == "today" else datetime.date.fromisoformat(item[key])
                    limits += f' {attr}="{date.isoformat()}"'
            return f'<input type="date" id="{hid}" name="{self.full(name)}" value="{_attr(value)}"{limits}{attrs}>'
        raise ValueError(kind)

    def time(self, item, name, hid, invalid):
        hours_value = self.val(f"{name}{SEP}h")
        minutes_value = self.val(f"{name}{SEP}m")

        def select(suffix, numbers, current, word):
            options = ['<option value="">–</option>']
            for number in numbers:
                selected = " selected" if str(number) == current.strip() else ""
                options.append(f'<option value="{number}"{selected}>{number}</option>')
            sid = f"{hid}-{suffix}"
            return (
                f'<label class="zq-tpart" for="{sid}"><select id="{sid}" name="{self.full(name + SEP + suffix)}"'
                f"{invalid}>{''.join(options)}</select> {escape(word)}</label>"
            )

        return (
            '<div class="zq-time">'
            + select("h", range(0, item["max_hours"] + 1), hours_value, self.msg["hours"])
            + select("m", item["minutes"], minutes_value, self.msg["minutes"])
            + "</div>"
        )

    # --- repeat blocks ---------------------------------------------------------------------
    def repeat(self, item, name, tv):
        numbers = []
        for text in self.vals(f"{name}{SEP}block"):
            if text.strip().isdigit() and 1 <= int(text) <= 999 and int(text) not in numbers:
                numbers.append(int(text))
        if not numbers:
            numbers = list(range(1, item["default"] + 1))
        numbers = sorted(numbers)[: item["max"]]
        blocks = "".join(self.block(item, name, tv, str(number)) for number in numbers)
        blank, self.blank = self.blank, True
        template = self.block(item, name, tv, BLOCK_PLACEHOLDER)
        self.blank = blank
        add_label = plain(item["add_label"], self.lang, tv) if item["add_label"] else self.msg["add"]
        return (
            f'<div class="zq-blocks" data-min="{item["min"]}" data-max="{item["max"]}">{blocks}</div>'
            f'<template class="zq-tpl">{template}</template>'
            f'<button type="button" class="zq-add zq-jsonly" hidden>+ {escape(add_label)}</button>'
            f'<label class="zq-opt zq-nojs"><input type="checkbox" name="{self.full(name + SEP + "add")}" value="1">'
            f"<span>{escape(self.msg['add_nojs'])}</span></label>"
        )

    def block(self, item, name, tv, number):
        label_values = dict(tv, n=NUMBER_MARK)
        label = inline(
            item["block_label"] or {"nl": self.msg["block"], "en": self.msg["block"]}, self.lang, label_values
        )
        label = label.replace(NUMBER_MARK, f'<span class="zq-bn">{escape(number)}</span>')
        remove_label = (
            plain(item["remove_label"], self.lang, tv) if item["remove_label"] else self.msg["remove"]
        )
        scope_name = block_scope(item["id"], number)
        inner = self.scope(
            item["items"], scope_name, tv, lambda sub_id: error_key(item["id"], number, sub_id)
        )
        return (
            f'<fieldset class="zq-block" data-scope data-block="{escape(number)}"><legend>{label}</legend>'
            f'<input type="hidden" name="{self.full(name + SEP + "block")}" value="{escape(number)}">{inner}'
            f'<button type="button" class="zq-remove zq-jsonly" hidden>{escape(remove_label)}</button>'
            f'<label class="zq-opt zq-nojs"><input type="checkbox" name="{self.full(name + SEP + "remove")}" '
            f'value="{escape(number)}"><span>{escape(self.msg["remove_nojs"])}</span></label></fieldset>'
        )


def render_form(definition, *, variables, language, values=None, errors=None, prefix=""):
    """The form fields (no <form>, no submit button) as a SafeString."""
    if not PREFIX_RE.match(prefix or ""):
        raise ValueError("prefix may only contain letters, digits, '_' and '-'")
    lang = language_of(language)
    items, text_values = prepare(definition, variables, lang)
    renderer = _Renderer(lang, values or {}, errors or {}, prefix or "", _today(variables))
    body = renderer.scope(items, "", text_values, lambda item_id: item_id)
    return mark_safe(f'<div class="zq" data-zq data-scope lang="{lang}">{body}</div>')


def questionnaire_texts(definition, *, variables, language):
    """Title and description with variables filled in, as plain text (the page template escapes)."""
    lang = language_of(language)
    normalised = _normalised(definition)
    _, text_values = prepare(definition, variables, lang)
    return {
        "title": plain(normalised["title"], lang, text_values),
        "description": plain(normalised["description"], lang, text_values)
        if normalised["description"]
        else "",
    }
