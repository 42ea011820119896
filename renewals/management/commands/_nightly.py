"""What the two nightly commands share: --date, --dry-run, --workers, a progress bar in a terminal."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from renewals.selectors import nightly_workers


class NightlyCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--date", help="giorno da elaborare, YYYY-MM-DD (predefinito: oggi, Europe/Rome)")
        parser.add_argument("--dry-run", action="store_true", help="non cambia nulla, dice cosa succederebbe")
        parser.add_argument("--workers", type=int,
                            help="processi in parallelo (predefinito: NIGHTLY_WORKERS, altrimenti uno per core)")

    def day(self, options):
        if not options["date"]:
            return timezone.localdate()
        try:
            return date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError(f"Data non valida: {options['date']!r} (formato YYYY-MM-DD).") from None

    def workers(self, options):
        if options["workers"] is not None and options["workers"] < 1:
            raise CommandError("--workers deve essere almeno 1.")
        return options["workers"] or nightly_workers()

    def progress(self):
        """A progress callback drawing a bar on a terminal; None (no bar) when piped or logged."""
        if not self.stdout.isatty():
            return None

        def draw(done, total):
            width = 40
            filled = width * done // total if total else width
            self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
            self.stdout.flush()

        return draw

    def end_progress(self, progress):
        if progress:
            self.stdout.write("")
