"""`zicht demo`: README command 1. Sets up a demo school on SQLite and serves it."""

import json
from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from zicht.core import clock, demo


class Command(BaseCommand):
    help = "Migrate, load the demo school with 22 weeks of history, and serve it with the worker."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="set everything up, then stop")
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--weeks", type=int, default=22, help="weeks of simulated history")

    def handle(self, *args, **options):
        from zicht.protocols.services import enrol_student, sync_protocols
        from zicht.questionnaires.loader import sync_definitions

        say = self.stdout.write
        call_command("migrate", interactive=False, verbosity=0)
        sync_definitions()
        sync_protocols()
        now = clock.now()
        team, mentors, students, logins = demo.create_demo_school()
        today = clock.localtime(now).date()
        starts_on = today - timedelta(weeks=options["weeks"], days=today.weekday())
        for student in students:
            enrol_student(student, starts_on, now=now)
        call_command("load_demo_cohort", team=team.pk, weeks=options["weeks"], verbosity=0)
        demo.open_this_week(students + mentors, now)
        links = demo.issue_demo_links(students + mentors, now, settings.SITE_URL)
        (settings.DATA_DIR / "demo-links.json").write_text(json.dumps(links, indent=1, ensure_ascii=False))

        say("")
        say(self.style.SUCCESS("zicht demo is ready"))
        say(f"  open            {settings.SITE_URL}/login/")
        for username, role, name in logins:
            say(f"  {role:<15} user '{username}', password '{demo.DEMO_PASSWORD}'  ({name})")
        say(f"  diary links     {settings.SITE_URL}/dev/links/   ({len(links)} students and mentors)")
        say(f"  sent messages   {settings.SITE_URL}/dev/outbox/")
        say("")
        if not options["no_serve"]:
            call_command("serve", bind=options["bind"])
