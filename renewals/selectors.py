import os
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Value,
    When,
)

from addons.models import Addon, AddonType
from billing.models import Wallet
from billing.selectors import holder_balance_cents, holder_shortfall_cents
from mailboxes.models import Mailbox, Plan
from mailboxes.selectors import mailbox_get_for_holder

from .cancellation import mailbox_cancelled
from .models import ExpiryAlert
from .pricing import renewal_quote

# SPEC 3.7: "Rinnova ora" opens 90 days before expiry, like the first alert.
MANUAL_RENEWAL_DAYS = 90


def alert_stages():
    return sorted(getattr(settings, "EXPIRY_ALERT_STAGES", [90, 60, 30, 15, 7, 1]))


def nightly_workers():
    """How many processes each nightly job runs in: one per core unless settings.NIGHTLY_WORKERS
    says otherwise."""
    return settings.NIGHTLY_WORKERS or os.cpu_count() or 1


def grace_period():
    return timedelta(days=settings.GRACE_PERIOD_DAYS)


def renewal_due_q(on_date):
    """Mailboxes the night of ``on_date`` has work for (SPEC 3.7): certified and come to expiry;
    expired with auto-renew inside the grace period (retried from the next night on); expired
    beyond it (terminate).
    Every branch is (status, expires_on) range, served by the Mailbox (status, expires_on) index."""
    grace_start = on_date - grace_period()
    return (
        Q(status=Mailbox.Status.CERTIFIED, expires_on__lte=on_date)
        # Not one that expired this very night: another worker would only retry it in vain.
        | (Q(status=Mailbox.Status.EXPIRED, auto_renew=True, expires_on__lte=on_date, expires_on__gte=grace_start)
           & ~Q(status_changed_on=on_date))
        | Q(status=Mailbox.Status.EXPIRED, expires_on__lt=grace_start)
    )


def renewal_due_count(*, on_date):
    return Mailbox.objects.filter(renewal_due_q(on_date)).count()


def holders_with_due_mailboxes_before(*, on_date, holder_ids, before_id, except_ids):
    """Those of ``holder_ids`` with a due mailbox of id below ``before_id`` other than ``except_ids``:
    one that another worker holds or has left due, which the holder's credit must reach first."""
    return set(
        Mailbox.objects.filter(renewal_due_q(on_date), holder_id__in=holder_ids, pk__lt=before_id)
        .exclude(pk__in=except_ids).values_list("holder_id", flat=True).distinct()
    )


def holders_with_certified_due(*, on_date):
    """Holders with a certified mailbox come to expiry on ``on_date`` that the night has not failed on.
    After a part's batches these are the holders of mailboxes SKIP LOCKED passed over: held by the
    holder's own transaction at that instant (an order, "Rinnova ora") or by another part right now.
    The rows are read FOR UPDATE, in id order as every locker of mailboxes takes them: the read
    waits for whoever holds one and, once that transaction ends, leaves out what it renewed. So
    another part's batch in flight costs one wait, not a holder-by-holder pass over its 500
    mailboxes."""
    with transaction.atomic():
        return set(
            Mailbox.objects.select_for_update(of=("self",))
            .filter(status=Mailbox.Status.CERTIFIED, expires_on__lte=on_date)
            .exclude(renewal_failure__last_failed_on=on_date).order_by("pk").values_list("holder_id", flat=True)
        )


def _addons_active():
    """Active add-ons with their types, in order of activation: the order they renew in (SPEC 3.7)."""
    return Addon.objects.filter(status=Addon.Status.ACTIVE).select_related("addon_type").order_by("activated_on", "pk")


def addons_active(*, mailbox_id):
    """A mailbox's active add-ons, in the order they renew in."""
    return _addons_active().filter(mailbox_id=mailbox_id)


def addons_active_of(mailboxes):
    """The active add-ons of the mailboxes of the queryset ``mailboxes``, in the order they renew
    in: one query, the mailboxes' as a subquery."""
    return _addons_active().filter(mailbox__in=mailboxes)


