from django.core.management.base import BaseCommand, CommandError

from mailboxes.importing import HeaderError, import_file_open, mailboxes_import

PROGRESS_EVERY = 100


class Command(BaseCommand):
    help = ("Crea o aggiorna titolari e caselle dal CSV di SPEC 4, UTF-8, separato da virgole o punti e virgola "
            "(address,fiscal_code,first_name,last_name,email,plan,status,requested_on,certified_on,"
            "expires_on,end_client,password[,auto_renew][,street,postal_code,city,province,country,"
            "company_name,vat_number,sdi_code,invoice_pec]). Esce con stato 1 se una riga è stata scartata.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="percorso del file CSV (UTF-8)")

    def handle(self, *args, file, **options):
        interactive = self.stdout.isatty()
        total = _count_rows(file) if interactive else None
        try:
            with import_file_open(file) as handle:
                result = mailboxes_import(
                    file=handle,
                    on_row=self._progress(total) if interactive else None,
                    on_error=lambda line, message: self.stderr.write(f"riga {line}: {message}"),
                )
        except OSError as error:
            raise CommandError(f"impossibile leggere {file}: {error.strerror}") from None
        except HeaderError as error:
            raise CommandError(str(error)) from None
        if interactive:
            self.stdout.write("")
        summary = (f"Caselle create: {result.created}, aggiornate: {result.updated}, "
                   f"righe con errori: {result.failed}.")
        if result.failed:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))

    def _progress(self, total):
        def show(result):
            if result.rows % PROGRESS_EVERY == 0 or result.rows == total:
                share = f" ({min(result.rows * 100 // total, 100)}%)" if total else ""
                self.stdout.write(f"\r{result.rows}/{total} righe{share}", ending="")
                self.stdout.flush()

        return show


def _count_rows(path):
    """Rows for the progress display: one streaming pass, only when a person is watching."""
    try:
        with open(path, "rb") as handle:
            return max(sum(1 for _ in handle) - 1, 0)
    except OSError:
        return None
