"""Every euro cent moves through wallet_post or wallet_take (SPEC 3.3); top-ups, refunds,
disputes and adjustments call them. Refunds and disputes live in billing.refunds and billing.disputes."""

import functools
import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Operation
from accounts.services import operation_log, operation_settle
from core.money import format_euro

from . import card_testing, hooks, stripe_gateway
from .links import topup_amount_cents
from .models import LedgerEntry, TopUp, Wallet

logger = logging.getLogger(__name__)


class BillingError(Exception):
    """A refusal whose message (Italian) is shown as is to the holder or the staff member."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class InsufficientCredit(Exception):
    def __init__(self, shortfall_cents):
        super().__init__(f"Credito insufficiente: mancano {shortfall_cents} centesimi.")
        self.shortfall_cents = shortfall_cents


def wallet_get_or_create(*, holder_id):
    wallet, _ = Wallet.objects.get_or_create(holder_id=holder_id)
    return wallet


def wallet_lock(*, holder_id):
    """The holder's wallet, locked for the caller's transaction, made if the holder has none yet."""
    wallet_get_or_create(holder_id=holder_id)
    return Wallet.objects.select_for_update().get(holder_id=holder_id)


def wallet_spending_refusal(wallet):
    """Why the locked ``wallet`` may not pay for anything now, in Italian, or "" when it may.

    The one rule every path that pays from credit asks (orders, "Rinnova ora", the renewal night):
    while a dispute on one of the holder's card payments is open, the credit it brought may be
    taken back, so nothing is spent; the mailboxes keep working until they expire."""
    if wallet.spending_frozen:
        return _(
            "Il credito è bloccato perché un pagamento con carta è stato contestato presso la banca "
            "(chargeback): ordini e rinnovi pagati con il credito riprenderanno quando la contestazione "
            "sarà chiusa. Per informazioni scrivi all'assistenza."
        )
    return ""


@transaction.atomic
def wallet_post(*, holder_id, amount_cents, kind, reference, description, created_by=None, reason=""):
    """Add one signed entry to the holder's ledger and return it.

    The wallet row is locked first, so concurrent debits serialise and can never spend the same
    cent; a reference already posted returns its entry unchanged, so retries move money once.
    A credit pays the holder's debt first, in a second entry (``debt:<reference>``).
    """
    if not isinstance(amount_cents, int) or amount_cents == 0:
        raise ValueError("amount_cents must be a non-zero int")
    wallet = wallet_lock(holder_id=holder_id)
    existing = LedgerEntry.objects.filter(reference=reference).first()
    if existing is not None:
        return existing
    if wallet.balance_cents + amount_cents < 0:
        raise InsufficientCredit(-(wallet.balance_cents + amount_cents))
    entry = _ledger_append(wallet, kind=kind, amount_cents=amount_cents, reference=reference,
                           description=description, created_by=created_by, reason=reason)
    if amount_cents > 0 and wallet.debt_cents:
        _debt_settle(wallet, reference=reference)
    wallet.save(update_fields=["balance_cents", "debt_cents"])
    return entry


@transaction.atomic
def wallet_take(*, holder_id, amount_cents, kind, reference, description, created_by=None, reason=""):
    """Take back money that went back to the card (a refund, a lost dispute): from the balance as
    far as it goes, the rest as the holder's debt. The balance never goes below zero. Idempotent on
    ``reference`` like wallet_post; returns the entry."""
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise ValueError("amount_cents must be a positive int")
    wallet = wallet_lock(holder_id=holder_id)
    existing = LedgerEntry.objects.filter(reference=reference).first()
    if existing is not None:
        return existing
    taken = min(wallet.balance_cents, amount_cents)
    entry = _ledger_append(wallet, kind=kind, amount_cents=-taken, debt_change_cents=amount_cents - taken,
                           reference=reference, description=description, created_by=created_by, reason=reason)
    wallet.save(update_fields=["balance_cents", "debt_cents"])
    return entry


def _ledger_append(wallet, *, kind, amount_cents, reference, description, debt_change_cents=0, created_by=None,
                   reason=""):
    # The caller saves the wallet once, after all its entries: the database checks the final
    # balance and debt, never a state in between.
    wallet.balance_cents += amount_cents
    wallet.debt_cents += debt_change_cents
    return LedgerEntry.objects.create(
        wallet=wallet, kind=kind, amount_cents=amount_cents, debt_change_cents=debt_change_cents,
        balance_after_cents=wallet.balance_cents, reference=reference, description=description,
        created_by=created_by, reason=reason,
    )


def _debt_settle(wallet, *, reference):
    paid = min(wallet.debt_cents, wallet.balance_cents)
    description = _("Recupero del debito per rimborsi o contestazioni su carta")
    _ledger_append(wallet, kind=LedgerEntry.Kind.DEBT, amount_cents=-paid, debt_change_cents=-paid,
                   reference=f"debt:{reference}"[:120], description=description)
    operation_log(holder_id=wallet.holder_id, kind=Operation.Kind.TOPUP, amount_cents=-paid,
                  description=description)


def wallet_debit_apply(*, wallet, amount_cents, kind, reference, description):
    """wallet_post for many debits written together (the renewal night): ``wallet`` is locked by
    the caller's transaction; its balance moves on the instance and the entry comes back unsaved,
    for ledger_write_many. The database refuses a reference posted before and a negative balance."""
    if not isinstance(amount_cents, int) or amount_cents >= 0:
        raise ValueError("amount_cents must be a negative int")
    new_balance = wallet.balance_cents + amount_cents
    if new_balance < 0:
        raise InsufficientCredit(-new_balance)
    wallet.balance_cents = new_balance
    return LedgerEntry(wallet=wallet, kind=kind, amount_cents=amount_cents, balance_after_cents=new_balance,
                       reference=reference, description=description)


def ledger_write_many(*, wallets, entries):
    """Save what wallet_debit_apply prepared: the entries in one insert, the balances in one update."""
    LedgerEntry.objects.bulk_create(entries)
    if not wallets:
        return
    if connection.vendor != "postgresql":
        Wallet.objects.bulk_update(wallets, ["balance_cents"])
        return
    # One UPDATE from arrays: bulk_update writes a CASE over every id, slow for a batch of hundreds.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE billing_wallet AS w SET balance_cents = v.balance_cents "
            "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, balance_cents) WHERE w.id = v.id",
            [[wallet.pk for wallet in wallets], [wallet.balance_cents for wallet in wallets]],
        )


# Top-ups (SPEC 3.4). A payment's TopUp only ever moves up this order, so Stripe events applied
# in any order, any number of times, end in the same state: money taken is always credited.
_STATUS_RANK = {TopUp.Status.PENDING: 0, TopUp.Status.FAILED: 1, TopUp.Status.CANCELLED: 2, TopUp.Status.SUCCEEDED: 3}


def topup_amount_check(*, holder_id, amount_cents):
    """Minimum and maximum per top-up; a top-up of exactly the pending orders' shortfall may go
    below the minimum, down to Stripe's 0,50 € (a smaller shortfall is paid with 0,50 €)."""
    if amount_cents > settings.TOPUP_MAX_CENTS:
        raise BillingError(
            _("L'importo massimo di una ricarica è %(max)s.") % {"max": format_euro(settings.TOPUP_MAX_CENTS)}
        )
    if amount_cents >= settings.TOPUP_MIN_CENTS:
        return
    shortfall = hooks.pending_shortfall_cents(holder_id=holder_id)
    if shortfall > 0 and amount_cents == topup_amount_cents(shortfall, for_pending_order=True):
        return
    raise BillingError(
        _("L'importo minimo di una ricarica è %(min)s.") % {"min": format_euro(settings.TOPUP_MIN_CENTS)}
    )


