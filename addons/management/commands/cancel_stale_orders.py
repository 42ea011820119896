from django.core.management.base import BaseCommand
from django.utils import timezone

from addons.services import orders_cancel_stale
from core.money import format_euro


class Command(BaseCommand):
    help = ("Annulla gli ordini in attesa di pagamento da più di 72 ore (SPEC 3.6) e li elenca. "
            "Lo fanno anche Celery beat ogni ora e run_renewals ogni notte; ripeterlo non cambia nulla.")

    def handle(self, *args, **options):
        cancelled = orders_cancel_stale()
        for order in cancelled:
            self.stdout.write(
                f"Ordine n. {order.pk} del {timezone.localtime(order.created_at):%d/%m/%Y %H:%M} annullato: "
                f"{order.mailbox.address if order.mailbox else 'più caselle'}, {order.addon_type.name} {order.quantity} {order.addon_type.unit}, "
                f"{format_euro(order.gross_cents)}"
            )
        self.stdout.write(f"Ordini in attesa da più di 72 ore annullati: {len(cancelled)}.")
