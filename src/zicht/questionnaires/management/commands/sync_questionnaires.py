"""zicht sync_questionnaires: publish changed questionnaire definitions as new versions."""

from django.core.management.base import BaseCommand, CommandError

from zicht.questionnaires.definition import DefinitionError
from zicht.questionnaires.loader import sync_definitions


class Command(BaseCommand):
    help = "Validate the YAML questionnaire definitions and publish a new version of each changed one."

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory", help="read definitions from this directory instead of the shipped ones"
        )

    def handle(self, *args, directory=None, **options):
        try:
            published = sync_definitions(directory=directory)
        except DefinitionError as error:
            raise CommandError(f"invalid definition: {error}") from None
        for version in published:
            self.stdout.write(f"published {version.questionnaire.key} version {version.number}")
        if not published:
            self.stdout.write("all questionnaires are up to date")