def topup_create(*, holder_id, amount_cents, client_ip=None, test_card=None):
    """Record the top-up, then open its PaymentIntent at Stripe; refused while the holder or the
    client address (``client_ip``, core.client_ip) is at the card-testing limit.

    Not one transaction on purpose: the TopUp and its idempotency key are committed before Stripe
    is called, so a crash in between leaves a trace, and every network retry of the call carries the
    same key (Stripe then opens one intent). ``test_card``
    (stripe_gateway.TEST_CARD_*) pays with a Stripe test card, on a local Stripe only: confirmed by the
    server, or for TEST_CARD_3DS left to Stripe.js in the browser for the 3-D Secure step.
    """
    if card_testing.topups_suspended(holder_id=holder_id, client_ip=client_ip):
        raise BillingError(str(card_testing.SUSPENDED_MESSAGE))
    topup_amount_check(holder_id=holder_id, amount_cents=amount_cents)
    if test_card and not stripe_gateway.is_local():
        raise BillingError(_("Le carte di prova si usano solo in modalità di prova."))
    with transaction.atomic():
        topup = TopUp.objects.create(holder_id=holder_id, amount_cents=amount_cents, idempotency_key=uuid.uuid4().hex,
                                     client_ip=client_ip)
        operation_log(
            holder_id=holder_id, kind=Operation.Kind.TOPUP, description=_("Ricarica con carta"),
            amount_cents=amount_cents, outcome=Operation.Outcome.PENDING, reference=topup.operation_reference,
        )
    try:
        intent = stripe_gateway.intent_create(
            amount_cents=amount_cents,
            metadata={"topup_id": str(topup.pk), "holder_id": str(holder_id)},
            idempotency_key=topup.idempotency_key,
            payment_method=test_card,
        )
    except stripe_gateway.PaymentError as exc:
        _topup_settle(topup_id=topup.pk, status=TopUp.Status.FAILED, message=exc.message)
        raise BillingError(exc.message) from exc
    TopUp.objects.filter(pk=topup.pk).update(
        stripe_payment_intent_id=intent.id, client_secret=intent.client_secret,
        confirmed_in_browser=test_card in (None, stripe_gateway.TEST_CARD_3DS),
    )
    if test_card:
        _topup_confirm_test_card(topup_id=topup.pk, payment_intent_id=intent.id)
    topup.refresh_from_db()
    return topup


