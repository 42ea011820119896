"""Every admin changelist runs the same number of queries with 1, 10 and 1,000 rows of its model
(issue 9). The list of models is admin.site's own registry, so a new admin cannot be forgotten."""

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken, Delegate, Holder, Operation, User
from addons.models import Addon, AddonType, Order, OrderLine
from audit.models import AuditEntry
from billing.models import Dispute, LedgerEntry, TopUp, Wallet
from invoices.services import invoice_issue_many
from mailboxes.models import Plan, ProvisioningRequest
from renewals.models import ExpiryAlert, RenewalCharge, RenewalFailure
from tests.factories import BILLING_ADDRESS, make_holder, make_mailboxes

pytestmark = pytest.mark.django_db

# Issue 9: 1, 10 and 1,000 rows. Builders insert in bulk, so 1,000 rows of 30 models stay quick.
ROW_COUNTS = (1, 10, 1000)
_n = itertools.count(1)


def _users(count):
    return User.objects.bulk_create(User(username=f"utente{next(_n)}", password="!") for _ in range(count))


def _holders(count):
    users = _users(count)
    return Holder.objects.bulk_create(
        Holder(user=user, first_name="Mario", last_name=f"Rossi{user.pk}", fiscal_code=f"TSTADM{user.pk:010d}",
               email=f"t{user.pk}@example.it", **BILLING_ADDRESS)
        for user in users
    )


def _wallets(count):
    return Wallet.objects.bulk_create(Wallet(holder=holder, balance_cents=100) for holder in _holders(count))


def _ledger_entries(count):
    staff = _users(1)[0]
    LedgerEntry.objects.bulk_create(
        LedgerEntry(wallet=wallet, kind=LedgerEntry.Kind.ADJUSTMENT, amount_cents=100, balance_after_cents=100,
                    reference=f"test:{next(_n)}", description="Prova", created_by=staff, reason="Prova")
        for wallet in _wallets(count)
    )


def _disputes(count):
    topups = TopUp.objects.bulk_create(
        TopUp(holder=holder, amount_cents=1000, status=TopUp.Status.SUCCEEDED, idempotency_key=f"k{next(_n)}",
              stripe_payment_intent_id=f"pi_{next(_n)}") for holder in _holders(count))
    Dispute.objects.bulk_create(
        Dispute(topup=topup, stripe_dispute_id=f"dp_{next(_n)}", amount_cents=1000, stripe_status="needs_response")
        for topup in topups
    )


def _axes(model, count, **extra):
    model.objects.bulk_create(
        model(username=f"u{next(_n)}@pec.example.it", ip_address="127.0.0.1", user_agent="test", http_accept="*/*",
              path_info="/login/", **extra)
        for _ in range(count)
    )


def _api_tokens(count):
    ApiToken.objects.bulk_create(
        ApiToken(holder=holder, name="Gestionale", prefix=f"p{next(_n)}", key_hash="0" * 64) for holder in _holders(count))


def _delegates(count):
    holder, now = make_holder(), timezone.now()
    Delegate.objects.bulk_create(
        Delegate(holder=holder, user=user, email=f"{user.username}@example.it", role="lettura",
                 token_hash=f"{user.pk:064d}", invited_at=now, token_expires_at=now)
        for user in _users(count))


def _periodic_tasks(count):
    intervals = IntervalSchedule.objects.bulk_create(
        IntervalSchedule(every=next(_n), period="days") for _ in range(count))
    PeriodicTask.objects.bulk_create(
        PeriodicTask(name=f"prova {next(_n)}", task="renewals.tasks.run_renewals_task", interval=interval)
        for interval in intervals
    )


def _orders(count, addon=False):
    holder = make_holder()
    inbox = AddonType.objects.get(code="inbox_extra")
    mailboxes = make_mailboxes(holder, count)
    orders = Order.objects.bulk_create(
        Order(holder=holder, mailbox=mailbox, addon_type=inbox, quantity=1, unit_price_cents=250, years=1,
              net_cents=250, vat_cents=55, gross_cents=305, ends_on=mailbox.expires_on)
        for mailbox in mailboxes
    )
    if addon:
        Addon.objects.bulk_create(
            Addon(mailbox=order.mailbox, addon_type=inbox, order=order, quantity=1,
                  activated_on=timezone.localdate(), expires_on=order.mailbox.expires_on)
            for order in orders
        )


