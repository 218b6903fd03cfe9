"""Texts in definitions: choosing the language, filling in {{variables}} and a tiny safe markup.

Every text is escaped after the variables are filled in, so a name like "<b>" shows as typed.
Markup (info blocks only): a blank line starts a new paragraph, lines starting with "- " form a
list, **double stars** make text bold.
"""

import re

from django.utils.html import escape

from .definition import VAR_RE

DEFAULTS = {
    "nl": {
        "name": "",
        "student": "de student",
        "mentor_title": "begeleider",
        "programme": "het begeleidingsprogramma",
        "organisation": "je school",
    },
    "en": {
        "name": "",
        "student": "the student",
        "mentor_title": "mentor",
        "programme": "the coaching programme",
        "organisation": "your school",
    },
}
YOUR = {"nl": "je", "en": "your"}

# (he_she, his_her, him_her) per language and gender; "" is the neutral fallback.
PRONOUNS = {
    "nl": {
        "m": ("hij", "zijn", "hem"),
        "f": ("zij", "haar", "haar"),
        "": ("hij/zij", "zijn/haar", "hem/haar"),
    },
    "en": {"m": ("he", "his", "him"), "f": ("she", "her", "her"), "": ("he/she", "his/her", "him/her")},
}

BOLD_RE = re.compile(r"\*\*(.+?)\*\*")


def language_of(language):
    language = (language or "nl")[:2].lower()
    return language if language in DEFAULTS else "nl"


def resolve_variables(variables, language):
    """Turn the caller's facts (names, gender, titles) into the text values for one language.

    Missing facts fall back to neutral words ("je begeleider", "hij/zij"), so a text never shows
    an empty gap or a raw {{variable}}.
    """
    variables = variables or {}
    lang = language_of(language)
    defaults = DEFAULTS[lang]

    def get(name):
        value = variables.get(name)
        return str(value).strip() if value not in (None, "") else ""

    values = {name: get(name) or default for name, default in defaults.items()}
    values["mentor"] = get("mentor") or f"{YOUR[lang]} {values['mentor_title']}"
    gender = get("student_gender")
    he_she, his_her, him_her = PRONOUNS[lang].get(gender if gender in ("m", "f") else "", PRONOUNS[lang][""])
    values.update(he_she=he_she, his_her=his_her, him_her=him_her, n=get("n"))
    for name, value in list(values.items()):
        values[name[0].upper() + name[1:]] = value[:1].upper() + value[1:]
    return values


def pick(i18n, language):
    """The text in the wanted language (definitions always carry both)."""
    if i18n is None:
        return ""
    return i18n.get(language_of(language)) or i18n.get("nl", "")


def substitute(text, values):
    return VAR_RE.sub(lambda m: values.get(m.group(1), ""), text)


def plain(i18n, language, values):
    """Text with variables filled in, not escaped (for messages and attributes)."""
    return substitute(pick(i18n, language), values)


def inline(i18n, language, values):
    """Escaped HTML for a question or label: line breaks kept, **bold** allowed."""
    html = escape(plain(i18n, language, values))
    html = BOLD_RE.sub(r"<strong>\1</strong>", html)
    return html.replace("\r\n", "\n").replace("\n", "<br>")


def block(i18n, language, values):
    """Escaped HTML for an info block: paragraphs, "- " lists and **bold**."""
    text = plain(i18n, language, values).replace("\r\n", "\n").strip()
    parts = []
    for paragraph in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in paragraph.strip().split("\n") if line.strip()]
        # Runs of "- " lines become a list; the other lines a paragraph.
        run, is_list = [], False
        for line in lines + [None]:
            line_is_list = line is not None and line.startswith("- ")
            if run and (line is None or line_is_list != is_list):
                if is_list:
                    parts.append("<ul>" + "".join(f"<li>{_inline_html(x[2:])}</li>" for x in run) + "</ul>")
                else:
                    parts.append("<p>" + "<br>".join(_inline_html(x) for x in run) + "</p>")
                run = []
            if line is not None:
                run.append(line)
                is_list = line_is_list
    return "".join(parts)


def _inline_html(text):
    return BOLD_RE.sub(r"<strong>\1</strong>", escape(text))