def _topup_confirm_test_card(*, topup_id, payment_intent_id):
    # The credit itself waits for Stripe's word (webhook or return page), as with a real card.
    try:
        stripe_gateway.intent_confirm(payment_intent_id=payment_intent_id)
    except stripe_gateway.PaymentError as exc:
        if exc.declined:
            _topup_decline(topup_id=topup_id, attempt=exc.failed_attempt or payment_intent_id, message=exc.message)


def _topup_for_intent(intent):
    """The intent's TopUp, locked; None for a payment that is not one of ours."""
    topup = TopUp.objects.select_for_update().filter(stripe_payment_intent_id=intent.id).first()
    topup_id = str(intent.metadata.get("topup_id", ""))
    if topup is None and topup_id.isdigit():
        # The event overtook topup_create saving the intent id (or Stripe answered too late).
        topup = TopUp.objects.select_for_update().filter(pk=int(topup_id), stripe_payment_intent_id__isnull=True).first()
        if topup is not None:
            topup.stripe_payment_intent_id = intent.id
            topup.save(update_fields=["stripe_payment_intent_id", "updated_at"])
    if topup is not None and (intent.amount != topup.amount_cents or intent.currency != "eur"):
        logger.error("PaymentIntent %s does not match top-up %s: not applied", intent.id, topup.pk)
        return None
    return topup


@transaction.atomic
def topup_fulfil(*, intent):
    """Credit a succeeded payment once, however many times and from wherever it is reported."""
    if intent.status != "succeeded":
        raise ValueError(f"intent {intent.id} is {intent.status}")
    topup = _topup_for_intent(intent)
    if topup is None or topup.status == TopUp.Status.SUCCEEDED:
        return topup
    wallet_post(
        holder_id=topup.holder_id, amount_cents=topup.amount_cents, kind=LedgerEntry.Kind.TOPUP,
        reference=f"topup:{intent.id}", description=_("Ricarica con carta"),
    )
    topup.status = TopUp.Status.SUCCEEDED
    topup.failure_message = ""
    topup.save(update_fields=["status", "failure_message", "updated_at"])
    operation_settle(reference=topup.operation_reference, outcome=Operation.Outcome.COMPLETED,
                     description=_("Ricarica con carta"))
    credit_announce(holder_id=topup.holder_id)
    return topup


def credit_announce(*, holder_id):
    """Tell listeners the holder's credit may now pay what waits (a top-up landed, a dispute closed).

    The card has been charged: a failing listener (an order that cannot complete) must not
    undo the credit, so it runs in a savepoint and its error is logged, not raised."""
    try:
        with transaction.atomic():
            hooks.credit_landed(holder_id=holder_id)
    except Exception:
        logger.exception("credit_landed handler failed for holder %s", holder_id)


@transaction.atomic
def topup_fail(*, intent):
    """A declined attempt: nothing is credited. A later success of the same intent still credits."""
    topup = _topup_for_intent(intent)
    if topup is None:
        return None
    return _topup_decline(topup_id=topup.pk, attempt=intent.failed_attempt or intent.id,
                          message=intent.failure_message or _("Pagamento non riuscito."))


@transaction.atomic
def _topup_decline(*, topup_id, attempt, message):
    """A declined confirmation, reported by whichever path saw it first or again: counted once
    against card testing. At the limit the intent is cancelled at Stripe after the commit, so no
    lock is held across the call; each later report of a decline tries the cancel again."""
    topup = _topup_settle(topup_id=topup_id, status=TopUp.Status.FAILED, message=message)
    card_testing.decline_record(topup=topup, attempt=attempt)
    if topup.status == TopUp.Status.FAILED and card_testing.topups_suspended(
        holder_id=topup.holder_id, client_ip=topup.client_ip
    ):
        transaction.on_commit(functools.partial(_topup_stop_card_testing, topup_id=topup.pk))
    return topup


