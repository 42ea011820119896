from django.db.models import Sum
from django.shortcuts import get_object_or_404

from billing.selectors import wallet_balance_cents
from mailboxes.models import Mailbox

from .models import AddonType, Order


def addon_types_for_comparison():
    return AddonType.objects.filter(active=True).prefetch_related("plans")


def addon_types_for_plan(*, plan_id):
    return AddonType.objects.filter(active=True, plans__id=plan_id).order_by("id")


def mailbox_for_order_get(*, holder, mailbox_id):
    """The holder's own mailbox or 404: another holder's mailbox does not exist for them."""
    return get_object_or_404(Mailbox.objects.select_related("plan"), pk=mailbox_id, holder=holder)


def order_shortfall_cents(*, holder_id):
    """What the holder's pending orders lack beyond the current credit, never negative; billing
    asks this so a top-up of exactly the shortfall may go under the usual minimum."""
    pending = Order.objects.filter(holder_id=holder_id, status=Order.Status.PENDING).aggregate(
        total=Sum("gross_cents")
    )["total"] or 0
    return max(0, pending - wallet_balance_cents(holder_id=holder_id)) if pending else 0
