"""One place to ask for the time, so tests can move it (time-machine) and code can pass `now`."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def now():
    return timezone.now()


def local_zone():
    return ZoneInfo(settings.TIME_ZONE)


def localtime(value=None):
    return timezone.localtime(value or now(), local_zone())
