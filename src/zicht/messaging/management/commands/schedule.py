"""``zicht schedule preview|load``: see when a protocol invites, and load the shipped protocols."""

import json
from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from zicht.protocols import schedule
from zicht.protocols.definitions import load_definition, shipped_keys


class Command(BaseCommand):
    requires_system_checks = []  # a daemon/CLI that must start even while an unrelated page is broken
    help = "Preview a protocol's windows (one JSON object per line) or load the shipped protocols."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        preview = sub.add_parser("preview", help="print the windows for a start date")
        preview.add_argument(
            "--start", required=True, help="start date YYYY-MM-DD (week 1 = its Monday-week)"
        )
        preview.add_argument(
            "--weeks", type=int, default=None, help="number of weeks (default: the protocol's)"
        )
        preview.add_argument(
            "--protocol",
            default="student",
            help=f"a shipped key ({', '.join(shipped_keys())}) or a YAML path",
        )
        sub.add_parser("load", help="create or update the Protocol rows from the shipped YAML files")

    def handle(self, *args, action, **options):
        if action == "load":
            from zicht.protocols.services import sync_protocols

            for protocol in sync_protocols():
                self.stdout.write(f"loaded {protocol.key}")
            return
        try:
            start = date.fromisoformat(options["start"])
        except ValueError as error:
            raise CommandError(f"--start must be YYYY-MM-DD, not {options['start']!r}") from error
        if options["weeks"] is not None and options["weeks"] < 1:
            raise CommandError("--weeks must be 1 or more")
        try:
            definition = load_definition(options["protocol"])
            windows = schedule.compute(definition, start, options["weeks"])
        except schedule.DefinitionError as error:
            raise CommandError(str(error)) from error
        zone = ZoneInfo(settings.TIME_ZONE)
        for window in windows:
            self.stdout.write(json.dumps(window.as_json(zone)))
