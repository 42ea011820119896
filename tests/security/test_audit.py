"""Every staff change in the admin that moves money or a mailbox's status leaves an audit entry:
who, when, before, after (issue 9). The trail itself cannot be edited or deleted."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from addons.models import AddonType
from audit.models import AuditEntry
from billing import stripe_gateway
from billing.models import Wallet
from billing.services import topup_create, topup_sync
from invoices.models import Invoice
from invoices.services import invoice_issue
from mailboxes.models import Mailbox, Plan
from tests.factories import make_holder, make_mailbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = User.objects.create_superuser("revisore", "rev@example.it", "Staff-Pass-2026!")
    client.force_login(user, backend="accounts.backends.StaffBackend")
    client.user = user
    return client


def only_entry(action):
    entry = AuditEntry.objects.get()
    assert entry.action == action
    return entry


def assert_recent(entry):
    assert timezone.now() - timedelta(minutes=1) < entry.at <= timezone.now()


def test_a_credit_adjustment_records_who_when_and_the_balance_before_and_after(staff):
    wallet = Wallet.objects.get(holder=make_holder(credit_cents=848))
    response = staff.post(f"/admin/billing/wallet/{wallet.pk}/adjust/", {"amount": "-3,48", "reason": "Doppio addebito"})
    assert response.status_code == 302
    entry = only_entry(AuditEntry.Action.CREDIT_ADJUST)
    assert entry.user == staff.user
    assert_recent(entry)
    assert (entry.object_type, entry.object_id) == ("billing.wallet", str(wallet.pk))
    assert entry.before == {"balance_cents": 848}
    assert entry.after == {"balance_cents": 500, "amount_cents": -348, "reason": "Doppio addebito"}


def test_a_refused_adjustment_records_nothing(staff):
    wallet = Wallet.objects.get(holder=make_holder(credit_cents=848))
    response = staff.post(f"/admin/billing/wallet/{wallet.pk}/adjust/", {"amount": "-10", "reason": "Troppo"})
    assert "Credito insufficiente" in response.content.decode()
    assert not AuditEntry.objects.exists()


def test_a_topup_refund_records_the_refund_and_the_balance(staff, stripe_settings):
    holder = make_holder(credit_cents=300)
    topup = topup_sync(topup=topup_create(holder_id=holder.pk, amount_cents=1000,
                                          test_card=stripe_gateway.TEST_CARD_OK))
    staff.post("/admin/billing/topup/", {"action": "refund", "_selected_action": [topup.pk]})
    entry = only_entry(AuditEntry.Action.TOPUP_REFUND)
    topup.refresh_from_db()
    assert (entry.user, entry.object_type, entry.object_id) == (staff.user, "billing.topup", str(topup.pk))
    assert_recent(entry)
    assert entry.before == {"refunded_at": None, "balance_cents": 1300}
    assert entry.after["balance_cents"] == 300
    assert entry.after["refunded_at"].startswith(topup.refunded_at.isoformat()[:19])


def test_a_credit_note_records_the_invoice_it_reverses(staff):
    holder = make_holder(fiscal_code="RSSMRA80A01H501U")
    with transaction.atomic():
        invoice = invoice_issue(holder=holder, reference="order:1", lines=[{
            "description": "Spazio extra inbox 3 GB, 2 anni", "mailbox_address": "mario.rossi@pec.ording.roma.it",
            "period_start": None, "period_end": None, "quantity": 3, "unit": "GB", "unit_price_cents": 500, "net_cents": 1500,
        }])
    staff.post("/admin/invoices/invoice/", {"action": "issue_credit_note", "_selected_action": [invoice.pk],
                                            "apply": "1", "reason": "Ordine annullato"})
    note = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    entry = only_entry(AuditEntry.Action.CREDIT_NOTE)
    assert (entry.user, entry.object_type, entry.object_id) == (staff.user, "invoices.invoice", str(invoice.pk))
    assert_recent(entry)
    assert entry.before == {"credit_note": None}
    assert entry.after == {"credit_note": note.number, "gross_cents": note.gross_cents, "reason": "Ordine annullato"}


def test_suspending_and_reactivating_a_mailbox_record_the_status_change(staff):
    mailbox = make_mailbox(make_holder())
    staff.post("/admin/mailboxes/mailbox/", {"action": "suspend", "_selected_action": [mailbox.pk]})
    staff.post("/admin/mailboxes/mailbox/", {"action": "reactivate", "_selected_action": [mailbox.pk]})
    suspend, reactivate = AuditEntry.objects.order_by("pk")
    assert (suspend.action, suspend.user, suspend.object_id) == ("mailbox_suspend", staff.user, str(mailbox.pk))
    assert (suspend.before, suspend.after) == ({"status": "certificata"}, {"status": "sospesa"})
    assert (reactivate.action, reactivate.before, reactivate.after) == (
        "mailbox_reactivate", {"status": "sospesa"}, {"status": "certificata"})
    assert suspend.object_repr == mailbox.address


def test_a_refused_status_change_records_nothing(staff):
    mailbox = make_mailbox(make_holder())
    staff.post("/admin/mailboxes/mailbox/", {"action": "reactivate", "_selected_action": [mailbox.pk]})
    assert Mailbox.objects.get(pk=mailbox.pk).status == Mailbox.Status.CERTIFIED
    assert not AuditEntry.objects.exists()


def test_a_catalogue_price_change_records_the_old_and_new_price(staff):
    inbox = AddonType.objects.get(code="inbox_extra")
    data = {"code": "inbox_extra", "name": "Spazio extra inbox", "description": "", "unit": "GB",
            "yearly_unit_price": "2,80", "min_quantity": "1", "max_quantity": "50",
            "plans": [str(p.pk) for p in Plan.objects.all()], "effect": "inbox", "active": "on"}
    assert staff.post(f"/admin/addons/addontype/{inbox.pk}/change/", data).status_code == 302
    entry = only_entry(AuditEntry.Action.ADDON_PRICE)
    assert (entry.user, entry.object_id) == (staff.user, str(inbox.pk))
    assert_recent(entry)
    assert (entry.before, entry.after) == ({"yearly_unit_price_cents": 250}, {"yearly_unit_price_cents": 280})


def test_a_catalogue_edit_that_keeps_the_price_records_nothing(staff):
    inbox = AddonType.objects.get(code="inbox_extra")
    data = {"code": "inbox_extra", "name": "Spazio in più", "description": "", "unit": "GB",
            "yearly_unit_price": "2.50", "min_quantity": "1", "max_quantity": "50",
            "plans": [str(p.pk) for p in Plan.objects.all()], "effect": "inbox", "active": "on"}
    assert staff.post(f"/admin/addons/addontype/{inbox.pk}/change/", data).status_code == 302
    assert AddonType.objects.get(pk=inbox.pk).name == "Spazio in più"
    assert not AuditEntry.objects.exists()


def test_a_plan_price_change_records_the_old_and_new_price(staff):
    plan = Plan.objects.get(code="standard")
    data = {"code": "standard", "name": plan.name, "inbox_gb": "1", "archive_gb": "0", "yearly_price_cents": "600"}
    assert staff.post(f"/admin/mailboxes/plan/{plan.pk}/change/", data).status_code == 302
    entry = only_entry(AuditEntry.Action.PLAN_PRICE)
    assert (entry.user, entry.object_type, entry.object_id) == (staff.user, "mailboxes.plan", str(plan.pk))
    assert (entry.before, entry.after) == ({"yearly_price_cents": 500}, {"yearly_price_cents": 600})


def test_a_new_plan_records_its_price_with_nothing_before(staff):
    data = {"code": "gold", "name": "Gold", "inbox_gb": "5", "archive_gb": "10", "yearly_price_cents": "9000"}
    assert staff.post("/admin/mailboxes/plan/add/", data).status_code == 302
    entry = only_entry(AuditEntry.Action.PLAN_PRICE)
    assert (entry.before, entry.after) == (None, {"yearly_price_cents": 9000})


def test_the_audit_trail_is_shown_but_cannot_be_added_edited_or_deleted(staff):
    plan = Plan.objects.get(code="standard")
    staff.post(f"/admin/mailboxes/plan/{plan.pk}/change/",
               {"code": "standard", "name": plan.name, "inbox_gb": "1", "archive_gb": "0", "yearly_price_cents": "600"})
    entry = AuditEntry.objects.get()
    url = "/admin/audit/auditentry/"
    page = staff.get(url).content.decode()
    assert "revisore" in page and "Prezzo di un piano" in page
    assert staff.get(f"{url}{entry.pk}/change/").status_code == 200
    assert staff.get(f"{url}add/").status_code == 403
    assert staff.post(f"{url}add/", {"action": "plan_price", "object_type": "x", "object_id": "1"}).status_code == 403
    assert staff.post(f"{url}{entry.pk}/change/", {"after": '{"yearly_price_cents": 1}'}).status_code == 403
    assert staff.post(f"{url}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert staff.post(url, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}).status_code in (200, 302)
    entry.refresh_from_db()
    assert entry.after == {"yearly_price_cents": 600} and AuditEntry.objects.count() == 1
