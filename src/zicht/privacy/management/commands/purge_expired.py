from django.core.management.base import BaseCommand

from zicht.privacy.retention import purge_expired


class Command(BaseCommand):
    help = "Erase personal data past its retention period (run daily by the worker or cron)."

    def handle(self, *args, **options):
        counts = purge_expired()
        self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
