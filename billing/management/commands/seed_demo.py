import secrets
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Holder
from accounts.services import holder_create
from billing.models import LedgerEntry
from billing.services import wallet_post
from mailboxes.models import Mailbox, Plan
from mailboxes.services import mailbox_create

DEMO_ADDRESS = "mario.rossi@pec.ording.roma.it"
DEMO_FISCAL_CODE = "RSSMRA80A01H501U"
DEMO_CREDIT_CENTS = 848
# (address, plan, days since request, days to expiry): the guide's mailbox and two more.
DEMO_MAILBOXES = [
    (DEMO_ADDRESS, "standard", 240, 400),
    ("studio.rossi@pec.ording.roma.it", "pro", 650, 75),
    ("archivio.rossi@pec.ording.roma.it", "premium", 30, 700),
]


class Command(BaseCommand):
    help = "Loads the guide's demo holder Mario Rossi and his mailboxes; running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="password of the demo mailboxes (default: generated and printed)")

    @transaction.atomic
    def handle(self, *args, password=None, **options):
        if Holder.objects.filter(fiscal_code=DEMO_FISCAL_CODE).exists():
            self.stdout.write("Demo data already present: nothing changed.")
            return
        password = password or secrets.token_urlsafe(9) + "-A1"
        holder = holder_create(
            fiscal_code=DEMO_FISCAL_CODE, first_name="Mario", last_name="Rossi",
            email="mario.rossi@example.it", street="Via del Corso 1", postal_code="00186",
            city="Roma", province="RM",
        )
        today = timezone.localdate()
        plans = {plan.code: plan for plan in Plan.objects.all()}
        for address, plan_code, age_days, days_left in DEMO_MAILBOXES:
            started = today - timedelta(days=age_days)
            mailbox_create(
                holder=holder, address=address, plan=plans[plan_code], password=password,
                status=Mailbox.Status.CERTIFIED, requested_on=started, certified_on=started,
                expires_on=today + timedelta(days=days_left),
            )
        wallet_post(
            holder_id=holder.pk, amount_cents=DEMO_CREDIT_CENTS, kind=LedgerEntry.Kind.OPENING,
            reference="seed_demo:opening", description="Credito iniziale demo",
        )
        self.stdout.write(f"Demo holder created. Login: {DEMO_ADDRESS}  password: {password}")
