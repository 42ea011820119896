"""Money that goes back to the card: refunds made by staff in admin or in Stripe's Dashboard.

The ledger follows Stripe's ``amount_refunded`` of the top-up's charge, which is cumulative: a
report debits what it adds beyond ``TopUp.refunded_cents`` under the top-up's lock, with the
reference ``refund:<payment intent>:<cumulative cents>``. However often, late or concurrently
Stripe's answer and its webhooks report the same refunds, each cent is debited once. Whatever the
event's body says, the charge is retrieved from Stripe and must be the payment of one of our
top-ups, of its amount, in euro.

No database lock is held while Stripe is called: a staff refund is recorded as requested, sent,
then settled by Stripe's answer or by its charge.refunded webhook, whichever comes first."""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Operation
from accounts.services import operation_log
from audit.models import AuditEntry
from audit.services import audit_record
from core.money import format_euro
from core.staff_alerts import staff_alert

from . import stripe_gateway
from .models import Dispute, LedgerEntry, TopUp, Wallet
from .services import BillingError, topup_apply, wallet_take

logger = logging.getLogger(__name__)


class RefundPending(BillingError):
    """Stripe gave no answer: the refund stays requested until Stripe or its webhook settles it."""


def topup_refund(*, topup_id, created_by=None):
    """A staff member gives back to the card what of a completed top-up is not refunded yet.

    Refused when the credit residuo is smaller than that: staff do not refund credit already
    spent (a refund made in Stripe's Dashboard may, and becomes the holder's debt). Asking again
    while Stripe has not answered sends the same request (same idempotency key): Stripe refunds once.
    Returns the top-up once the refund is in the ledger; RefundPending when Stripe did not answer."""
    topup = _refund_request(topup_id=topup_id, created_by=created_by)
    try:
        refund = stripe_gateway.refund_create(
            payment_intent_id=topup.stripe_payment_intent_id,
            amount_cents=topup.refund_requested_cents - topup.refunded_cents,
            idempotency_key=f"refund-{topup.idempotency_key}-{topup.refund_requested_cents}",
        )
    except stripe_gateway.PaymentError as exc:
        if exc.unreachable:
            raise RefundPending(_(
                "Stripe non ha risposto: il rimborso resta in attesa e sarà registrato appena Stripe lo "
                "conferma. Puoi anche ripetere l'azione: Stripe non rimborsa due volte."
            )) from exc
        _refund_request_drop(topup_id=topup_id)
        raise BillingError(exc.message) from exc
    try:
        refund_settle(charge=stripe_gateway.charge_retrieve(charge_id=refund.charge_id), reason=f"Stripe {refund.id}")
    except stripe_gateway.PaymentError:
        pass  # Stripe has refunded: its charge.refunded webhook settles it
    topup = TopUp.objects.get(pk=topup_id)
    if topup.refunded_cents < topup.refund_requested_cents:
        raise RefundPending(_("Stripe ha accettato il rimborso ma non lo riporta ancora sul pagamento: sarà "
                              "registrato con la sua conferma."))
    return topup


@transaction.atomic
def _refund_request(*, topup_id, created_by):
    topup = TopUp.objects.select_for_update().get(pk=topup_id)
    if topup.status != TopUp.Status.SUCCEEDED:
        raise BillingError(_("Si può rimborsare solo una ricarica completata."))
    if topup.refunded_cents >= topup.amount_cents:
        raise BillingError(_("Questa ricarica è già stata rimborsata."))
    if topup.disputes.exclude(status=Dispute.Status.WON).exists():
        # Stripe refunds no payment whose dispute is open, and a lost one has taken it back already.
        raise BillingError(_("Questa ricarica ha una contestazione presso la banca aperta o persa: non si può "
                             "rimborsare."))
    if topup.refund_requested_cents > topup.refunded_cents:
        return topup  # asked before and not answered yet: sent again, with the same key
    wallet = Wallet.objects.select_for_update().get(holder_id=topup.holder_id)
    amount = topup.amount_cents - topup.refunded_cents
    if wallet.balance_cents < amount:
        raise BillingError(
            _("Rimborso rifiutato: il credito residuo (%(balance)s) è inferiore alla ricarica (%(amount)s).")
            % {"balance": format_euro(wallet.balance_cents), "amount": format_euro(amount)}
        )
    topup.refund_requested_cents = topup.amount_cents
    topup.refund_requested_by = created_by
    topup.save(update_fields=["refund_requested_cents", "refund_requested_by", "updated_at"])
    return topup


def _refund_request_drop(*, topup_id):
    # Stripe answered no: nothing is pending any more.
    TopUp.objects.filter(pk=topup_id).update(refund_requested_cents=0, refund_requested_by=None)


def topup_refund_sync(*, charge_id):
    """A charge.refunded event: the charge as Stripe has it now, settled into the ledger.
    PaymentError when Stripe cannot say (the webhook answers so that Stripe retries)."""
    charge = stripe_gateway.charge_retrieve(charge_id=charge_id)
    topup_paid_first(charge=charge)
    return refund_settle(charge=charge)


