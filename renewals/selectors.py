from datetime import timedelta

from django.conf import settings
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

from addons.models import Addon
from billing.models import Wallet
from mailboxes.models import Mailbox

from .models import ExpiryAlert
from .pricing import renewal_quote

# SPEC 3.7: "Rinnova ora" opens 90 days before expiry, like the first alert.
MANUAL_RENEWAL_DAYS = 90


def alert_stages():
    return sorted(getattr(settings, "EXPIRY_ALERT_STAGES", [90, 60, 30, 15, 7, 1]))


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


def renewal_due_batch(*, on_date, after_id, limit):
    """The next ``limit`` due mailboxes by id, as (id, holder_id): ids only, so a run's memory
    stays flat; each one is claimed, locked and re-checked in its own transaction."""
    return list(
        Mailbox.objects.filter(renewal_due_q(on_date), pk__gt=after_id)
        .order_by("pk").values_list("pk", "holder_id")[:limit]
    )


def addons_active(*, mailbox_id):
    """A mailbox's active add-ons in order of activation, the order they renew in (SPEC 3.7)."""
    return (
        Addon.objects.filter(mailbox_id=mailbox_id, status=Addon.Status.ACTIVE)
        .select_related("addon_type").order_by("activated_on", "pk")
    )


def _active_addons_prefetch():
    return Prefetch(
        "addons",
        queryset=Addon.objects.filter(status=Addon.Status.ACTIVE).select_related("addon_type").order_by("activated_on", "pk"),
        to_attr="active_addons",
    )


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
            expires_on__gte=on_date,
            expires_on__lte=on_date + timedelta(days=alert_stages()[-1]),
        )
        .annotate(stage=alert_stage_expression(on_date))
        .filter(~Exists(already_sent))
    )


def alert_pending_stream(*, on_date):
    """(holder_id, mailbox_id) of every pending alert, holder by holder, read with a server-side
    cursor so the scan's memory does not grow with the number of mailboxes."""
    return (
        alert_pending(on_date=on_date).order_by("holder_id", "pk")
        .values_list("holder_id", "pk").iterator(chunk_size=5000)
    )


def alert_pending_for_holders(*, on_date, holder_ids):
    """What each of these holders' e-mails lists, re-read under their lock: the mailboxes with
    plan, stage and active add-ons."""
    return (
        alert_pending(on_date=on_date).filter(holder_id__in=holder_ids)
        .select_related("plan").prefetch_related(_active_addons_prefetch()).order_by("holder_id", "expires_on", "pk")
    )


def alert_mailboxes_for_resend(*, alert_ids):
    return (
        ExpiryAlert.objects.filter(pk__in=alert_ids)
        .select_related("holder", "mailbox__plan")
        .prefetch_related(Prefetch("mailbox__addons", queryset=Addon.objects.filter(status=Addon.Status.ACTIVE)
                                   .select_related("addon_type").order_by("activated_on", "pk"), to_attr="active_addons"))
        .order_by("holder_id", "expires_on", "pk")
    )


def wallet_balances(*, holder_ids):
    balances = dict(Wallet.objects.filter(holder_id__in=holder_ids).values_list("holder_id", "balance_cents"))
    return {holder_id: balances.get(holder_id, 0) for holder_id in holder_ids}


def renewal_window_open(*, mailbox, today):
    """"Rinnova ora" (SPEC 3.7): from 90 days before expiry, and during the grace period."""
    if mailbox.status == Mailbox.Status.CERTIFIED:
        return (mailbox.expires_on - today).days <= MANUAL_RENEWAL_DAYS
    if mailbox.status == Mailbox.Status.EXPIRED:
        return today - mailbox.expires_on <= grace_period()
    return False


def mailbox_renewal_block(*, mailbox, today):
    """Everything the mailbox page's renewal block shows, in three queries whatever the data."""
    addons = list(addons_active(mailbox_id=mailbox.pk))
    quote = renewal_quote(mailbox=mailbox, addons=addons)
    balance = wallet_balances(holder_ids=[mailbox.holder_id])[mailbox.holder_id]
    return {
        "quote": quote,
        "balance_cents": balance,
        "shortfall_cents": max(0, quote.total_gross_cents - balance),
        "window_open": renewal_window_open(mailbox=mailbox, today=today),
        "can_switch_auto_renew": mailbox.status in (Mailbox.Status.CERTIFIED, Mailbox.Status.EXPIRED),
    }
