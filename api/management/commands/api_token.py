from django.core.management.base import BaseCommand, CommandError

from accounts.models import ApiToken
from accounts.services import api_token_create
from mailboxes.models import Mailbox


class Command(BaseCommand):
    help = ("Makes an API token for the holder of a mailbox and prints its key (shown only now), as the "
            "profile page does: for scripts and the demo.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create"])
        parser.add_argument("--holder", required=True, metavar="ADDRESS", help="a mailbox address of the holder")
        parser.add_argument("--name", required=True, help="what the token is for (max 60 characters)")
        parser.add_argument("--scope", choices=ApiToken.Scope.values, default=ApiToken.Scope.READ)

    def handle(self, *args, action, holder, name, scope, **options):
        mailbox = Mailbox.objects.select_related("holder").filter(address=holder.strip().lower()).first()
        if mailbox is None:
            raise CommandError(f"Nessuna casella con indirizzo {holder}.")
        name = name.strip()
        if not 0 < len(name) <= 60:
            raise CommandError("Il nome va da 1 a 60 caratteri.")
        _token, key = api_token_create(holder=mailbox.holder, name=name, scope=scope)
        self.stdout.write(key)
