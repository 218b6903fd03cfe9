from django.core.management.base import BaseCommand, CommandError

from zicht.people.models import Organisation
from zicht.privacy.models import ApiToken


class Command(BaseCommand):
    help = "Create an API token for an organisation (printed once) or revoke one by prefix."

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="organisation name")
        parser.add_argument("--name", default="integration")
        parser.add_argument("--scope", action="append", default=[], help="e.g. people:read (repeatable)")
        parser.add_argument("--revoke", help="prefix of a token to revoke")

    def handle(self, *args, **options):
        organisation = Organisation.objects.filter(name=options["organisation"]).first()
        if organisation is None:
            raise CommandError("unknown organisation")
        if options["revoke"]:
            from django.utils import timezone

            count = ApiToken.objects.filter(organisation=organisation, prefix=options["revoke"]).update(
                revoked_at=timezone.now()
            )
            self.stdout.write(f"revoked {count}")
            return
        try:
            _row, token = ApiToken.issue(organisation, options["name"], options["scope"] or ["people:read"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(token)
