"""Links into the top-up page, for pages and e-mails of every app above billing."""

from django.conf import settings
from django.urls import reverse


def amount_text(cents):
    """What the top-up amount field reads back: "6,10", never a thousands separator."""
    return f"{cents // 100},{cents % 100:02d}"


def topup_amount_cents(shortfall_cents, *, for_pending_order=False):
    """The smallest top-up that covers ``shortfall_cents`` and that the top-up page accepts: a
    pending order may be paid with exactly its shortfall, down to Stripe's minimum; anything else
    starts at the usual minimum (SPEC 3.4)."""
    minimum = settings.TOPUP_SHORTFALL_MIN_CENTS if for_pending_order else settings.TOPUP_MIN_CENTS
    return max(shortfall_cents, minimum)


def topup_url(shortfall_cents=0, *, for_pending_order=False, absolute=False):
    """The top-up page, pre-filled with what the holder lacks raised to topup_amount_cents: a link
    that leads to an error helps nobody. ``absolute`` for e-mails, which are read outside the
    portal."""
    url = reverse("billing:topup_new")
    if shortfall_cents > 0:
        url += f"?amount={amount_text(topup_amount_cents(shortfall_cents, for_pending_order=for_pending_order))}"
    return settings.PORTAL_BASE_URL.rstrip("/") + url if absolute else url
