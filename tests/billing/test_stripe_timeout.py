"""A Stripe that accepts the connection and never answers costs a request one timeout per attempt,
never the client's default 80 s, and leaves the top-up for the next poll or webhook to finish."""

import runpy
import socket
import threading
import time
from pathlib import Path

import pytest
import stripe
from django.conf import settings as django_settings

from billing import stripe_gateway
from billing.models import LedgerEntry, TopUp
from billing.services import BillingError, topup_create
from tests.billing.conftest import FakeStripe, intent_event, make_topup, post_event
from tests.factories import make_holder

pytestmark = pytest.mark.django_db

TIMEOUT = 0.4
# Far below the 80 s stripe-python waits by default, far above one attempt of TIMEOUT.
BOUND = 5


class SilentServer:
    """A loopback TCP server that accepts every connection and never sends a byte."""

    def __init__(self):
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._held = []
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            self._held.append(connection)

    @property
    def connections(self):
        return len(self._held)

    def close(self):
        self._socket.close()
        for connection in self._held:
            connection.close()


@pytest.fixture
def silent_stripe(settings):
    server = SilentServer()
    settings.STRIPE_TIMEOUT_SECONDS = TIMEOUT
    yield server
    server.close()


@pytest.fixture
def silent_local_stripe(silent_stripe, settings):
    """The stand-in on loopback: the gateway tries each call once there."""
    settings.STRIPE_API_BASE = silent_stripe.url
    return silent_stripe


@pytest.fixture
def silent_real_stripe(silent_stripe, settings, monkeypatch):
    """The production configuration (no STRIPE_API_BASE, network retries on), with Stripe's own
    address pointing at the silent server."""
    settings.STRIPE_API_BASE = ""
    settings.STRIPE_MAX_NETWORK_RETRIES = 1
    monkeypatch.setattr(stripe, "DEFAULT_API_BASE", silent_stripe.url)
    return silent_stripe


def timed(call):
    started = time.monotonic()
    try:
        call()
    except Exception as exc:  # the test asserts on what was raised
        return exc, time.monotonic() - started
    return None, time.monotonic() - started


def test_a_top_up_stripe_never_answers_fails_with_a_clear_message_within_the_timeout(silent_local_stripe):
    holder = make_holder()
    error, elapsed = timed(lambda: topup_create(holder_id=holder.pk, amount_cents=1000))
    assert isinstance(error, BillingError)
    assert error.message == "Il servizio di pagamento non è raggiungibile. Riprova tra qualche minuto."
    assert elapsed < BOUND
    assert silent_local_stripe.connections == 1
    topup = TopUp.objects.get(holder=holder)
    assert topup.status == TopUp.Status.FAILED and topup.stripe_payment_intent_id is None


def test_the_status_poll_answers_pending_within_the_timeout_and_the_webhook_then_credits(
    holder_client, holder, silent_local_stripe, webhook_secret, monkeypatch
):
    topup = make_topup(holder, 1500)
    started = time.monotonic()
    response = holder_client.get(f"/credit/topup/{topup.pk}/status/")
    assert time.monotonic() - started < BOUND
    assert response.json() == {"status": "pending", "balance": "€ 0,00", "message": ""}
    assert silent_local_stripe.connections == 1

    # The webhook asks Stripe before crediting: while Stripe is silent it answers 503, so Stripe
    # sends the event again; once Stripe answers, the redelivery credits.
    event = intent_event(topup, "payment_intent.succeeded")
    assert post_event(holder_client, event).status_code == 503
    topup.refresh_from_db()
    assert topup.status == TopUp.Status.PENDING
    stripe_again = FakeStripe()
    stripe_again.pay(topup)
    monkeypatch.setattr(stripe_gateway, "intent_retrieve", stripe_again.intent_retrieve)
    assert post_event(holder_client, event).status_code == 200
    topup.refresh_from_db()
    assert topup.status == TopUp.Status.SUCCEEDED
    assert LedgerEntry.objects.get(reference=f"topup:{topup.stripe_payment_intent_id}").amount_cents == 1500


def test_real_stripe_tries_creating_an_intent_again_once_but_reads_and_cancels_once(silent_real_stripe):
    calls = [
        (lambda: stripe_gateway.intent_create(amount_cents=1000, metadata={}, idempotency_key="k1"), 2),
        (lambda: stripe_gateway.intent_retrieve(payment_intent_id="pi_silent"), 1),
        (lambda: stripe_gateway.intent_cancel(payment_intent_id="pi_silent"), 1),
    ]
    for call, attempts in calls:
        before = silent_real_stripe.connections
        error, elapsed = timed(call)
        assert isinstance(error, stripe_gateway.PaymentError)
        assert "non è raggiungibile" in error.message
        assert silent_real_stripe.connections - before == attempts
        assert elapsed < BOUND


def test_the_default_worst_case_of_a_request_fits_well_within_gunicorns_timeout():
    gunicorn_timeout = runpy.run_path(str(Path(django_settings.BASE_DIR) / "gunicorn.conf.py"))["timeout"]
    attempt = django_settings.STRIPE_TIMEOUT_SECONDS
    retries = django_settings.STRIPE_MAX_NETWORK_RETRIES
    backoff = sum(min(stripe.HTTPClient.INITIAL_DELAY * 2 ** (n - 1), stripe.HTTPClient.MAX_DELAY)
                  for n in range(1, retries + 1))
    create = (1 + retries) * attempt + backoff  # the top-up POST: the one call it makes
    poll = 2 * attempt  # the status poll, or a decline's webhook: read, then cancel over the limit
    assert attempt == 10
    assert max(create, poll) <= 0.75 * gunicorn_timeout