def addons_active_by_mailbox(*, mailbox_ids):
    """addons_active for many mailboxes in one query: {mailbox_id: [add-on, ...]}."""
    by_mailbox = {}
    for addon in _addons_active().filter(mailbox_id__in=mailbox_ids):
        by_mailbox.setdefault(addon.mailbox_id, []).append(addon)
    return by_mailbox


def alert_stage_expression(on_date):
    """The smallest stage s with E − D ≤ s, as SQL over expires_on (SPEC 3.7)."""
    return Case(
        *[When(expires_on__lte=on_date + timedelta(days=stage), then=Value(stage)) for stage in alert_stages()],
        output_field=IntegerField(),
    )


def alert_pending(*, on_date):
    """Certified mailboxes at a stage not yet mailed for their current expiry date: E − D between 0
    and the largest stage, and no alert of that stage or a later (smaller) one. The day of expiry
    itself (E = D) counts as the last stage: the night's renewal has not reached the mailbox yet."""
    already_sent = ExpiryAlert.objects.filter(
        mailbox_id=OuterRef("pk"), expires_on=OuterRef("expires_on"), stage__lte=OuterRef("stage")
    )
    return (
        Mailbox.objects.filter(
            status=Mailbox.Status.CERTIFIED,
            cancelled_on__isnull=True,  # disdetta: it ceases at expiry, there is nothing to renew
            expires_on__gte=on_date,
            expires_on__lte=on_date + timedelta(days=alert_stages()[-1]),
        )
        .annotate(stage=alert_stage_expression(on_date))
        .filter(~Exists(already_sent))
    )


def alert_pending_stream(*, on_date):
    """(holder_id, mailbox_id) of every pending alert, holder by holder, read with a server-side
    cursor so the scan's memory does not grow with the number of mailboxes."""
    return (alert_pending(on_date=on_date).order_by("holder_id", "pk").values_list("holder_id", "pk")
            .iterator(chunk_size=5000))


@dataclass(frozen=True, slots=True)
class AlertedMailbox:
    """What an alert e-mail shows of a mailbox (expiry_alert_message reads a Mailbox the same way)."""

    pk: int
    holder_id: int
    address: str
    expires_on: date
    auto_renew: bool
    stage: int
    plan: Plan
    active_addons: list


def alert_pending_rows(*, on_date, holder_ids):
    return (
        alert_pending(on_date=on_date).filter(holder_id__in=holder_ids).order_by("holder_id", "expires_on", "pk")
        .values_list("pk", "holder_id", "address", "expires_on", "auto_renew", "stage", "plan_id")
    )


def alert_pending_for_holders(*, on_date, holder_ids):
    """What each of these holders' e-mails lists, re-read under their lock: the mailboxes with
    plan, stage and active add-ons, holder by holder. Plain rows rather than Mailbox instances: a
    first scan of a large import reads a quarter of a million of them, and building model
    instances with select_related and prefetch_related took a sixth of the run's CPU."""
    rows = list(alert_pending_rows(on_date=on_date, holder_ids=holder_ids))
    plans = Plan.objects.in_bulk({row[-1] for row in rows})
    addons = addons_active_by_mailbox(mailbox_ids=[row[0] for row in rows])
    return [AlertedMailbox(*row[:-1], plan=plans[row[-1]], active_addons=addons.get(row[0], [])) for row in rows]


def alert_mailboxes_for_resend(*, alert_ids):
    return (
        ExpiryAlert.objects.filter(pk__in=alert_ids)
        .select_related("holder", "mailbox__plan")
        .prefetch_related(Prefetch("mailbox__addons", queryset=_addons_active(), to_attr="active_addons"))
        .order_by("holder_id", "expires_on", "pk")
    )


