"""The only module that talks to Stripe (or localstripe, its stand-in on loopback).

Everything else sees plain ``Intent``, ``Charge``, ``Dispute`` and ``Refund`` values and
``PaymentError``, so no Stripe object or exception leaks into services, views or tests."""

import functools
import json
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import stripe
from django.conf import settings

logger = logging.getLogger(__name__)

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
# Stripe documents these as test PaymentMethods; localstripe knows the same ids.
TEST_CARD_OK = "pm_card_visa"
TEST_CARD_DECLINED = "pm_card_chargeCustomerFail"
# Stripe's test card that always asks for 3-D Secure; the holder completes it with Stripe.js.
TEST_CARD_3DS = "4000002760003184"
# A TCP and TLS handshake with Stripe takes well under a second; the rest of an attempt's
# STRIPE_TIMEOUT_SECONDS waits for the answer.
CONNECT_TIMEOUT_SECONDS = 3
# For a call that a later poll or webhook makes again anyway: one attempt, so two such calls in
# one request still end well within gunicorn's timeout.
ONE_ATTEMPT = {"max_network_retries": 0}


class PaymentError(Exception):
    """Stripe refused or could not be reached; ``message`` is safe to show a holder.
    ``unreachable``: no answer came, so whether Stripe did it is unknown."""

    def __init__(self, message, *, declined=False, payment_intent_id=None, failed_attempt="", unreachable=False):
        super().__init__(message)
        self.message = message
        self.declined = declined
        self.payment_intent_id = payment_intent_id
        self.failed_attempt = failed_attempt
        self.unreachable = unreachable


class NotFound(PaymentError):
    """Stripe answered that no such object exists on our account."""


class InvalidWebhook(Exception):
    pass


# The shape of a Stripe object id (pi_…, ch_…, py_…, dp_…, du_…); anything else in a webhook is refused
# before it reaches a URL.
_OBJECT_ID = re.compile(r"[a-z]{2,5}_[A-Za-z0-9_]{1,200}")


@dataclass(frozen=True)
class WebhookEvent:
    """All the portal takes from a webhook's body: what happened, and to which object."""

    type: str
    object_type: str
    object_id: str


@dataclass(frozen=True)
class Intent:
    id: str
    status: str
    amount: int
    currency: str
    client_secret: str = ""
    metadata: dict = field(default_factory=dict)
    failure_message: str = ""
    # What names the last declined attempt (its charge, or its PaymentMethod when no charge was
    # made), so the same decline reported twice is counted once.
    failed_attempt: str = ""


@dataclass(frozen=True)
class Charge:
    id: str
    amount: int
    # Cumulative: every refund of the charge so far, partial ones included.
    amount_refunded: int
    currency: str
    payment_intent_id: str
    status: str


@dataclass(frozen=True)
class Dispute:
    id: str
    amount: int
    currency: str
    charge_id: str
    status: str
    reason: str = ""


@dataclass(frozen=True)
class Refund:
    id: str
    charge_id: str
    amount: int


def is_local():
    """True when the API base is a Stripe stand-in on this machine: only then is the server-side
    test-card path offered, so production can never confirm a payment without a real card."""
    base = settings.STRIPE_API_BASE
    return bool(base) and urlsplit(base).hostname in LOCAL_HOSTS


def js_url():
    # localstripe serves its Stripe.js stand-in under its own base, at Stripe's path.
    return f"{settings.STRIPE_API_BASE}/js.stripe.com/v3/" if settings.STRIPE_API_BASE else "https://js.stripe.com/v3/"


def _configure():
    # Read on every call so a settings change (tests, a key rotation) applies at once.
    stripe.api_key = settings.STRIPE_SECRET_KEY
    stripe.api_base = settings.STRIPE_API_BASE or stripe.DEFAULT_API_BASE
    # localstripe ignores idempotency keys, so a retried POST there could double a payment.
    stripe.max_network_retries = 0 if settings.STRIPE_API_BASE else settings.STRIPE_MAX_NETWORK_RETRIES
    stripe.default_http_client = _http_client(settings.STRIPE_TIMEOUT_SECONDS)


@functools.lru_cache(maxsize=4)
def _http_client(timeout_seconds):
    # One client per timeout value: it keeps its connections to Stripe open between requests.
    connect = min(CONNECT_TIMEOUT_SECONDS, timeout_seconds / 2)
    return stripe.RequestsClient(timeout=(connect, timeout_seconds - connect))


def _intent(pi):
    # stripe-python 16 objects have no .get(): membership tests, then indexing.
    error = pi["last_payment_error"] if "last_payment_error" in pi else None
    return Intent(
        id=pi["id"],
        status=pi["status"],
        amount=int(pi["amount"]),
        currency=str(pi["currency"]).lower(),
        client_secret=pi["client_secret"] if "client_secret" in pi else "",
        metadata=pi["metadata"].to_dict() if "metadata" in pi and pi["metadata"] else {},
        failure_message=(error["message"] if error and "message" in error else "") or "",
        failed_attempt=_failed_attempt(error),
    )


def _failed_attempt(error):
    if not error:
        return ""
    if "charge" in error and error["charge"]:
        return str(error["charge"])
    method = error["payment_method"] if "payment_method" in error else None
    if not method:
        return ""
    return method if isinstance(method, str) else str(method["id"])
def _id(value):
    # A related object is its id, or the object itself when expanded.
    return (value["id"] if "id" in value else "") if hasattr(value, "keys") else str(value or "")


