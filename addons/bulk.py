"""One add-on order over a selection of Lista caselle PEC (SPEC 3.6, docs/addons.md): each mailbox
priced by its own expiry (the three-month rule per mailbox), co-terminous with it; one Order with an
OrderLine per mailbox, paid by one debit, billed on one invoice with a line per paid mailbox, logged
as one operation in Esito Operazioni. Short of credit it waits, as a single order does, and
billing.hooks completes it when a top-up lands (addons.services.order_fulfil).

The quote page and the placement price the selection with the same function; the placement reads it
again under the locks (the wallet first, then the mailboxes), and the order's unique key, handed out
by the quote page, makes a resubmitted form place one order."""

import itertools
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Operation
from accounts.services import operation_log
from billing.services import wallet_lock, wallet_spending_refusal
from invoices.vat import gross_cents, vat_cents
from mailboxes.models import Mailbox

from .models import AddonType, Order, OrderLine
from .pricing import AddonPrice, addon_price
from .selectors import order_shortfall_cents
from .services import (
    DuplicateOrder,
    OrderPlacement,
    OrderRefused,
    StaleQuote,
    lines_complete,
    lines_description,
    mailbox_can_order,
    order_reference,
    require_invoice_data,
)


@dataclass(frozen=True)
class BulkOrderItem:
    mailbox: Mailbox
    price: AddonPrice


@dataclass(frozen=True)
class BulkOrderBand:
    """The mailboxes that pay the same price: as many years, or free (fewer than three months left)."""

    years: int
    count: int
    mailbox_gross_cents: int

    @property
    def free(self):
        return self.years == 0


@dataclass(frozen=True)
class BulkOrderExcluded:
    address: str
    reason: str


@dataclass
class BulkOrderQuote:
    """What the add-on costs over a selection. IVA is computed once on the invoice's net total
    (invoices.vat), so the total may differ by a cent or two from the sum of the bands."""

    addon_type: AddonType
    quantity: int
    items: list = field(default_factory=list)
    excluded: list = field(default_factory=list)

    @property
    def net_cents(self):
        return sum(item.price.net_cents for item in self.items)

    @property
    def vat_cents(self):
        return vat_cents(self.net_cents)

    @property
    def gross_cents(self):
        return gross_cents(self.net_cents)

    def bands(self):
        """How many mailboxes pay each price, cheapest first."""
        by_years = sorted(self.items, key=lambda item: item.price.years)
        return [
            BulkOrderBand(years=years, count=len(same := list(group)), mailbox_gross_cents=same[0].price.gross_cents)
            for years, group in itertools.groupby(by_years, key=lambda item: item.price.years)
        ]


def bulk_addon_type(*, addon_type_code, quantity):
    """The add-on type on sale under ``addon_type_code`` with the ids of its plans, or OrderRefused
    for an unknown type or a quantity outside its range."""
    addon_type = AddonType.objects.filter(code=addon_type_code or "", active=True).first()
    if addon_type is None:
        raise OrderRefused(_("Servizio Aggiuntivo sconosciuto: scegline uno dall'elenco."))
    if not isinstance(quantity, int) or not addon_type.min_quantity <= quantity <= addon_type.max_quantity:
        raise OrderRefused(
            _("La quantità deve essere un numero intero tra %(min)s e %(max)s %(unit)s.")
            % {"min": addon_type.min_quantity, "max": addon_type.max_quantity, "unit": addon_type.unit}
        )
    return addon_type, set(addon_type.plans.values_list("pk", flat=True))


def bulk_order_quote(*, holder, mailbox_ids, addon_type_code, quantity, today, lock=False):
    """The quote of the holder's mailboxes among ``mailbox_ids``, in id order: three queries whatever
    their number. ``lock``: the mailboxes are locked for the caller's transaction."""
    addon_type, plan_ids = bulk_addon_type(addon_type_code=addon_type_code, quantity=quantity)
    mailboxes = Mailbox.objects.select_related("plan").filter(pk__in=mailbox_ids, holder_id=holder.pk).order_by("pk")
    if lock:
        mailboxes = mailboxes.select_for_update(of=("self",))
    quote = BulkOrderQuote(addon_type=addon_type, quantity=quantity)
    for mailbox in mailboxes:
        if reason := _exclusion(mailbox=mailbox, addon_type=addon_type, plan_ids=plan_ids):
            quote.excluded.append(BulkOrderExcluded(address=mailbox.address, reason=reason))
            continue
        price = addon_price(today=today, expires_on=mailbox.expires_on,
                            unit_price_cents=addon_type.yearly_unit_price_cents, quantity=quantity)
        quote.items.append(BulkOrderItem(mailbox=mailbox, price=price))
    return quote