def wallet_figures(*, holder_ids):
    """{holder_id: (balance_cents, debt_cents)} for each of ``holder_ids``, (0, 0) without a wallet."""
    figures = {holder_id: (balance, debt) for holder_id, balance, debt in
               Wallet.objects.filter(holder_id__in=holder_ids).values_list("holder_id", "balance_cents", "debt_cents")}
    return {holder_id: figures.get(holder_id, (0, 0)) for holder_id in holder_ids}


def renewal_window_open(*, mailbox, today):
    """"Rinnova ora" (SPEC 3.7): from 90 days before expiry, and during the grace period."""
    if mailbox.status == Mailbox.Status.CERTIFIED:
        return (mailbox.expires_on - today).days <= MANUAL_RENEWAL_DAYS
    if mailbox.status == Mailbox.Status.EXPIRED:
        return today - mailbox.expires_on <= grace_period()
    return False


def mailbox_page_get(*, holder, mailbox_id):
    """The mailbox page (scheda casella, SPEC 3.2): one of the holder's mailboxes with its plan, or
    404, and all its add-ons in order of activation with their types."""
    mailbox = mailbox_get_for_holder(holder=holder, mailbox_id=mailbox_id)
    with connection.cursor() as cursor:
        cursor.execute(_ADDONS_WITH_TYPES, [mailbox.pk])
        rows = cursor.fetchall()
    addons = []
    for row in rows:
        addon = Addon.from_db(connection.alias, _ADDON_FIELDS, row[:len(_ADDON_FIELDS)])
        addon.addon_type = AddonType.from_db(connection.alias, _ADDON_TYPE_FIELDS, row[len(_ADDON_FIELDS):])
        addon.mailbox = mailbox
        addons.append(addon)
    return mailbox, addons


# The mailbox page's add-ons, written out as its mailbox is (mailboxes.selectors): the ORM took
# 0.6 ms of CPU to build this join. Each model's columns in its field order (Model.from_db).
_ADDONS_WITH_TYPES = """
    SELECT a.id, a.mailbox_id, a.addon_type_id, a.order_id, a.quantity, a.activated_on, a.expires_on,
           a.status, a.deactivated_on, a.cancelled_on,
           t.id, t.code, t.name, t.description, t.unit, t.yearly_unit_price_cents, t.min_quantity,
           t.max_quantity, t.effect, t.active
      FROM addons_addon a
      JOIN addons_addontype t ON t.id = a.addon_type_id
     WHERE a.mailbox_id = %s
     ORDER BY a.activated_on, a.id
"""
_ADDON_FIELDS = ("id", "mailbox_id", "addon_type_id", "order_id", "quantity", "activated_on", "expires_on", "status",
                 "deactivated_on", "cancelled_on")
_ADDON_TYPE_FIELDS = ("id", "code", "name", "description", "unit", "yearly_unit_price_cents", "min_quantity",
                      "max_quantity", "effect", "active")


def addon_of_mailbox(*, mailbox, addon_id):
    """The mailbox's add-on ``addon_id`` with its type, as a queryset (empty if it is not this
    mailbox's)."""
    return Addon.objects.select_related("addon_type").filter(pk=addon_id, mailbox=mailbox)


def mailbox_renewal_block(*, mailbox, addons, today):
    """Everything the mailbox page's renewal block shows, from the page's own reads (``addons``: all
    the mailbox's add-ons) and the wallet the menu has loaded: no query of its own."""
    active = [addon for addon in addons if addon.status == Addon.Status.ACTIVE]
    quote = renewal_quote(mailbox=mailbox, addons=active)
    balance = holder_balance_cents(mailbox.holder)
    return {
        "cancelled": mailbox_cancelled(mailbox),
        "can_cancel": mailbox.status == Mailbox.Status.CERTIFIED,
        "active_addons": active,
        "quote": quote,
        "balance_cents": balance,
        "shortfall_cents": holder_shortfall_cents(mailbox.holder, quote.total_gross_cents),
        "window_open": renewal_window_open(mailbox=mailbox, today=today),
        "can_switch_auto_renew": mailbox.status in (Mailbox.Status.CERTIFIED, Mailbox.Status.EXPIRED),
    }
