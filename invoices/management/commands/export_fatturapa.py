from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from invoices.export import fatturapa_export
from invoices.selectors import invoices_for_export


def _date(text, option):
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option}: data non valida '{text}', usa il formato AAAA-MM-GG.") from None


class Command(BaseCommand):
    help = ("Esporta in un file zip le fatture e note di credito di un periodo in formato FatturaPA (FPR12). "
            "Scrive ogni documento valido, elenca quelli con dati incompleti ed esce con errore se ce n'è almeno uno.")

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, help="primo giorno, AAAA-MM-GG")
        parser.add_argument("--to", dest="date_to", required=True, help="ultimo giorno, AAAA-MM-GG")
        parser.add_argument("out", help="file zip da scrivere")

    def handle(self, *args, date_from, date_to, out, **options):
        first, last = _date(date_from, "--from"), _date(date_to, "--to")
        if last < first:
            raise CommandError("--to viene prima di --from.")
        export = fatturapa_export(invoices=invoices_for_export(date_from=first, date_to=last))
        Path(out).write_bytes(export.archive)
        for number in export.completed:
            self.stdout.write(f"{number}: completata con i dati di fatturazione attuali del titolare.")
        self.stdout.write(f"{len(export.file_names)} documenti esportati in {out}.")
        for item in export.skipped:
            self.stderr.write(f"{item.number} — {item.buyer}: {item.reason}")
        if export.skipped:
            raise CommandError(
                f"{len(export.skipped)} documenti non esportati: quando i titolari avranno completato i dati, "
                "esporta di nuovo il periodo."
            )
