""""Rinnova ora" over a selection of Lista caselle PEC (SPEC 3.7, docs/renewals.md): every selected
mailbox inside its renewal window, with its active add-ons, paid by one debit and billed on one
invoice with a line per mailbox and per add-on, logged as one operation in Esito Operazioni.

The quote page and the payment price the selection with the same function; the payment reads it
again under the locks (the wallet first, then the mailboxes, as "Rinnova ora" and the night's second
pass do), so a mailbox the night renewed meanwhile has left its window and is not charged again; the
unique RenewalCharge period is the guard behind that. The key the quote page hands out names the
payment (``renewal:bulk:<key>``): posting it twice pays once."""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Operation
from billing.selectors import wallet_shortfall_cents
from billing.services import wallet_lock, wallet_spending_refusal
from core.money import format_euro
from invoices.vat import gross_cents, vat_cents
from mailboxes.models import Mailbox
from mailboxes.services import mailbox_auto_renew_set_many

from .cancellation import mailbox_cancelled
from .period import RenewalWrites, addons_of_locked, period_renew
from .pricing import renewal_quote
from .selectors import MANUAL_RENEWAL_DAYS, addons_active_by_mailbox, grace_period
from .services import RenewalRefused
from .summaries import RenewalSummary


class BulkRenewalRefused(RenewalRefused):
    """A bulk renewal not paid; ``shortfall_cents`` is what the credit lacks, when that is why."""

    def __init__(self, message, *, shortfall_cents=0):
        super().__init__(message)
        self.shortfall_cents = shortfall_cents


@dataclass(frozen=True)
class BulkRenewalItem:
    mailbox: Mailbox
    addons: list
    quote: object  # RenewalQuote

    @property
    def net_cents(self):
        return sum(line.net_cents for line in self.quote.lines)


@dataclass(frozen=True)
class BulkRenewalExcluded:
    address: str
    reason: str


@dataclass
class BulkRenewalQuote:
    """What "Rinnova ora" costs for a selection: the mailboxes it renews and those it leaves out,
    with why. IVA is computed once on the invoice's net total (invoices.vat), so the total may
    differ by a cent or two from the sum of the lines' gross prices."""

    items: list = field(default_factory=list)
    excluded: list = field(default_factory=list)

    @property
    def net_cents(self):
        return sum(item.net_cents for item in self.items)

    @property
    def vat_cents(self):
        return vat_cents(self.net_cents)

    @property
    def gross_cents(self):
        return gross_cents(self.net_cents)

    @property
    def addon_count(self):
        """Add-ons renewed: a cancelled one (disdetta) is not."""
        return sum(len(item.quote.addon_lines) for item in self.items)


@dataclass(frozen=True)
class BulkRenewalDone:
    mailboxes: int
    charged_cents: int
    repeated: bool = False


def bulk_renewal_reference(renewal_key):
    return f"renewal:bulk:{renewal_key}"


def window_exclusion(*, mailbox, today):
    """Why "Rinnova ora" cannot renew ``mailbox`` today (renewals.selectors.renewal_window_open's
    rule, in words, and the disdetta's), or "" when it can."""
    if mailbox_cancelled(mailbox):
        return _("disdetta il %(date)s: cessa alla scadenza senza rinnovo") % {
            "date": mailbox.cancelled_on.strftime("%d/%m/%Y")}
    if mailbox.status == Mailbox.Status.CERTIFIED:
        if (mailbox.expires_on - today).days <= MANUAL_RENEWAL_DAYS:
            return ""
        return _("fuori dalla finestra di rinnovo: scade il %(date)s, rinnovabile da %(days)s giorni prima") % {
            "date": mailbox.expires_on.strftime("%d/%m/%Y"), "days": MANUAL_RENEWAL_DAYS}
    if mailbox.status == Mailbox.Status.EXPIRED:
        if today - mailbox.expires_on <= grace_period():
            return ""
        return _("scaduta da oltre %(days)s giorni: periodo di tolleranza terminato") % {"days": grace_period().days}
    return _("non certificata (stato: %(status)s)") % {"status": mailbox.get_status_display()}


def bulk_renewal_quote(*, holder, mailbox_ids, today, lock=False):
    """The quote of the holder's mailboxes among ``mailbox_ids``, in id order (the order the night
    renews in): two queries whatever their number. ``lock``: the mailboxes are locked for the
    caller's transaction."""
    mailboxes = Mailbox.objects.select_related("plan").filter(pk__in=mailbox_ids, holder_id=holder.pk).order_by("pk")
    if lock:
        mailboxes = mailboxes.select_for_update(of=("self",))
    mailboxes = list(mailboxes)
    addons = addons_active_by_mailbox(mailbox_ids=[mailbox.pk for mailbox in mailboxes])
    quote = BulkRenewalQuote()
    for mailbox in mailboxes:
        mailbox.holder = holder  # the caller's instance: no join and no copy per mailbox
        if reason := window_exclusion(mailbox=mailbox, today=today):
            quote.excluded.append(BulkRenewalExcluded(address=mailbox.address, reason=reason))
            continue
        active = addons_of_locked(mailbox, addons.get(mailbox.pk, []))
        quote.items.append(BulkRenewalItem(mailbox=mailbox, addons=active,
                                           quote=renewal_quote(mailbox=mailbox, addons=active)))
    return quote


