"""Links into the top-up page, for pages and e-mails of every app above billing."""

from django.conf import settings
from django.urls import reverse


def amount_text(cents):
    """What the top-up amount field reads back: "6,10", never a thousands separator."""
    return f"{cents // 100},{cents % 100:02d}"


def topup_url(shortfall_cents=0, *, for_pending_order=False, absolute=False):
    """The top-up page (SPEC 3.4), pre-filled with what the holder lacks, raised to the smallest
    top-up the page accepts: a link that leads to an error helps nobody. A pending order may be
    paid with exactly its shortfall, down to Stripe's minimum; anything else starts at the usual
    minimum. ``absolute`` for e-mails, which are read outside the portal."""
    url = reverse("billing:topup_new")
    if shortfall_cents > 0:
        minimum = settings.TOPUP_SHORTFALL_MIN_CENTS if for_pending_order else settings.TOPUP_MIN_CENTS
        url += f"?amount={amount_text(max(shortfall_cents, minimum))}"
    return settings.PORTAL_BASE_URL.rstrip("/") + url if absolute else url