def _order_lines(count):
    holder = make_holder()
    order = Order.objects.create(holder=holder, addon_type=AddonType.objects.get(code="inbox_extra"), quantity=1,
                                 unit_price_cents=250, net_cents=250 * count, vat_cents=55 * count,
                                 gross_cents=305 * count)
    OrderLine.objects.bulk_create(OrderLine(order=order, mailbox=mailbox, years=1, net_cents=250,
                                            ends_on=mailbox.expires_on) for mailbox in make_mailboxes(holder, count))


def _invoices(count):
    # A real fiscal code: the invoice copies it; later calls reuse the same buyer.
    holder = Holder.objects.filter(fiscal_code="RSSMRA80A01H501U").first() or make_holder(fiscal_code="RSSMRA80A01H501U")
    line = {"description": "Spazio extra inbox 1 GB, 1 anno", "mailbox_address": "a@pec.example.it",
            "quantity": 1, "unit": "GB", "unit_price_cents": 250, "net_cents": 250}
    with transaction.atomic():
        invoice_issue_many(items=[(holder, f"order:{next(_n)}", [line]) for _ in range(count)],
                           issued_on=timezone.localdate())


def _per_mailbox(count, model, make):
    holder = make_holder()
    model.objects.bulk_create(make(holder, mailbox) for mailbox in make_mailboxes(holder, count))


def _renewal_charge(holder, mailbox):
    return RenewalCharge(holder=holder, mailbox=mailbox, period_start=mailbox.expires_on,
                         period_end=mailbox.expires_on + timedelta(days=365), net_cents=500, vat_cents=110,
                         gross_cents=610)


def _expiry_alert(holder, mailbox):
    return ExpiryAlert(holder=holder, mailbox=mailbox, expires_on=mailbox.expires_on, stage=30, sent_at=timezone.now())


def _renewal_failure(holder, mailbox):
    return RenewalFailure(mailbox=mailbox, first_failed_on=mailbox.expires_on, last_failed_on=mailbox.expires_on,
                          reason="PlatformRefused: piattaforma non raggiungibile")


def _audit_entries(count):
    staff, plan = _users(1)[0], Plan.objects.get(code="standard")
    AuditEntry.objects.bulk_create(
        AuditEntry(user=staff, action=AuditEntry.Action.PLAN_PRICE, object_type="mailboxes.plan", object_id=plan.pk,
                   object_repr=str(plan), before={"yearly_price_cents": i}, after={"yearly_price_cents": i + 1})
        for i in range(count)
    )