def _topup_stop_card_testing(*, topup_id):
    topup = TopUp.objects.get(pk=topup_id)
    try:
        stripe_gateway.intent_cancel(payment_intent_id=topup.stripe_payment_intent_id)
    except stripe_gateway.PaymentError:
        # Stripe unreachable, or the intent succeeded meanwhile (its webhook credits it).
        logger.warning("Could not cancel PaymentIntent %s over the decline limit", topup.stripe_payment_intent_id)
        return
    logger.warning("PaymentIntent %s cancelled: decline limit reached", topup.stripe_payment_intent_id)
    _topup_settle(topup_id=topup_id, status=TopUp.Status.CANCELLED, message=str(card_testing.SUSPENDED_MESSAGE))


@transaction.atomic
def topup_cancel(*, intent):
    topup = _topup_for_intent(intent)
    if topup is None:
        return None
    return _topup_settle(topup_id=topup.pk, status=TopUp.Status.CANCELLED, message=_("Pagamento annullato."))


@transaction.atomic
def _topup_settle(*, topup_id, status, message):
    topup = TopUp.objects.select_for_update().get(pk=topup_id)
    if _STATUS_RANK[status] <= _STATUS_RANK[topup.status]:
        return topup
    topup.status = status
    topup.failure_message = message[:300]
    topup.save(update_fields=["status", "failure_message", "updated_at"])
    outcome = Operation.Outcome.FAILED if status == TopUp.Status.FAILED else Operation.Outcome.CANCELLED
    operation_settle(reference=topup.operation_reference, outcome=outcome,
                     description=(_("Ricarica con carta non riuscita: %(reason)s") % {"reason": message})[:300])
    return topup


def topup_sync(*, topup):
    """Ask Stripe how an unfinished top-up stands and apply the answer (the return page's poll),
    at most once per TOPUP_SYNC_INTERVAL_SECONDS per top-up: in between, the page shows what the
    database knows and the webhook may land."""
    if topup.status not in (TopUp.Status.PENDING, TopUp.Status.FAILED) or not topup.stripe_payment_intent_id:
        return topup
    if not _topup_sync_claim(topup_id=topup.pk):
        return topup
    try:
        intent = stripe_gateway.intent_retrieve(payment_intent_id=topup.stripe_payment_intent_id)
    except stripe_gateway.PaymentError:
        return topup  # Stripe unreachable: the webhook, or the next poll, will tell
    return topup_apply(intent=intent) or topup


def topup_apply(*, intent):
    """Apply what Stripe says of a PaymentIntent it was asked for; the intent's TopUp, or None."""
    if intent.status == "succeeded":
        return topup_fulfil(intent=intent)
    if intent.status == "canceled":
        return topup_cancel(intent=intent)
    if intent.status == "requires_payment_method" and intent.failure_message:
        return topup_fail(intent=intent)
    return None


def _topup_sync_claim(*, topup_id):
    # One UPDATE decides among polls from every worker: PostgreSQL re-reads the timestamp of a
    # row it waited for, so of two polls at the same moment exactly one asks Stripe.
    now = timezone.now()
    due = Q(stripe_checked_at__isnull=True) | Q(
        stripe_checked_at__lte=now - timedelta(seconds=settings.TOPUP_SYNC_INTERVAL_SECONDS)
    )
    return TopUp.objects.filter(due, pk=topup_id).update(stripe_checked_at=now) == 1


def topup_sync_from_stripe(*, payment_intent_id):
    """A payment_intent event: whatever it says, the intent is retrieved from Stripe and that is
    applied, so a forged or stale body changes nothing (PaymentError when Stripe cannot say)."""
    return topup_apply(intent=stripe_gateway.intent_retrieve(payment_intent_id=payment_intent_id))


@transaction.atomic
def credit_adjust(*, holder_id, amount_cents, reason, created_by=None):
    """A staff member's (created_by) or an operator's (None) correction of a wallet, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise BillingError(_("Indica il motivo della rettifica."))
    if amount_cents == 0:
        raise BillingError(_("L'importo della rettifica non può essere zero."))
    try:
        entry = wallet_post(
            holder_id=holder_id, amount_cents=amount_cents, kind=LedgerEntry.Kind.ADJUSTMENT,
            reference=f"adjustment:{uuid.uuid4().hex}", description=_("Rettifica credito"),
            created_by=created_by, reason=reason[:300],
        )
    except InsufficientCredit as exc:
        raise BillingError(
            _("Credito insufficiente: il saldo è %(balance)s, mancano %(missing)s.")
            % {"balance": format_euro(-amount_cents - exc.shortfall_cents), "missing": format_euro(exc.shortfall_cents)}
        ) from exc
    operation_log(
        holder_id=holder_id, kind=Operation.Kind.ADJUSTMENT, amount_cents=amount_cents,
        description=(_("Rettifica credito: %(reason)s") % {"reason": reason})[:300],
    )
    return entry
