"""Dutch and English side by side in the student templates: {% tr "Dutch" "English" name=value %}.

The student pages are the part of zicht that must be bilingual now, so their strings carry both
languages where they are written instead of waiting for a translation catalogue.
"""

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language

register = template.Library()


def _english():
    return (get_language() or "nl").startswith("en")


@register.simple_tag
def tr(nl, en, **values):
    """The text in the active language; ``{name}`` placeholders are filled in, escaped."""
    text = en if _english() else nl
    return format_html(text, **values) if values else text


@register.filter
def lang(value):
    """Pick the active language from a {"nl": ..., "en": ...} dict."""
    if isinstance(value, dict):
        return value.get("en" if _english() else "nl") or value.get("nl") or ""
    return value


@register.simple_tag
def waiting(days):
    """'vandaag' / 'wacht al 1 dag' / 'wacht al 3 dagen' (and English)."""
    days = int(days or 0)
    if _english():
        return "today" if days <= 0 else ("waiting 1 day" if days == 1 else f"waiting {days} days")
    return "vandaag" if days <= 0 else ("wacht al 1 dag" if days == 1 else f"wacht al {days} dagen")


@register.filter
def nldate(value, fmt="long"):
    """'dinsdag 3 juni' / 'Tuesday 3 June' without relying on a translation catalogue."""
    if value is None:
        return ""
    from zicht.core import clock

    if hasattr(value, "hour"):
        value = clock.localtime(value)
    days_nl = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]
    days_en = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    months_nl = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
                 "oktober", "november", "december"]
    months_en = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                 "October", "November", "December"]
    days, months = (days_en, months_en) if _english() else (days_nl, months_nl)
    text = f"{days[value.weekday()]} {value.day} {months[value.month - 1]}"
    if fmt == "time" and hasattr(value, "hour"):
        text += f" {value.hour:02d}:{value.minute:02d}"
    return text
