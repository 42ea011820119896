"""Disputes (chargebacks) on top-up payments, as Stripe reports them.

Every dispute event is applied the same way: the dispute and its charge are retrieved from Stripe
and the Dispute row is brought to what Stripe says now, under the top-up's lock. A dispute only
moves from open to closed, never back, so events delivered twice, late or together change the
wallet once. While one is open the holder's spending is frozen (billing.services.wallet_spending_refusal);
lost, it takes its amount like a refund (reference ``dispute:<id>``), the part already spent
becoming debt; won, it only unfreezes."""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Operation
from accounts.services import operation_log
from core.money import format_euro

from . import stripe_gateway
from .models import Dispute, LedgerEntry
from .refunds import money_back_text, staff_alert_on_commit, topup_for_charge, topup_paid_first, with_debt_note
from .services import credit_announce, wallet_lock, wallet_take

logger = logging.getLogger(__name__)

# Stripe's dispute statuses, by what they mean for the credit. Inquiries (warning_*) freeze too:
# they may become chargebacks. A status Stripe adds later counts as open until a person looks.
_CLOSED_FOR_US = {"won", "warning_closed", "prevented", "charge_refunded"}
_LOST = {"lost"}


def dispute_sync(*, dispute_id):
    """A charge.dispute.* event: the dispute as Stripe has it now, applied. PaymentError when
    Stripe cannot say (the webhook answers so that Stripe retries)."""
    dispute = stripe_gateway.dispute_retrieve(dispute_id=dispute_id)
    charge = stripe_gateway.charge_retrieve(charge_id=dispute.charge_id)
    topup_paid_first(charge=charge)
    return dispute_apply(dispute=dispute, charge=charge)


def _status(stripe_status):
    if stripe_status in _LOST:
        return Dispute.Status.LOST
    if stripe_status in _CLOSED_FOR_US:
        return Dispute.Status.WON
    return Dispute.Status.OPEN


@transaction.atomic
def dispute_apply(*, dispute, charge):
    """Bring our record of ``dispute`` (on ``charge``, both as Stripe returned them) to its status."""
    if dispute.charge_id != charge.id or dispute.currency != "eur" or not 0 < dispute.amount <= charge.amount:
        logger.error("Stripe dispute %s does not match its charge %s: not applied", dispute.id, charge.id)
        return None
    topup = topup_for_charge(charge)
    if topup is None:
        return None
    wallet = wallet_lock(holder_id=topup.holder_id)
    row, created = Dispute.objects.get_or_create(stripe_dispute_id=dispute.id, defaults={
        "topup": topup, "amount_cents": dispute.amount, "stripe_status": dispute.status, "reason": dispute.reason[:60],
    })
    if row.status != Dispute.Status.OPEN:
        return row  # closed for good: a late or repeated event changes nothing
    row.stripe_status, row.amount_cents = dispute.status, dispute.amount
    status = _status(dispute.status)
    if status == Dispute.Status.OPEN:
        row.save()
        if created:
            staff_alert_on_commit(
                subject=f"Contestazione aperta sulla ricarica n. {topup.pk}: credito bloccato",
                body=_dispute_text(topup=topup, row=row) + "\nFinché è aperta, ordini e rinnovi dal credito del "
                "titolare sono rifiutati; le caselle restano attive fino alla scadenza. Rispondi alla "
                "contestazione nella Dashboard di Stripe.",
            )
    else:
        row.status, row.closed_at = status, timezone.now()
        row.save()
        if status == Dispute.Status.LOST:
            _dispute_take(row=row, topup=topup)
        else:
            staff_alert_on_commit(subject=f"Contestazione chiusa a favore sulla ricarica n. {topup.pk}",
                                  body=_dispute_text(topup=topup, row=row))
    _wallet_freeze_update(wallet)
    return row


def _wallet_freeze_update(wallet):
    """Frozen while any dispute of the holder is open; unfreezing lets waiting orders complete."""
    was_frozen = wallet.spending_frozen
    wallet.spending_frozen = Dispute.objects.filter(topup__holder_id=wallet.holder_id, status=Dispute.Status.OPEN).exists()
    wallet.save(update_fields=["spending_frozen"])
    if was_frozen and not wallet.spending_frozen:
        credit_announce(holder_id=wallet.holder_id)


def _dispute_take(*, row, topup):
    # Never more than the top-up brought that no refund has taken back already.
    amount = min(row.amount_cents, topup.amount_cents - topup.refunded_cents)
    if amount <= 0:
        return
    entry = wallet_take(
        holder_id=topup.holder_id, amount_cents=amount, kind=LedgerEntry.Kind.DISPUTE,
        reference=f"dispute:{row.stripe_dispute_id}", description=_("Contestazione persa su una ricarica con carta"),
        reason=f"Stripe {row.stripe_dispute_id}",
    )
    description = with_debt_note(_("Contestazione persa sulla ricarica n. %(id)s") % {"id": topup.pk}, entry)
    operation_log(holder_id=topup.holder_id, kind=Operation.Kind.TOPUP, amount_cents=-amount, description=description)
    staff_alert_on_commit(
        subject=f"Contestazione persa sulla ricarica n. {topup.pk}: tolti {format_euro(amount)}"
        + (" con debito" if entry.debt_change_cents else ""),
        body=money_back_text(topup=topup, entry=entry,
                             what=f"La banca ha dato ragione al titolare della carta (contestazione {row.stripe_dispute_id})"),
    )


def _dispute_text(*, topup, row):
    return "\n".join([
        f"Contestazione {row.stripe_dispute_id} ({row.stripe_status}, motivo: {row.reason or '-'}) "
        f"di {format_euro(row.amount_cents)} sulla ricarica n. {topup.pk} di {format_euro(topup.amount_cents)}.",
        f"Titolare: {topup.holder}.",
    ])
