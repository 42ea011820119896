from django.core.management.base import BaseCommand, CommandError

from accounts.selectors import holder_counts_kept, holder_counts_mismatches
from accounts.services import holder_counts_recount


class Command(BaseCommand):
    help = ("Ricalcola dalle righe reali il numero di caselle e di operazioni di ogni titolare "
            "(accounts.HolderCounts, tenuto dai trigger di PostgreSQL) e stampa quanti titolari ha corretto. "
            "Con --dry-run elenca i conteggi sbagliati senza scrivere ed esce con stato 1 se ce ne sono.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="Controlla soltanto: nessuna scrittura, stato 1 se un conteggio è sbagliato.")

    def handle(self, *args, dry_run, **options):
        if not holder_counts_kept():
            self.stdout.write("Questo database non tiene i conteggi dei titolari (solo PostgreSQL): nulla da fare.")
            return
        if dry_run:
            mismatches = holder_counts_mismatches()
            for wrong in mismatches:
                self.stderr.write(_describe(wrong))
            if mismatches:
                raise CommandError(f"Titolari con conteggi sbagliati: {len(mismatches)}.")
            self.stdout.write(self.style.SUCCESS("Conteggi giusti per tutti i titolari."))
            return
        fixed = holder_counts_recount()
        for wrong in fixed:
            self.stdout.write(_describe(wrong))
        self.stdout.write(self.style.SUCCESS(f"Titolari con conteggi corretti: {len(fixed)}."))


def _describe(wrong):
    return (f"titolare {wrong.holder_id}: caselle {wrong.counted_mailboxes} -> {wrong.mailboxes}, "
            f"operazioni {wrong.counted_operations} -> {wrong.operations}")