def _field(obj, name, default=None):
    return obj[name] if name in obj and obj[name] is not None else default


def _charge(ch):
    return Charge(
        id=ch["id"], amount=int(ch["amount"]), amount_refunded=int(_field(ch, "amount_refunded", 0)),
        currency=str(ch["currency"]).lower(), payment_intent_id=_id(_field(ch, "payment_intent")),
        status=str(_field(ch, "status", "")),
    )


def _dispute(dp):
    return Dispute(
        id=dp["id"], amount=int(dp["amount"]), currency=str(dp["currency"]).lower(),
        charge_id=_id(_field(dp, "charge")), status=str(dp["status"]), reason=str(_field(dp, "reason", "")),
    )


def _unreachable(exc):
    # No answer, or Stripe's own failure: the call may or may not have taken effect.
    return isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError | stripe.APIError)


def _payment_error(exc, payment_intent_id=None):
    if isinstance(exc, stripe.CardError):
        return PaymentError(
            "La carta è stata rifiutata. Prova con un'altra carta.", declined=True, payment_intent_id=payment_intent_id,
            failed_attempt=_failed_attempt(exc.error),
        )
    if exc.http_status == 404:
        return NotFound("Pagamento non trovato presso Stripe.", payment_intent_id=payment_intent_id)
    logger.warning("Stripe call failed: %r", exc)
    return PaymentError("Il servizio di pagamento non è raggiungibile. Riprova tra qualche minuto.",
                        unreachable=_unreachable(exc))


def intent_create(*, amount_cents, metadata, idempotency_key, payment_method=None):
    _configure()
    params = {
        "amount": amount_cents,
        "currency": "eur",
        "payment_method_types": ["card"],
        "metadata": metadata,
        "idempotency_key": idempotency_key,
    }
    try:
        if payment_method == TEST_CARD_3DS:
            payment_method = stripe.PaymentMethod.create(
                type="card", card={"number": TEST_CARD_3DS, "exp_month": 12, "exp_year": 2099, "cvc": "123"}
            )["id"]
        if payment_method:
            # localstripe accepts a PaymentMethod only at create, then a bare confirm.
            params["payment_method"] = payment_method
        return _intent(stripe.PaymentIntent.create(**params))
    except stripe.StripeError as exc:
        raise _payment_error(exc) from exc


def intent_confirm(*, payment_intent_id):
    _configure()
    try:
        return _intent(stripe.PaymentIntent.confirm(payment_intent_id))
    except stripe.StripeError as exc:
        raise _payment_error(exc, payment_intent_id) from exc


def intent_retrieve(*, payment_intent_id):
    _configure()
    try:
        return _intent(stripe.PaymentIntent.retrieve(payment_intent_id, **ONE_ATTEMPT))
    except stripe.StripeError as exc:
        raise _payment_error(exc, payment_intent_id) from exc


def intent_cancel(*, payment_intent_id):
    """Stop the intent taking any more cards. Stripe refuses it once the intent has succeeded."""
    _configure()
    try:
        return _intent(stripe.PaymentIntent.cancel(payment_intent_id, **ONE_ATTEMPT))
    except stripe.StripeError as exc:
        raise _payment_error(exc, payment_intent_id) from exc


def charge_retrieve(*, charge_id):
    _configure()
    try:
        return _charge(stripe.Charge.retrieve(charge_id, **ONE_ATTEMPT))
    except stripe.StripeError as exc:
        raise _payment_error(exc) from exc


def dispute_retrieve(*, dispute_id):
    _configure()
    try:
        return _dispute(stripe.Dispute.retrieve(dispute_id, **ONE_ATTEMPT))
    except stripe.StripeError as exc:
        raise _payment_error(exc) from exc


def refund_create(*, payment_intent_id, amount_cents, idempotency_key):
    """Stripe's Refund; PaymentError(unreachable=True) when its outcome is unknown."""
    _configure()
    try:
        refund = stripe.Refund.create(
            payment_intent=payment_intent_id, amount=amount_cents, idempotency_key=idempotency_key
        )
    except stripe.StripeError as exc:
        logger.warning("Stripe refund failed: %r", exc)
        raise PaymentError("Stripe non ha accettato il rimborso: %s" % (exc.user_message or exc),
                           unreachable=_unreachable(exc)) from exc
    return Refund(id=refund["id"], charge_id=_id(refund["charge"]), amount=int(refund["amount"]))


def webhook_event(*, payload, signature):
    """The WebhookEvent of a signed event; InvalidWebhook when it is not Stripe's or names no object.

    Only the type and the object's id are read: the services retrieve the object from Stripe,
    so a body signed with a leaked secret can name an object but not say what it holds."""
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"), signature, settings.STRIPE_WEBHOOK_SECRET,
            settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
        )
        event = json.loads(payload)
        obj = event["data"]["object"]
        event_type, object_type, object_id = event["type"], obj["object"], obj["id"]
    except Exception as exc:  # anything unreadable, unsigned or stale is simply not Stripe's
        raise InvalidWebhook(str(exc)) from exc
    if not all(isinstance(value, str) for value in (event_type, object_type, object_id)):
        raise InvalidWebhook("event without a type or an object id")
    if not _OBJECT_ID.fullmatch(object_id):
        raise InvalidWebhook(f"not a Stripe object id: {object_id[:40]!r}")
    return WebhookEvent(type=event_type[:100], object_type=object_type[:100], object_id=object_id)
