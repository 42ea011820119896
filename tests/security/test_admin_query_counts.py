"""Every admin changelist runs the same number of queries with 1 row of its model as with 30
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

from accounts.models import Holder, Operation, User
from addons.models import Addon, AddonType, Order
from audit.models import AuditEntry
from billing.models import LedgerEntry, TopUp
from billing.services import wallet_post
from invoices.services import invoice_issue
from mailboxes.models import Plan, ProvisioningRequest
from renewals.models import ExpiryAlert, RenewalCharge
from tests.factories import make_holder, make_mailbox, make_mailboxes

pytestmark = pytest.mark.django_db

SMALL, LARGE = 1, 30
_n = itertools.count(1)


def _users(count):
    return [User.objects.create_user(f"utente{next(_n)}", password=None) for _ in range(count)]


def _axes(model, count, **extra):
    for _ in range(count):
        model.objects.create(username=f"u{next(_n)}@pec.example.it", ip_address="127.0.0.1", user_agent="test",
                             http_accept="*/*", path_info="/login/", **extra)


def _periodic_tasks(count):
    for _ in range(count):
        i = next(_n)
        PeriodicTask.objects.create(name=f"prova {i}", task="renewals.tasks.run_renewals_task",
                                    interval=IntervalSchedule.objects.create(every=i, period="days"),
                                    crontab=None)


def _orders(count, addon=False):
    holder = make_holder()
    inbox = AddonType.objects.get(code="inbox_extra")
    for mailbox in make_mailboxes(holder, count):
        order = Order.objects.create(holder=holder, mailbox=mailbox, addon_type=inbox, quantity=1, unit_price_cents=250,
                                     years=1, net_cents=250, vat_cents=55, gross_cents=305, ends_on=mailbox.expires_on)
        if addon:
            Addon.objects.create(mailbox=mailbox, addon_type=inbox, order=order, quantity=1,
                                 activated_on=timezone.localdate(), expires_on=mailbox.expires_on)


def _invoices(count):
    # A real fiscal code: the invoice copies it; the second call reuses the same buyer.
    holder = Holder.objects.filter(fiscal_code="RSSMRA80A01H501U").first() or make_holder(fiscal_code="RSSMRA80A01H501U")
    for _ in range(count):
        with transaction.atomic():
            invoice_issue(holder=holder, reference=f"order:{next(_n)}", lines=[{
                "description": "Spazio extra inbox 1 GB, 1 anno", "mailbox_address": "a@pec.example.it",
                "period_start": None, "period_end": None, "quantity": 1, "unit_price_cents": 250, "net_cents": 250,
            }])


def _per_mailbox(count, make):
    holder = make_holder()
    for mailbox in make_mailboxes(holder, count):
        make(holder, mailbox)


def _renewal_charge(holder, mailbox):
    RenewalCharge.objects.create(holder=holder, mailbox=mailbox, period_start=mailbox.expires_on,
                                 period_end=mailbox.expires_on + timedelta(days=365), net_cents=500, vat_cents=110,
                                 gross_cents=610)


def _expiry_alert(holder, mailbox):
    ExpiryAlert.objects.create(holder=holder, mailbox=mailbox, expires_on=mailbox.expires_on, stage=30,
                               sent_at=timezone.now())


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
    "django_celery_beat.SolarSchedule": lambda count: SolarSchedule.objects.bulk_create(
        SolarSchedule(event="sunrise", latitude=Decimal(next(_n) % 90), longitude=Decimal("12.5"))
        for _ in range(count)),
    "django_celery_beat.IntervalSchedule": lambda count: IntervalSchedule.objects.bulk_create(
        IntervalSchedule(every=next(_n), period="hours") for _ in range(count)),
    "accounts.User": _users,
    "accounts.Holder": lambda count: [make_mailbox(make_holder()) for _ in range(count)],
    "accounts.Operation": lambda count: Operation.objects.bulk_create(
        Operation(holder=make_holder(), kind=Operation.Kind.TOPUP, description="Ricarica") for _ in range(count)),
    "mailboxes.Plan": lambda count: Plan.objects.bulk_create(
        Plan(code=f"piano{next(_n)}", name="Piano", inbox_gb=1, yearly_price_cents=500) for _ in range(count)),
    "mailboxes.Mailbox": lambda count: make_mailboxes(make_holder(), count),
    "mailboxes.ProvisioningRequest": lambda count: _per_mailbox(
        count, lambda holder, mailbox: ProvisioningRequest.objects.create(mailbox=mailbox, action="suspend")),
    "billing.Wallet": lambda count: [make_holder(credit_cents=100) for _ in range(count)],
    "billing.LedgerEntry": lambda count: [
        wallet_post(holder_id=make_holder().pk, amount_cents=100, kind=LedgerEntry.Kind.ADJUSTMENT,
                    reference=f"test:{next(_n)}", description="Prova", created_by=_users(1)[0], reason="Prova")
        for _ in range(count)],
    "billing.TopUp": lambda count: TopUp.objects.bulk_create(
        TopUp(holder=make_holder(), amount_cents=1000, idempotency_key=f"k{next(_n)}") for _ in range(count)),
    "addons.AddonType": lambda count: AddonType.objects.bulk_create(
        AddonType(code=f"tipo{next(_n)}", name="Tipo", yearly_unit_price_cents=100, effect="inbox")
        for _ in range(count)),
    "addons.Order": _orders,
    "addons.Addon": lambda count: _orders(count, addon=True),
    "invoices.Invoice": _invoices,
    "renewals.ExpiryAlert": lambda count: _per_mailbox(count, _expiry_alert),
    "renewals.RenewalCharge": lambda count: _per_mailbox(count, _renewal_charge),
    "audit.AuditEntry": _audit_entries,
    "otp_totp.TOTPDevice": lambda count: [TOTPDevice.objects.create(user=user, name="totp") for user in _users(count)],
    "otp_static.StaticDevice": lambda count: [
        StaticDevice.objects.create(user=user, name="codici") for user in _users(count)],
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
def test_the_changelist_runs_the_same_queries_for_1_and_30_rows(staff, label):
    model = next(model for model in admin.site._registry if model._meta.label == label)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    BUILDERS[label](SMALL)
    staff.get(url)  # first request fills per-process caches (content types, permissions)
    small, shown = changelist_queries(staff, url)
    BUILDERS[label](LARGE - SMALL)
    large, shown_large = changelist_queries(staff, url)
    assert shown_large - shown == LARGE - SMALL
    assert large == small, f"{label}: {small} queries with {shown} rows, {large} with {shown_large}"
