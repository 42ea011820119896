from renewals.alerts import expiry_alerts_run

from ._nightly import NightlyCommand


class Command(NightlyCommand):
    help = "Avvisi di scadenza (SPEC 3.7): una e-mail per titolare con le caselle giunte a una nuova soglia."

    def handle(self, *args, **options):
        day, dry_run = self.day(options), options["dry_run"]
        progress = self.progress()
        summary = expiry_alerts_run(on_date=day, workers=self.workers(options), dry_run=dry_run,
                                    progress=progress)
        self.end_progress(progress)
        prefix = "[prova, nulla è stato inviato] " if dry_run else ""
        self.stdout.write(
            f"{prefix}Avvisi di scadenza del {day:%d/%m/%Y}: {summary.mailboxes} caselle, "
            f"{summary.emails_sent} e-mail inviate, {summary.failed} errori."
        )
