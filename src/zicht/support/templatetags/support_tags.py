"""Dutch labels for the states shown as badges."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

STATES = {
    "done": _("gedaan"),
    "open": _("staat open"),
    "planned": _("gepland"),
    "overdue": _("te laat"),
    "missing": _("geen contact"),
    "current": _("loopt"),
    "future": _("nog niet"),
    "cancelled": _("vervallen"),
    "warning": _("let op"),
}


@register.filter
def state_label(state):
    return STATES.get(state, state)