def _exclusion(*, mailbox, addon_type, plan_ids):
    """Why ``mailbox`` cannot take the add-on, or "" when it can."""
    if not mailbox_can_order(mailbox):
        return _("non certificata (stato: %(status)s)") % {"status": mailbox.get_status_display()}
    if mailbox.cancelled_on is not None:
        return _("disdetta il %(date)s: cessa alla scadenza senza rinnovo") % {
            "date": mailbox.cancelled_on.strftime("%d/%m/%Y")}
    if mailbox.plan_id not in plan_ids:
        return _("%(addon)s non è disponibile per le caselle %(plan)s.") % {
            "addon": addon_type.name, "plan": mailbox.plan.name}
    return ""


def bulk_order_place(*, holder, mailbox_ids, addon_type_code, quantity, expected_gross_cents, order_key, today):
    """Conferma over a selection: fix each mailbox's price in one order; complete it at once when the
    credit covers it, otherwise leave it pending and report what the holder's pending orders lack.
    Raises DuplicateOrder for a key already used and OrderRefused (nothing written) otherwise."""
    with transaction.atomic():
        wallet = wallet_lock(holder_id=holder.pk)
        if Order.objects.filter(order_key=order_key).exists():
            raise DuplicateOrder(_("Questo ordine è già stato inviato: controlla Esito Operazioni."))
        quote = bulk_order_quote(holder=holder, mailbox_ids=mailbox_ids, addon_type_code=addon_type_code,
                                 quantity=quantity, today=today, lock=True)
        if not quote.items:
            raise OrderRefused(_("Nessuna delle caselle selezionate può acquistare questo Servizio Aggiuntivo."))
        if quote.gross_cents != expected_gross_cents:
            raise StaleQuote(_("Il prezzo è cambiato rispetto a quello mostrato: controlla il nuovo totale e conferma di nuovo."))
        if quote.gross_cents:
            require_invoice_data(holder)
            if refusal := wallet_spending_refusal(wallet):
                raise OrderRefused(refusal)
        try:
            with transaction.atomic():
                order, lines = _order_create(holder=holder, quote=quote, order_key=order_key)
        except IntegrityError:
            raise DuplicateOrder(_("Questo ordine è già stato inviato: controlla Esito Operazioni.")) from None
        operation_log(
            holder_id=holder.pk, kind=Operation.Kind.ORDER, description=lines_description(order=order, mailboxes=len(lines)),
            amount_cents=-order.gross_cents, outcome=Operation.Outcome.PENDING, reference=order_reference(order),
        )
        if wallet.balance_cents >= order.gross_cents:
            lines_complete(order=order, lines=lines, mailboxes={item.mailbox.pk: item.mailbox for item in quote.items},
                           today=today)
            return OrderPlacement(order=order, shortfall_cents=0)
        return OrderPlacement(order=order, shortfall_cents=order_shortfall_cents(holder_id=holder.pk))


def _order_create(*, holder, quote, order_key):
    order = Order.objects.create(
        holder=holder, mailbox=None, addon_type=quote.addon_type, quantity=quote.quantity,
        unit_price_cents=quote.addon_type.yearly_unit_price_cents, years=None, ends_on=None,
        net_cents=quote.net_cents, vat_cents=quote.vat_cents, gross_cents=quote.gross_cents, order_key=order_key,
    )
    order.holder = holder
    lines = OrderLine.objects.bulk_create([
        OrderLine(order=order, mailbox_id=item.mailbox.pk, years=item.price.years, net_cents=item.price.net_cents,
                  ends_on=item.mailbox.expires_on)
        for item in quote.items
    ])
    return order, lines
