from django.core.management.base import BaseCommand

from api.idempotency import idempotency_records_purge


class Command(BaseCommand):
    help = "Dimentica le risposte alle Idempotency-Key più vecchie di API_IDEMPOTENCY_DAYS (senza beat: una volta al giorno)."

    def handle(self, *args, **options):
        self.stdout.write(f"Idempotency-Key dimenticate: {idempotency_records_purge()}")
