"""The login limit per client address, beside axes' lockout of one address from one client.

axes locks (address, client) after 5 failures, so on its own one client may try 4 passwords on
every address it knows, for ever. Here a client that failed LOGIN_CLIENT_FAILURE_LIMIT times,
whatever the addresses, is refused for LOGIN_CLIENT_FAILURE_WINDOW. Only that client: the holder
still logs in from anywhere else, so an attacker cannot lock a holder out by failing on purpose."""

import logging

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.client_ip import client_ip
from core.ratelimit import CounterUnavailable, failure_record, failures

logger = logging.getLogger(__name__)

CLIENT_LOCKED_MESSAGE = _(
    "Troppi tentativi di accesso non riusciti da questa connessione. Riprova tra 15 minuti."
)


def _key(request):
    return f"login:client:{client_ip(request)}"


def login_client_refused(request):
    """True while this client is over the limit. With the cache down the login stays open (axes'
    lockout per address and client, kept in PostgreSQL, still applies)."""
    try:
        return failures(_key(request)) >= settings.LOGIN_CLIENT_FAILURE_LIMIT
    except CounterUnavailable:
        logger.warning("login limit per client unavailable: letting %s try", client_ip(request))
        return False


def login_client_failure_record(request):
    try:
        failure_record(_key(request), limit=settings.LOGIN_CLIENT_FAILURE_LIMIT,
                       window_seconds=int(settings.LOGIN_CLIENT_FAILURE_WINDOW.total_seconds()))
    except CounterUnavailable:
        pass  # already logged by the counter; the failure still goes to axes
