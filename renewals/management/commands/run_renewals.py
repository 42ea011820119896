from django.core.management.base import CommandError

from core.money import format_euro
from renewals.failures import capped
from renewals.night import renewals_run

from ._nightly import NightlyCommand


class Command(NightlyCommand):
    help = ("Rinnovi della notte (SPEC 3.7): annulla gli ordini in attesa da più di 72 ore, poi rinnova, disattiva, "
            "fa scadere e cessa le caselle dovute. Esce con stato 1 se una casella non è stata elaborata.")

    def handle(self, *args, **options):
        day, dry_run = self.day(options), options["dry_run"]
        progress = self.progress()
        summary = renewals_run(on_date=day, workers=self.workers(options), dry_run=dry_run, progress=progress)
        self.end_progress(progress)
        prefix = "[prova, nulla è stato modificato] " if dry_run else ""
        self.stdout.write(
            f"{prefix}Rinnovi del {day:%d/%m/%Y}: {summary.mailboxes} caselle elaborate, "
            f"{summary.renewed} rinnovate, {summary.addons_renewed} servizi aggiuntivi rinnovati, "
            f"{summary.deactivated} servizi aggiuntivi disattivati, {summary.expired} scadute, "
            f"{summary.terminated} cessate, {summary.emails_sent} e-mail inviate, "
            f"{format_euro(summary.debited_cents)} addebitati, {summary.failed} errori."
        )
        self.stdout.write(f"{prefix}Ordini in attesa da più di 72 ore annullati: {summary.orders_cancelled}.")
        failed = summary.failed_mailboxes()
        if failed:
            for line in capped([f"{address}: {reason} (notti di fila: {nights})" for address, reason, nights in failed]):
                self.stderr.write(line)
            raise CommandError(f"{len(failed)} caselle non elaborate (elenco sopra, dettagli nel log); "
                               "il prossimo avvio le riprova.")
