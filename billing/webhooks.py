"""What each Stripe event does; the view only verifies the signature and answers."""

import logging

from .services import topup_cancel, topup_fail, topup_fulfil

logger = logging.getLogger(__name__)


def webhook_handle(*, event_type, intent):
    """Apply one verified event. Every call is idempotent: Stripe may repeat or reorder events."""
    if intent is None:
        return
    if event_type == "payment_intent.succeeded" and intent.status == "succeeded":
        topup_fulfil(intent=intent)
    elif event_type == "payment_intent.payment_failed":
        topup_fail(intent=intent)
    elif event_type == "payment_intent.canceled":
        topup_cancel(intent=intent)
    else:
        logger.info("Stripe event %s for %s ignored", event_type, intent.id)