def mailboxes_renew_now(*, holder, mailbox_ids, today, renewal_key, expected_gross_cents):
    """Pay the bulk quote the holder confirmed (``expected_gross_cents``, under ``renewal_key``).
    Returns a BulkRenewalDone; raises BulkRenewalRefused with nothing charged when the credit is
    frozen or short, nothing is renewable, or the quote changed since it was shown (the holder
    then confirms the new one)."""
    reference = bulk_renewal_reference(renewal_key)
    try:
        with transaction.atomic():
            wallet = wallet_lock(holder_id=holder.pk)
            done = Operation.objects.filter(reference=reference).values_list("amount_cents", flat=True).first()
            if done is not None:
                return BulkRenewalDone(mailboxes=0, charged_cents=-(done or 0), repeated=True)
            quote = bulk_renewal_quote(holder=holder, mailbox_ids=mailbox_ids, today=today, lock=True)
            _payment_check(quote=quote, wallet=wallet, expected_gross_cents=expected_gross_cents)
            writes = BulkRenewalWrites(on_date=today, holder=holder, wallet=wallet, reference=reference,
                                       description=_bulk_description(quote))
            outcome = RenewalSummary(mailboxes=len(quote.items))
            for item in quote.items:
                period_renew(mailbox=item.mailbox, addons=item.addons, wallet=wallet, manual=True, writes=writes,
                             outcome=outcome)
            writes.flush()
    except IntegrityError as error:
        # A period charged meanwhile by a path that does not take the wallet first.
        raise BulkRenewalRefused(_("Una delle caselle è stata rinnovata nel frattempo: "
                                   "nulla è stato addebitato. Ricarica la lista e riprova.")) from error
    return BulkRenewalDone(mailboxes=len(quote.items), charged_cents=quote.gross_cents)


def _payment_check(*, quote, wallet, expected_gross_cents):
    if not quote.items:
        raise BulkRenewalRefused(_("Nessuna delle caselle selezionate può essere rinnovata ora."))
    if refusal := wallet_spending_refusal(wallet):
        raise BulkRenewalRefused(refusal)
    if quote.gross_cents != expected_gross_cents:
        raise BulkRenewalRefused(
            _("Il preventivo è cambiato da quando l'hai visto (ora %(total)s): controlla quello nuovo e conferma.")
            % {"total": format_euro(quote.gross_cents)})
    if wallet.balance_cents < quote.gross_cents:
        shortfall = wallet_shortfall_cents(wallet, quote.gross_cents)
        raise BulkRenewalRefused(
            _("Credito insufficiente: il rinnovo costa %(total)s, il credito residuo è %(balance)s. "
              "Ricarica almeno %(missing)s e conferma di nuovo.")
            % {"total": format_euro(quote.gross_cents), "balance": format_euro(wallet.balance_cents),
               "missing": format_euro(shortfall)},
            shortfall_cents=shortfall)


def _bulk_description(quote):
    return (f"Rinnovo manuale di {len(quote.items)} caselle e {quote.addon_count} servizi aggiuntivi"
            if quote.addon_count else f"Rinnovo manuale di {len(quote.items)} caselle")


class BulkRenewalWrites(RenewalWrites):
    """RenewalWrites whose charges are debited together, billed on one invoice and logged as one
    operation: what the holder confirmed as one payment."""

    def __init__(self, *, on_date, holder, wallet, reference, description):
        super().__init__(on_date=on_date)
        self.holder, self.wallet, self.reference, self.description = holder, wallet, reference, description
        self.invoice_lines = []

    def charge(self, *, mailbox, wallet, line, reference, description, invoice_line):
        # The balance moves once, at flush: the payment check has covered the whole total.
        if line.gross_cents:
            self.invoice_lines.append(invoice_line)
        return None

    def flush(self):
        total = gross_cents(sum(line["net_cents"] for line in self.invoice_lines))
        self.operations.append(Operation(holder_id=self.holder.pk, kind=Operation.Kind.RENEWAL,
                                         description=self.description, amount_cents=-total, reference=self.reference))
        if total:
            entry = self.debit(wallet=self.wallet, gross_cents=total, reference=self.reference,
                               description=self.description)
            for charge in self.charges:
                if charge.gross_cents:
                    charge.ledger_entry = entry
            self.invoices.append((self.holder, self.reference, self.invoice_lines))
        super().flush()


def mailboxes_auto_renew_set(*, holder, mailbox_ids, enabled):
    """The auto-renew switch over a selection; returns how many mailboxes changed."""
    return len(mailbox_auto_renew_set_many(holder_id=holder.pk, mailbox_ids=mailbox_ids, enabled=enabled))
