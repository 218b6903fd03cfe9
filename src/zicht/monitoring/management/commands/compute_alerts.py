"""``zicht compute_alerts``: score all closed student diaries and raise or update early-warning alerts."""

from django.core.management.base import BaseCommand

from zicht.monitoring.services import compute_alerts


class Command(BaseCommand):
    help = "Risicoscores en signalen bijwerken voor alle studenten / update risk scores and alerts for all students"

    def handle(self, *args, **options):
        result = compute_alerts()
        self.stdout.write(str(result))