# How to add ``count`` rows of each registered model.
BUILDERS = {
    "auth.Group": lambda count: Group.objects.bulk_create(Group(name=f"gruppo {next(_n)}") for _ in range(count)),
    "axes.AccessAttempt": lambda count: _axes(AccessAttempt, count, get_data="", post_data="", failures_since_start=1),
    "axes.AccessLog": lambda count: _axes(AccessLog, count),
    "axes.AccessFailureLog": lambda count: _axes(AccessFailureLog, count),
    "django_celery_beat.PeriodicTask": _periodic_tasks,
    "django_celery_beat.ClockedSchedule": lambda count: ClockedSchedule.objects.bulk_create(
        ClockedSchedule(clocked_time=timezone.now() + timedelta(hours=next(_n))) for _ in range(count)),
    "django_celery_beat.CrontabSchedule": lambda count: CrontabSchedule.objects.bulk_create(
        CrontabSchedule(minute=str(next(_n) % 60), hour=str(next(_n) % 24)) for _ in range(count)),
    # (event, latitude, longitude) is unique: a thousandth of a degree apart.
    "django_celery_beat.SolarSchedule": lambda count: SolarSchedule.objects.bulk_create(
        SolarSchedule(event="sunrise", latitude=Decimal(next(_n)) / 1000, longitude=Decimal("12.5"))
        for _ in range(count)),
    "django_celery_beat.IntervalSchedule": lambda count: IntervalSchedule.objects.bulk_create(
        IntervalSchedule(every=next(_n), period="hours") for _ in range(count)),
    "accounts.User": _users,
    "accounts.Holder": _holders,
    "accounts.ApiToken": _api_tokens,
    "accounts.Delegate": _delegates,
    "accounts.Operation": lambda count: Operation.objects.bulk_create(
        Operation(holder=holder, kind=Operation.Kind.TOPUP, description="Ricarica") for holder in _holders(count)),
    "mailboxes.Plan": lambda count: Plan.objects.bulk_create(
        Plan(code=f"piano{next(_n)}", name="Piano", inbox_gb=1, yearly_price_cents=500) for _ in range(count)),
    "mailboxes.Mailbox": lambda count: make_mailboxes(make_holder(), count),
    "mailboxes.ProvisioningRequest": lambda count: _per_mailbox(
        count, ProvisioningRequest, lambda holder, mailbox: ProvisioningRequest(mailbox=mailbox, action="suspend")),
    "billing.Wallet": _wallets,
    "billing.LedgerEntry": _ledger_entries,
    "billing.TopUp": lambda count: TopUp.objects.bulk_create(
        TopUp(holder=holder, amount_cents=1000, idempotency_key=f"k{next(_n)}") for holder in _holders(count)),
    "billing.Dispute": _disputes,
    "addons.AddonType": lambda count: AddonType.objects.bulk_create(
        AddonType(code=f"tipo{next(_n)}", name="Tipo", yearly_unit_price_cents=100, effect="inbox")
        for _ in range(count)),
    "addons.Order": _orders,
    "addons.Addon": lambda count: _orders(count, addon=True),
    "addons.OrderLine": _order_lines,
    "invoices.Invoice": _invoices,
    "renewals.ExpiryAlert": lambda count: _per_mailbox(count, ExpiryAlert, _expiry_alert),
    "renewals.RenewalCharge": lambda count: _per_mailbox(count, RenewalCharge, _renewal_charge),
    "renewals.RenewalFailure": lambda count: _per_mailbox(count, RenewalFailure, _renewal_failure),
    "audit.AuditEntry": _audit_entries,
    "otp_totp.TOTPDevice": lambda count: TOTPDevice.objects.bulk_create(
        TOTPDevice(user=user, name="totp") for user in _users(count)),
    "otp_static.StaticDevice": lambda count: StaticDevice.objects.bulk_create(
        StaticDevice(user=user, name="codici") for user in _users(count)),
}


def test_every_registered_admin_has_a_builder():
    assert {model._meta.label for model in admin.site._registry} == set(BUILDERS)


@pytest.fixture
def staff(client):
    user = User.objects.create_superuser("contatore", "c@example.it", "Staff-Pass-2026!")
    client.force_login(user, backend="accounts.backends.StaffBackend")
    return client


def changelist_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.context["cl"].result_count


@pytest.mark.parametrize("label", sorted(BUILDERS))
def test_the_changelist_runs_the_same_queries_for_1_10_and_1000_rows(staff, label):
    model = next(model for model in admin.site._registry if model._meta.label == label)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    built = ROW_COUNTS[0]
    BUILDERS[label](built)
    staff.get(url)  # first request fills per-process caches (content types, permissions)
    counts = []
    for rows in ROW_COUNTS:
        if rows > built:
            BUILDERS[label](rows - built)
            built = rows
        counts.append(changelist_queries(staff, url))
    shown = [rows_shown - counts[0][1] for _queries, rows_shown in counts]
    assert shown == [rows - ROW_COUNTS[0] for rows in ROW_COUNTS]
    assert len({queries for queries, _rows_shown in counts}) == 1, f"{label}: (queries, rows) = {counts}"
