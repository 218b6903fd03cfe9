"""Settings for submit_load's baseline only: zicht's settings plus one minimal view (bench/_minimal_urls.py)."""

from zicht.settings import *  # noqa: F403

ROOT_URLCONF = "_minimal_urls"
