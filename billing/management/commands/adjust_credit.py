import re

from django.core.management.base import BaseCommand, CommandError

from billing.forms import parse_signed_euro
from billing.selectors import wallet_balance_cents
from billing.services import BillingError, credit_adjust
from core.money import format_euro
from mailboxes.models import Mailbox


class Command(BaseCommand):
    help = "Adds a credit adjustment to the wallet of a mailbox's holder: AMOUNT in euros, negative to debit."

    def add_arguments(self, parser):
        # argparse would take "-3,50" for an option; it already accepts "-3.50" as a number.
        parser._negative_number_matcher = re.compile(r"^-\d+([.,]\d{1,2})?$")
        parser.add_argument("address", help="a mailbox address of the holder")
        parser.add_argument("amount", help="euros with a dot or a comma, e.g. 10,00 or -3.50")
        parser.add_argument("--reason", required=True, help="why (kept in the ledger)")

    def handle(self, *args, address, amount, reason, **options):
        mailbox = Mailbox.objects.filter(address=address.strip().lower()).only("holder_id").first()
        if mailbox is None:
            raise CommandError(f"Nessuna casella con indirizzo {address}.")
        try:
            cents = parse_signed_euro(amount)
        except ValueError:
            raise CommandError(f"Importo non valido: {amount} (esempi: 10,00 oppure -3.50).") from None
        try:
            credit_adjust(holder_id=mailbox.holder_id, amount_cents=cents, reason=reason)
        except BillingError as exc:
            raise CommandError(exc.message) from None
        balance = wallet_balance_cents(holder_id=mailbox.holder_id)
        self.stdout.write(f"Rettifica di {format_euro(cents)} registrata; credito residuo {format_euro(balance)}.")
