from core.money import format_euro
from renewals.night import renewals_run

from ._nightly import NightlyCommand


class Command(NightlyCommand):
    help = "Rinnovi della notte (SPEC 3.7): rinnova, disattiva, fa scadere e cessa le caselle dovute."

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
        if summary.failed:
            self.stderr.write(f"{summary.failed} caselle non elaborate: vedi il log; il prossimo avvio le riprova.")
