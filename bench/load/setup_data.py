"""The benchmark's data: one holder with 10,000 mailboxes, half of them with an add-on, and 10,000
operations (bulk_create), and an API token of the holder's.

Run with DJANGO_SETTINGS_MODULE and DATABASE_URL set; prints the login address, the id of a
mailbox for the detail and add-on pages, the cursors of the list pages measured (the ids their
?after= names) and the API key, as JSON on the last line."""

import json
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import ApiToken, Operation  # noqa: E402
from accounts.services import api_token_create, holder_create  # noqa: E402
from addons.models import Addon, AddonType, Order  # noqa: E402
from billing.models import LedgerEntry  # noqa: E402
from billing.services import wallet_post  # noqa: E402
from invoices.vat import vat_cents  # noqa: E402
from mailboxes.models import Mailbox, Plan  # noqa: E402
from mailboxes.services import mailbox_create  # noqa: E402

MAILBOXES = 10_000
OPERATIONS = 10_000
ADDRESS = "segreteria@pec.ordine-bench.it"
PAGE_SIZE = 25


@transaction.atomic
def main(password):
    today = timezone.localdate()
    holder = holder_create(fiscal_code="BNCHLD80A01H501Z", first_name="Ordine", last_name="Benchmark",
                           email="segreteria@ordine-bench.example.it", city="Roma", province="RM")
    plans = list(Plan.objects.order_by("pk"))
    login = mailbox_create(holder=holder, address=ADDRESS, plan=plans[0], password=password,
                           status=Mailbox.Status.CERTIFIED, requested_on=today - timedelta(days=100),
                           certified_on=today - timedelta(days=100), expires_on=today + timedelta(days=265))
    mailboxes = Mailbox.objects.bulk_create(
        Mailbox(holder=holder, address=f"iscritto{n:05d}@pec.ordine-bench.it", plan=plans[n % len(plans)],
                status=Mailbox.Status.CERTIFIED, requested_on=today - timedelta(days=n % 700),
                certified_on=today - timedelta(days=n % 700), expires_on=today + timedelta(days=n % 365 + 1))
        for n in range(1, MAILBOXES)
    )
    addons_create(mailboxes[::2], today=today)
    Operation.objects.bulk_create(
        Operation(holder=holder, kind=Operation.Kind.RENEWAL, mailbox_address=f"iscritto{n:05d}@pec.ordine-bench.it",
                  description="Rinnovo annuale", amount_cents=-(500 + n % 300), reference=f"bench:op:{n}")
        for n in range(OPERATIONS)
    )
    wallet_post(holder_id=holder.pk, amount_cents=50_000_00, kind=LedgerEntry.Kind.OPENING,
                reference="bench:opening", description="Credito iniziale benchmark")
    _token, api_key = api_token_create(holder=holder, name="benchmark", scope=ApiToken.Scope.READ)
    return {"address": ADDRESS, "mailbox_id": login.pk, "cursors": list_cursors(holder), "api_key": api_key}


def addons_create(mailboxes, *, today):
    """A completed 1 GB inbox_extra order and its active add-on on each of ``mailboxes``."""
    inbox = AddonType.objects.get(code="inbox_extra")
    net = inbox.yearly_unit_price_cents
    orders = Order.objects.bulk_create(
        Order(holder_id=mailbox.holder_id, mailbox=mailbox, addon_type=inbox, quantity=1, unit_price_cents=net,
              years=1, net_cents=net, vat_cents=vat_cents(net), gross_cents=net + vat_cents(net),
              ends_on=mailbox.expires_on, status=Order.Status.COMPLETED, completed_at=timezone.now())
        for mailbox in mailboxes
    )
    Addon.objects.bulk_create(
        Addon(mailbox=order.mailbox, addon_type=inbox, order=order, quantity=1, activated_on=today,
              expires_on=order.ends_on)
        for order in orders
    )
    Mailbox.objects.filter(pk__in=[mailbox.pk for mailbox in mailboxes]).update(inbox_extra_gb=1)


def list_cursors(holder):
    """The rows whose ?after= opens the mailbox list in its middle (after its 5,000th row) and on
    its last page, and Esito Operazioni after its 9,975th row, in each list's own order."""
    mailboxes = Mailbox.objects.filter(holder=holder).order_by("expires_on", "id").values_list("id", flat=True)
    operations = Operation.objects.filter(holder=holder).order_by("-created_at", "-id").values_list("id", flat=True)
    return {
        "mailboxes_middle": mailboxes[MAILBOXES // 2 - 1],
        "mailboxes_last": mailboxes[MAILBOXES - PAGE_SIZE - 1],
        "operations_deep": operations[OPERATIONS - PAGE_SIZE - 1],
    }


def analyze():
    # Right after a bulk load the planner has no statistics and the visibility map is empty
    # (autovacuum fills both within a minute or so): estimating 5 rows per holder, PostgreSQL would
    # sort all 10,000 instead of walking the (holder, expires_on, id) index, and visit the table
    # for every index entry; the pages would be measured on plans production never sees, or on
    # whichever autovacuum had reached when the run started.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


if __name__ == "__main__":
    data = main(sys.argv[1])
    analyze()
    print(json.dumps(data))
