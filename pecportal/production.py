"""What production (DEBUG off) refuses to start without.

Every default in settings.py runs the embedded demo, and some of those defaults are public: the
localstripe keys and webhook secret are in this repository, so a production process that kept
them would accept a payment event signed by anyone. A missing proxy count would make the login
lockout and the card-testing limit count the wrong client. So with DEBUG off these must be given
explicitly, and the process stops at start-up naming every one that is missing or unsafe."""

import ipaddress
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

REQUIRED = (
    "SECRET_KEY", "ALLOWED_HOSTS", "TRUSTED_PROXY_COUNT",
    "STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET",
)
LOCALSTRIPE_VALUES = {
    "STRIPE_SECRET_KEY": "sk_test_localstripe",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_localstripe",
    "STRIPE_WEBHOOK_SECRET": "whsec_localstripe",
}


def production_settings_problems(environ):
    """One sentence per setting of ``environ`` that production cannot run with; empty when fine."""
    problems = [f"{name} is not set" for name in REQUIRED if not environ.get(name, "").strip()]
    problems += [f"{name} is localstripe's public test value" for name, value in LOCALSTRIPE_VALUES.items()
                 if environ.get(name, "").strip() == value]
    if _on_this_machine(environ.get("STRIPE_API_BASE", "")):
        problems.append("STRIPE_API_BASE points at this machine (localstripe), not at Stripe")
    return problems


def production_settings_check(environ):
    problems = production_settings_problems(environ)
    if problems:
        raise ImproperlyConfigured(
            "DEBUG is off (production) and the portal will not start: " + "; ".join(problems)
            + ". Set them in the environment or in .env (see .env.example); DEBUG=1 runs the development demo."
        )


def _on_this_machine(url):
    host = urlsplit(url.strip()).hostname
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified
