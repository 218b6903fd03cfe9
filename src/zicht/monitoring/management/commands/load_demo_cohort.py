"""``zicht load_demo_cohort --team TEAM_ID [--weeks 22] [--seed S]``: simulated diary history for a demo team."""

from django.core.management.base import BaseCommand, CommandError

from zicht.monitoring.demo import load_demo_cohort
from zicht.people.models import Team


class Command(BaseCommand):
    help = (
        "Vul de studenten van een team met gesimuleerde weekdagboeken (en begeleidersdagboeken) en "
        "bereken de signalen / fill a team's students with simulated weekly diaries, then compute alerts"
    )

    def add_arguments(self, parser):
        parser.add_argument("--team", type=int, required=True, help="team id")
        parser.add_argument("--weeks", type=int, default=22, help="weeks of history (default 22)")
        parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")

    def handle(self, *args, **options):
        team = Team.objects.select_related("organisation").filter(pk=options["team"]).first()
        if team is None:
            raise CommandError(f"team {options['team']} bestaat niet / does not exist")
        if not 4 <= options["weeks"] <= 60:
            raise CommandError("--weeks moet tussen 4 en 60 liggen / must be between 4 and 60")
        try:
            summary = load_demo_cohort(team, weeks=options["weeks"], seed=options["seed"])
        except LookupError as error:
            raise CommandError(str(error)) from error
        if not summary["students"]:
            self.stdout.write("Niets te doen: deze studenten hebben al dagboeken / nothing to do")
            return
        self.stdout.write(
            f"{summary['students']} studenten: {summary['diaries']} dagboeken, {summary['missed']} gemist, "
            f"{summary['mentor_diaries']} begeleidersdagboeken, {summary['left']} vertrokken, "
            f"{summary.get('alerts', 0)} signalen"
        )