def topup_paid_first(*, charge):
    """A report about a charge whose top-up has not been credited yet (its payment_intent.succeeded
    was lost or is late): the intent is asked for first, so the credit lands before it is taken back."""
    if not charge.payment_intent_id:
        return
    topup = TopUp.objects.filter(stripe_payment_intent_id=charge.payment_intent_id).first()
    if topup is not None and topup.status != TopUp.Status.SUCCEEDED:
        topup_apply(intent=stripe_gateway.intent_retrieve(payment_intent_id=topup.stripe_payment_intent_id))


def topup_for_charge(charge):
    """The top-up ``charge`` paid, locked; None (logged) for a charge that is not one of our
    completed top-ups' payments or that disagrees with it."""
    topup = None
    if charge.payment_intent_id:
        topup = TopUp.objects.select_for_update().filter(stripe_payment_intent_id=charge.payment_intent_id).first()
    if topup is None:
        logger.warning("Stripe charge %s is not the payment of a top-up: not applied", charge.id)
        return None
    if (charge.currency != "eur" or charge.amount != topup.amount_cents
            or not 0 <= charge.amount_refunded <= charge.amount or topup.status != TopUp.Status.SUCCEEDED):
        logger.error("Stripe charge %s does not match top-up %s (%s): not applied", charge.id, topup.pk, topup.status)
        return None
    return topup


@transaction.atomic
def refund_settle(*, charge, reason=""):
    """Debit what Stripe has refunded of ``charge`` beyond what the ledger already has; the top-up."""
    topup = topup_for_charge(charge)
    if topup is None or charge.amount_refunded <= topup.refunded_cents:
        return topup
    amount = charge.amount_refunded - topup.refunded_cents
    # The staff member's refund when this report reaches what they asked; any other is the Dashboard's.
    asked_by_staff = topup.refunded_cents < topup.refund_requested_cents <= charge.amount_refunded
    staff_user = topup.refund_requested_by if asked_by_staff else None
    entry = wallet_take(
        holder_id=topup.holder_id, amount_cents=amount, kind=LedgerEntry.Kind.REFUND,
        reference=f"refund:{topup.stripe_payment_intent_id}:{charge.amount_refunded}",
        description=_("Rimborso ricarica su carta"), created_by=staff_user, reason=reason or f"Stripe {charge.id}",
    )
    refunded_before = topup.refunded_at
    topup.refunded_cents = charge.amount_refunded
    topup.refunded_at = timezone.now()
    topup.save(update_fields=["refunded_cents", "refunded_at", "updated_at"])
    operation_log(holder_id=topup.holder_id, kind=Operation.Kind.TOPUP, amount_cents=-amount,
                  description=with_debt_note(_("Rimborso su carta della ricarica n. %(id)s") % {"id": topup.pk}, entry))
    if staff_user is not None:
        balance_before = entry.balance_after_cents - entry.amount_cents
        audit_record(user=staff_user, action=AuditEntry.Action.TOPUP_REFUND, obj=topup,
                     before={"refunded_at": refunded_before, "balance_cents": balance_before},
                     after={"refunded_at": topup.refunded_at, "balance_cents": entry.balance_after_cents})
    if staff_user is None or entry.debt_change_cents:
        staff_alert_on_commit(
            subject=f"Rimborso di {format_euro(amount)} sulla ricarica n. {topup.pk}"
            + (" con debito" if entry.debt_change_cents else ""),
            body=money_back_text(topup=topup, entry=entry, what=f"Stripe ha rimborsato {format_euro(amount)} "
                                 f"(in tutto {format_euro(charge.amount_refunded)}) sulla carta, pagamento {charge.id}"),
        )
    return topup


def money_back_text(*, topup, entry, what):
    """The staff alert's body for money that went back to the card: what, who, and the wallet after."""
    wallet = Wallet.objects.get(holder_id=topup.holder_id)
    lines = [
        f"{what}.",
        f"Titolare: {topup.holder} (ricarica n. {topup.pk} di {format_euro(topup.amount_cents)}).",
        f"Tolti dal credito: {format_euro(-entry.amount_cents)}; credito ora {format_euro(wallet.balance_cents)}.",
    ]
    if entry.debt_change_cents:
        lines.append(f"Il credito era già stato speso: {format_euro(entry.debt_change_cents)} diventano debito del "
                     f"titolare (debito totale {format_euro(wallet.debt_cents)}), saldato dalle prossime ricariche.")
    return "\n".join(lines)


def with_debt_note(description, entry):
    """An operation's description, telling the holder what part of it became debt."""
    if not entry.debt_change_cents:
        return description
    return description + " " + _("(%(debt)s a debito, saldato dalla prossima ricarica)") % {
        "debt": format_euro(entry.debt_change_cents)}


def staff_alert_on_commit(*, subject, body):
    # After the commit: no e-mail for a change that rolled back, and none sent inside the lock.
    transaction.on_commit(lambda: staff_alert(subject=subject, body=body))
