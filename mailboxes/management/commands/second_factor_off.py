from django.core.management.base import BaseCommand, CommandError

from accounts.second_factor import mailbox_second_factor_disable, second_factor_enabled
from mailboxes.models import Mailbox
from mailboxes.services import normalize_address


class Command(BaseCommand):
    help = ("Spegne la seconda credenziale degli accessi con le caselle del titolare di ADDRESS "
            "(telefono e codici di recupero persi), dopo aver verificato l'identità del titolare.")

    def add_arguments(self, parser):
        parser.add_argument("address", help="una casella qualsiasi del titolare")

    def handle(self, *args, address, **options):
        mailbox = Mailbox.objects.select_related("holder__user").filter(address=normalize_address(address)).first()
        if mailbox is None:
            raise CommandError(f"Nessuna casella {address!r}.")
        user = mailbox.holder.user
        if not second_factor_enabled(user):
            raise CommandError(f"Il titolare di {mailbox.address} non ha la seconda credenziale attiva.")
        mailbox_second_factor_disable(user)
        self.stdout.write(f"Seconda credenziale spenta per {mailbox.holder}: le sue caselle entrano con la sola password.")
