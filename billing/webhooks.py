"""What each Stripe event does; the view only verifies the signature and answers.

Nothing of an event's body is believed but its type and its object's id: each handler retrieves
the object from Stripe and applies what Stripe says now. Every handler is idempotent and
independent of order, because Stripe repeats and reorders events."""

import logging

from . import stripe_gateway
from .disputes import dispute_sync
from .refunds import topup_refund_sync
from .services import topup_sync_from_stripe

logger = logging.getLogger(__name__)



def _intent(object_id):
    topup_sync_from_stripe(payment_intent_id=object_id)


def _charge(object_id):
    topup_refund_sync(charge_id=object_id)


def _dispute(object_id):
    dispute_sync(dispute_id=object_id)


# type -> (the object type such an event carries, the handler given that object's id)
_HANDLERS = {
    "payment_intent.succeeded": ("payment_intent", _intent),
    "payment_intent.payment_failed": ("payment_intent", _intent),
    "payment_intent.canceled": ("payment_intent", _intent),
    "charge.refunded": ("charge", _charge),
    "charge.dispute.created": ("dispute", _dispute),
    "charge.dispute.closed": ("dispute", _dispute),
}

# The events to enable on the Stripe endpoint (README, docs/billing.md).
EVENT_TYPES = sorted(_HANDLERS)


class StripeUnavailable(Exception):
    """Stripe could not be asked about the event's object: Stripe should deliver it again later."""


def webhook_handle(*, event):
    """Apply one verified stripe_gateway.WebhookEvent; StripeUnavailable when Stripe cannot be asked."""
    object_type, handler = _HANDLERS.get(event.type, (None, None))
    if handler is None or event.object_type != object_type:
        logger.info("Stripe event %s for %s ignored", event.type, event.object_id)
        return
    try:
        handler(event.object_id)
    except stripe_gateway.NotFound:
        logger.warning("Stripe event %s names %s, which Stripe does not know: ignored", event.type, event.object_id)
    except stripe_gateway.PaymentError as exc:
        raise StripeUnavailable(event.object_id) from exc
