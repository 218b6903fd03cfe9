"""``zicht import-people FILE --team ID [--dry-run]``: the import page's check and import, for scripts."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zicht.people import importer
from zicht.people.models import Team


class Command(BaseCommand):
    help = (
        "Import students and mentors from a CSV or XLSX file into a team. Nothing is stored when any row "
        "has an error; the exit status is 1 then. --dry-run only checks."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (comma or semicolon, UTF-8) or XLSX file")
        parser.add_argument(
            "--team", type=int, required=True, help="id of the team (see the admin or team page URL)"
        )
        parser.add_argument("--dry-run", action="store_true", help="check and report, store nothing")

    def handle(self, *args, file, team, dry_run, **options):
        try:
            target = Team.objects.select_related("organisation").get(pk=team)
        except Team.DoesNotExist as exc:
            raise CommandError(f"Team {team} bestaat niet. / Team {team} does not exist.") from exc
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Bestand niet gevonden: {file} / File not found: {file}")
        with path.open("rb") as handle:
            data = handle.read(importer.MAX_BYTES + 1)  # one byte more is enough to report "too large"
        result = importer.run_import(target, path.name, data, dry_run=dry_run)
        self.stdout.write(f"Team: {target}")
        self.stdout.write(importer.format_report(result))
        if not result.ok:
            raise CommandError(
                f"{len(result.errors)} fout(en), niets geïmporteerd / error(s), nothing imported"
            )
