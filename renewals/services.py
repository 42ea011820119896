"""The holder's own renewal writes on the mailbox page (SPEC 3.7): "Rinnova ora" and the
auto-renew switch. A refusal raises RenewalRefused, whose message is shown as it is.

"Rinnova ora" locks the wallet, then the mailbox, as every path but the night's batches does."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Operation
from accounts.services import operation_log
from billing.selectors import wallet_shortfall_cents
from billing.services import wallet_lock, wallet_spending_refusal
from core.money import format_euro
from mailboxes.models import Mailbox

from .cancellation import cancelled_refusal, mailbox_cancelled
from .period import RenewalWrites, addons_of_locked, period_renew
from .pricing import renewal_quote
from .selectors import addons_active, renewal_window_open
from .summaries import RenewalSummary


class RenewalRefused(Exception):
    """A manual renewal or switch the holder may not make; the message is shown as it is."""


def mailbox_renew_now(*, holder, mailbox_id, today):
    """"Rinnova ora" (SPEC 3.7): one year of the mailbox and all its active add-ons, paid from
    credit, allowed from 90 days before expiry and during the grace period. Returns the mailbox and
    the RenewalSummary of what was charged."""
    with transaction.atomic():
        wallet = wallet_lock(holder_id=holder.pk)
        mailbox = (
            Mailbox.objects.select_for_update(of=("self",)).select_related("plan", "holder")
            .filter(pk=mailbox_id, holder=holder).first()
        )
        if mailbox is None:
            raise RenewalRefused(_("Casella non trovata."))
        if mailbox_cancelled(mailbox):
            raise RenewalRefused(cancelled_refusal())
        if not renewal_window_open(mailbox=mailbox, today=today):
            raise RenewalRefused(_(
                "Questa casella non può essere rinnovata ora: il rinnovo è possibile da 90 giorni prima "
                "della scadenza e, per una casella scaduta, durante il periodo di tolleranza."
            ))
        if refusal := wallet_spending_refusal(wallet):
            raise RenewalRefused(refusal)
        addons = addons_of_locked(mailbox, list(addons_active(mailbox_id=mailbox.pk)))
        total = renewal_quote(mailbox=mailbox, addons=addons).total_gross_cents
        if wallet.balance_cents < total:
            raise RenewalRefused(
                _("Credito insufficiente: il rinnovo costa %(total)s, il credito residuo è %(balance)s. "
                  "Ricarica almeno %(missing)s e riprova.")
                % {"total": format_euro(total), "balance": format_euro(wallet.balance_cents),
                   "missing": format_euro(wallet_shortfall_cents(wallet, total))}
            )
        writes, outcome = RenewalWrites(on_date=today), RenewalSummary(mailboxes=1)
        period_renew(mailbox=mailbox, addons=addons, wallet=wallet, manual=True, writes=writes, outcome=outcome)
        writes.flush()
        return mailbox, outcome


def mailbox_auto_renew_set(*, holder, mailbox_id, enabled):
    with transaction.atomic():
        mailbox = Mailbox.objects.select_for_update().filter(pk=mailbox_id, holder=holder).first()
        if mailbox is None:
            raise RenewalRefused(_("Casella non trovata."))
        if mailbox.status not in (Mailbox.Status.CERTIFIED, Mailbox.Status.EXPIRED):
            raise RenewalRefused(_("Il rinnovo automatico di una casella in questo stato non può essere modificato."))
        if mailbox.auto_renew == enabled:
            return mailbox
        if enabled and mailbox_cancelled(mailbox):
            raise RenewalRefused(cancelled_refusal())
        mailbox.auto_renew = enabled
        mailbox.save(update_fields=["auto_renew"])
        operation_log(
            holder_id=holder.pk, kind=Operation.Kind.RENEWAL, mailbox_address=mailbox.address,
            description="Rinnovo automatico attivato" if enabled else "Rinnovo automatico disattivato",
        )
        return mailbox
