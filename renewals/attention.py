"""What the dashboard asks a holder to act on about its mailboxes (docs/renewals.md, "Dashboard"):
those expiring within ATTENTION_DAYS and how many of them will not renew, those expired but still
renewable in the grace period, and the add-ons switched off lately. Read on the first dashboard
after a change and then kept beside the forecast (renewals.forecast_cache), since every column it
reads is one the forecast's change count follows."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Min, Q

from addons.models import Addon
from mailboxes.models import Mailbox

from .selectors import grace_period

# As far ahead as the first expiry alert (SPEC 3.7).
ATTENTION_DAYS = 90
ADDONS_OFF_DAYS = 30
IN_GRACE_SHOWN = 3


@dataclass(frozen=True)
class MailboxAttention:
    expiring: int  # certificata, expiring within ATTENTION_DAYS (or due tonight)
    not_renewing: int  # of those, with auto-renew off or cancelled
    first_expiry: date | None
    in_grace: int  # scaduta and still renewable
    in_grace_first: tuple  # (mailbox id, address, expires_on) of the first IN_GRACE_SHOWN, by expiry
    addons_off: int  # add-ons deactivated within ADDONS_OFF_DAYS

    @property
    def anything(self):
        return bool(self.expiring or self.in_grace or self.addons_off)


def mailbox_attention(*, holder_id, today):
    """Three queries whatever the number of mailboxes: the holder's rows in the expiry range of
    the (holder, expires_on) index, the first of those in grace, the add-ons switched off."""
    expiring = Q(status=Mailbox.Status.CERTIFIED, expires_on__lte=today + timedelta(days=ATTENTION_DAYS))
    in_grace = Q(status=Mailbox.Status.EXPIRED, expires_on__gte=today - grace_period())
    mailboxes = Mailbox.objects.filter(holder_id=holder_id)
    facts = mailboxes.filter(expiring | in_grace).aggregate(
        expiring=Count("pk", filter=expiring),
        not_renewing=Count("pk", filter=expiring & (Q(auto_renew=False) | Q(cancelled_on__isnull=False))),
        first_expiry=Min("expires_on", filter=expiring),
        in_grace=Count("pk", filter=in_grace),
    )
    in_grace_first = mailboxes.filter(in_grace).order_by("expires_on", "pk").values_list(
        "pk", "address", "expires_on")[:IN_GRACE_SHOWN]
    addons_off = Addon.objects.filter(
        mailbox__holder_id=holder_id, status=Addon.Status.DEACTIVATED,
        deactivated_on__gte=today - timedelta(days=ADDONS_OFF_DAYS),
    ).count()
    return MailboxAttention(**facts, in_grace_first=tuple(in_grace_first), addons_off=addons_off)
