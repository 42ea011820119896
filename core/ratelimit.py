"""Fixed-window counters on the shared cache (Redis in production), so every gunicorn worker
sees the same count.

The first use is the top-up page: each PaymentIntent is one more try of a card, and a stolen
card list is tested exactly that way, so attempts are capped per holder and per client address.
Failure counters (``failures``, ``failure_record``) cap wrong passwords: at the login per client
address (mailboxes.login_limit) and on the mailbox password form (mailboxes.passwords).

When the cache is down every counter logs a warning and fails one way, chosen per use (README
"Production"): a limit whose refusal would stop every holder (``allow``, the login limit) lets
the request through, since PostgreSQL still keeps axes' lockout and Stripe its fraud checks; the
password form, which nothing else guards, is refused until the cache is back. ``failures`` and
``failure_record`` raise ``CounterUnavailable`` so that each caller states its direction."""

import functools
import logging
import time

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from .client_ip import client_ip

logger = logging.getLogger(__name__)

TOPUP_LIMIT_MESSAGE = _(
    "Hai fatto troppi tentativi di ricarica nell'ultima ora. Per proteggere le carte di pagamento "
    "riprova più tardi o contatta l'assistenza."
)


def allow(key, limit, window_seconds):
    """Counts one attempt for ``key`` and says whether it is within ``limit`` for the current window."""
    window = int(time.time() // window_seconds)
    bucket = f"ratelimit:{key}:{window}"
    try:
        # add() is a no-op when the counter exists; incr() is Redis INCR, atomic across workers.
        # The key outlives its window, so it never expires between the two calls while in use.
        cache.add(bucket, 0, timeout=2 * window_seconds)
        count = cache.incr(bucket)
    except Exception:  # a cache outage must not take payments down with it
        logger.warning("rate limiter unavailable, letting %s through", key, exc_info=True)
        return True
    return count <= limit


class CounterUnavailable(Exception):
    """The cache that keeps the failure counters cannot be reached."""


def _failure_bucket(key):
    return f"failures:{key}"


def failures(key):
    """How many failures ``key`` has within its window (see ``failure_record``)."""
    try:
        return cache.get(_failure_bucket(key), 0)
    except Exception as exc:
        logger.warning("failure counter %s unavailable", key, exc_info=True)
        raise CounterUnavailable(key) from exc


def failure_record(key, *, limit, window_seconds):
    """Counts one failure for ``key``. The count lasts ``window_seconds`` from the first failure;
    the one that reaches ``limit`` starts a full window again, so the refusal that follows lasts
    the whole window whenever in it the limit was reached."""
    bucket = _failure_bucket(key)
    try:
        cache.add(bucket, 0, timeout=window_seconds)
        try:
            count = cache.incr(bucket)
        except ValueError:  # the window ended between add() and incr()
            cache.add(bucket, 1, timeout=window_seconds)
            count = 1
        if count == limit:
            cache.touch(bucket, timeout=window_seconds)
    except Exception as exc:
        logger.warning("failure counter %s unavailable", key, exc_info=True)
        raise CounterUnavailable(key) from exc
    return count


def topup_allowed(request):
    """One PaymentIntent attempt for this holder and this client address, both counted."""
    limit = settings.TOPUP_RATE_LIMIT_PER_HOUR
    by_holder = allow(f"topup:holder:{request.holder.pk}", limit, 3600)
    by_address = allow(f"topup:ip:{client_ip(request)}", limit, 3600)
    return by_holder and by_address


def topup_rate_limit(view):
    """For a view under ``holder_required`` whose POST creates a PaymentIntent: over the limit,
    the POST creates nothing and the holder is sent back to the page with the reason."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST" and not topup_allowed(request):
            messages.error(request, TOPUP_LIMIT_MESSAGE)
            return redirect(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper
