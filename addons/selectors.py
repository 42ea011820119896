from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone

from billing.selectors import wallet_balance_cents

from .models import AddonType, Order

# SPEC 3.6: a pending order not paid within 72 hours is cancelled.
PENDING_ORDER_LIFETIME = timedelta(hours=72)


def order_stale_cutoff(*, now=None):
    """A pending order created before this instant is past its 72 hours: it is cancelled, never
    completed, whether the hourly cancellation has reached it or not."""
    return (now or timezone.now()) - PENDING_ORDER_LIFETIME


def addon_types_for_comparison():
    return AddonType.objects.filter(active=True).prefetch_related("plans")


def addon_types_for_plan(*, plan_id):
    """The add-on types on sale for a plan, in catalogue order, as a list: the order page's choices."""
    return list(AddonType.objects.filter(plans=plan_id, active=True).order_by("id"))


def order_shortfall_cents(*, holder_id):
    """What the holder's pending orders lack beyond the current credit, never negative; billing
    asks this so a top-up of exactly the shortfall may go under the usual minimum. An order past
    its 72 hours lacks nothing: it will not be completed."""
    pending = Order.objects.filter(
        holder_id=holder_id, status=Order.Status.PENDING, created_at__gte=order_stale_cutoff()
    ).aggregate(total=Sum("gross_cents"))["total"] or 0
    return max(0, pending - wallet_balance_cents(holder_id=holder_id)) if pending else 0
