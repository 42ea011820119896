from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from invoices.fatturapa import export_zip
from invoices.selectors import invoices_for_export


def _date(text, option):
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option}: data non valida '{text}', usa il formato AAAA-MM-GG.") from None


class Command(BaseCommand):
    help = "Esporta in un file zip le fatture e note di credito di un periodo in formato FatturaPA (FPR12)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, help="primo giorno, AAAA-MM-GG")
        parser.add_argument("--to", dest="date_to", required=True, help="ultimo giorno, AAAA-MM-GG")
        parser.add_argument("out", help="file zip da scrivere")

    def handle(self, *args, date_from, date_to, out, **options):
        first, last = _date(date_from, "--from"), _date(date_to, "--to")
        if last < first:
            raise CommandError("--to viene prima di --from.")
        invoices = list(invoices_for_export(date_from=first, date_to=last))
        archive, problems = export_zip(invoices)
        if problems:
            for number, errors in problems.items():
                for error in errors:
                    self.stderr.write(f"{number}: {error}")
            raise CommandError(f"{len(problems)} documenti non superano lo schema FatturaPA: nessun file scritto.")
        Path(out).write_bytes(archive)
        self.stdout.write(f"{len(invoices)} documenti esportati in {out}.")
