"""Content-Security-Policy: the strict policy in settings everywhere, widened for Stripe only on
the top-up pages, so a script injected anywhere else can never reach Stripe or load its code."""

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware
from django.conf import settings

STRIPE_ORIGINS = {
    "script-src": ["https://js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}


def stripe_sources():
    """The directives the card form needs; with a local Stripe stand-in (localstripe), its
    origin serves the script and answers the API, so it replaces Stripe's."""
    base = settings.STRIPE_API_BASE
    if not base:
        return STRIPE_ORIGINS
    parts = urlsplit(base)
    origin = f"{parts.scheme}://{parts.netloc}"
    return {directive: [origin] for directive in STRIPE_ORIGINS}


class PortalCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if request.path_info.startswith(tuple(settings.CSP_STRIPE_PATH_PREFIXES)):
            parts.update = {**stripe_sources(), **(parts.update or {})}
        return parts
