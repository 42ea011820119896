"""Add-on orders and add-ons (SPEC 3.5, 3.6). Write functions are named as mailboxes.services
describes: ``addon_deactivate`` saves, ``addon_deactivate_apply`` is its unsaved half for the
renewal night, ``addon_write_many`` saves a batch of those."""

import logging
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Operation
from accounts.services import operation_log, operation_settle
from billing.models import LedgerEntry
from billing.services import wallet_lock, wallet_post, wallet_spending_refusal
from invoices.selectors import invoice_missing_data
from invoices.services import invoice_issue
from mailboxes.models import Mailbox
from mailboxes.provisioning import provisioner

from .models import Addon, AddonType, Order, OrderLine
from .pricing import AddonPrice, addon_price
from .selectors import order_shortfall_cents, order_stale_cutoff

logger = logging.getLogger(__name__)

# Which Mailbox counter each kind of add-on adds its quantity to.
QUOTA_FIELD = {
    AddonType.Effect.INBOX: "inbox_extra_gb",
    AddonType.Effect.ARCHIVE: "archive_extra_gb",
    AddonType.Effect.CONSERVATION: "conservation_gb",
}


class OrderRefused(Exception):
    """An order the holder may not place; the message is shown to them as it is."""


class StaleQuote(OrderRefused):
    pass


class DuplicateOrder(OrderRefused):
    pass


@dataclass(frozen=True)
class OrderQuote:
    mailbox: Mailbox
    addon_type: AddonType
    quantity: int
    price: AddonPrice

    @property
    def ends_on(self):
        return self.mailbox.expires_on


@dataclass(frozen=True)
class OrderPlacement:
    order: Order
    shortfall_cents: int

    @property
    def completed(self):
        return self.order.status == Order.Status.COMPLETED


def mailbox_quota_apply(*, mailbox, effect, delta_gb):
    """Move one quota counter on the instance, unsaved; returns the mail platform's payload with
    the mailbox's new sizes."""
    field = QUOTA_FIELD[effect]
    setattr(mailbox, field, max(0, getattr(mailbox, field) + delta_gb))
    return {
        "inbox_gb": mailbox.plan.inbox_gb + mailbox.inbox_extra_gb,
        "archive_gb": mailbox.plan.archive_gb + mailbox.archive_extra_gb,
        "conservation_gb": mailbox.conservation_gb,
    }


def mailbox_quota_change(*, mailbox, effect, delta_gb):
    """Move one quota counter and tell the mail platform the mailbox's new sizes."""
    payload = mailbox_quota_apply(mailbox=mailbox, effect=effect, delta_gb=delta_gb)
    mailbox.save(update_fields=[QUOTA_FIELD[effect]])
    provisioner().request(mailbox=mailbox, action="quota", **payload)


ADDON_OFF_FIELDS = ["status", "deactivated_on"]


def addon_deactivate_apply(*, addon, on_date, description):
    """addon_deactivate on the instances only, unsaved: the add-on, its mailbox's quota.
    Returns the unsaved Operation for the holder's log and the mail platform's quota payload."""
    addon.status = Addon.Status.DEACTIVATED
    addon.deactivated_on = on_date
    payload = mailbox_quota_apply(mailbox=addon.mailbox, effect=addon.addon_type.effect, delta_gb=-addon.quantity)
    operation = Operation(
        holder_id=addon.mailbox.holder_id,
        kind=Operation.Kind.DEACTIVATION,
        mailbox_address=addon.mailbox.address,
        description=description,
    )
    return operation, payload


def addon_deactivate(*, addon, on_date, description):
    """Switch an add-on off: quota reduced, mail platform told, holder's log written.
    Deactivating one already off changes nothing. Call inside the caller's transaction."""
    if addon.status != Addon.Status.ACTIVE:
        return addon
    operation, payload = addon_deactivate_apply(addon=addon, on_date=on_date, description=description)
    addon.save(update_fields=ADDON_OFF_FIELDS)
    addon.mailbox.save(update_fields=[QUOTA_FIELD[addon.addon_type.effect]])
    provisioner().request(mailbox=addon.mailbox, action="quota", **payload)
    operation.save()
    return addon


def addon_write_many(*, addons):
    """Save the fields the renewal night changes (expiry; status when deactivated) of many add-ons.
    On PostgreSQL one UPDATE from arrays instead of bulk_update's CASE per column over every id."""
    if not addons:
        return
    if connection.vendor != "postgresql":
        Addon.objects.bulk_update(addons, ["expires_on", *ADDON_OFF_FIELDS])
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE addons_addon AS a SET expires_on = v.expires_on, status = v.status, "
            "deactivated_on = v.deactivated_on "
            "FROM unnest(%s::bigint[], %s::date[], %s::varchar[], %s::date[]) "
            "AS v(id, expires_on, status, deactivated_on) "
            "WHERE a.id = v.id",
            [[a.pk for a in addons], [a.expires_on for a in addons], [a.status for a in addons],
             [a.deactivated_on for a in addons]],
        )


def mailbox_can_order(mailbox):
    """Only active (certificata) mailboxes buy add-ons (SPEC 3.6): the pages offer the order form by
    this and the quote refuses by it."""
    return mailbox.status == Mailbox.Status.CERTIFIED


def order_quote(*, mailbox, addon_type_code, quantity, plan_addon_types=(), today=None):
    """The price the holder would pay now, or OrderRefused saying why they cannot buy it.

    mailbox: the holder's own, plan loaded (mailbox_get_for_holder, the 404 for anyone else's).
    plan_addon_types: the active add-on types of its plan if the caller has them (addon_types_for_plan):
    the order page does, and reading them again was 2 of its 9 queries."""
    offered = next((addon_type for addon_type in plan_addon_types if addon_type.code == addon_type_code), None)
    return _quote(mailbox=mailbox, addon_type_code=addon_type_code, quantity=quantity,
                  today=today or timezone.localdate(), offered=offered)


def _quote(*, mailbox, addon_type_code, quantity, today, offered=None):
    # offered: the add-on type already known to be active and sold with the mailbox's plan. Without
    # it (or for a code outside the plan's) the database says which refusal applies.
    if mailbox is None:
        raise OrderRefused(_("Casella non trovata."))
    if not mailbox_can_order(mailbox):
        raise OrderRefused(_("Solo le caselle attive (stato Certificato) possono acquistare Servizi Aggiuntivi."))
    addon_type = offered or AddonType.objects.filter(code=addon_type_code or "", active=True).first()
    if addon_type is None:
        raise OrderRefused(_("Servizio Aggiuntivo sconosciuto: scegline uno dall'elenco."))
    if offered is None and not addon_type.plans.filter(pk=mailbox.plan_id).exists():
        raise OrderRefused(
            _("%(addon)s non è disponibile per le caselle %(plan)s.") % {"addon": addon_type.name, "plan": mailbox.plan.name}
        )
    if not isinstance(quantity, int) or not addon_type.min_quantity <= quantity <= addon_type.max_quantity:
        raise OrderRefused(
            _("La quantità deve essere un numero intero tra %(min)s e %(max)s %(unit)s.")
            % {"min": addon_type.min_quantity, "max": addon_type.max_quantity, "unit": addon_type.unit}
        )
    price = addon_price(today=today, expires_on=mailbox.expires_on,
                        unit_price_cents=addon_type.yearly_unit_price_cents, quantity=quantity)
    return OrderQuote(mailbox=mailbox, addon_type=addon_type, quantity=quantity, price=price)


def order_place(*, holder, mailbox_id, addon_type_code, quantity, expected_gross_cents, order_key, today=None):
    """Conferma (SPEC 3.6): fix the price in an order; complete it at once when the credit covers
    it, otherwise leave it pending and report what the holder's pending orders still lack.

    Locks in the order every fulfilment path uses (wallet, then order, then mailbox), so placing,
    a landing top-up and the renewals never wait on each other in a circle."""
    today = today or timezone.localdate()
    with transaction.atomic():
        wallet = wallet_lock(holder_id=holder.pk)
        if Order.objects.filter(order_key=order_key).exists():
            raise DuplicateOrder(_("Questo ordine è già stato inviato: controlla Esito Operazioni."))
        mailbox = (
            Mailbox.objects.select_for_update(of=("self",)).select_related("plan")
            .filter(pk=mailbox_id, holder=holder).first()
        )
        quote = _quote(mailbox=mailbox, addon_type_code=addon_type_code, quantity=quantity, today=today)
        if quote.price.gross_cents != expected_gross_cents:
            raise StaleQuote(_("Il prezzo è cambiato rispetto a quello mostrato: controlla il nuovo totale e conferma di nuovo."))
        if quote.price.gross_cents:
            require_invoice_data(holder)
            if refusal := wallet_spending_refusal(wallet):
                raise OrderRefused(refusal)
        try:
            with transaction.atomic():
                order = _order_create(holder=holder, quote=quote, order_key=order_key)
        except IntegrityError:
            raise DuplicateOrder(_("Questo ordine è già stato inviato: controlla Esito Operazioni.")) from None
        operation_log(
            holder_id=holder.pk, kind=Operation.Kind.ORDER, mailbox_address=mailbox.address,
            description=_order_description(order), amount_cents=-order.gross_cents,
            outcome=Operation.Outcome.PENDING, reference=order_reference(order),
        )
        if wallet.balance_cents >= order.gross_cents:
            _order_complete(order=order, mailbox=mailbox, today=today)
            return OrderPlacement(order=order, shortfall_cents=0)
        return OrderPlacement(order=order, shortfall_cents=order_shortfall_cents(holder_id=holder.pk))


def order_fulfil(*, order_id, today=None):
    """Complete one pending order if the credit now covers it; returns the order as it stands.

    The order row is locked and its status re-read under the lock, so a webhook and a page
    refresh racing each other complete and charge it once (the ledger's unique reference is the
    second guard)."""
    holder_id = Order.objects.filter(pk=order_id).values_list("holder_id", flat=True).first()
    if holder_id is None:
        return None
    with transaction.atomic():
        wallet = wallet_lock(holder_id=holder_id)
        order = Order.objects.select_for_update(of=("self",)).select_related("addon_type", "holder").get(pk=order_id)
        if order.status != Order.Status.PENDING:
            return order
        if order.created_at < order_stale_cutoff():
            # Unpaid for 72 hours (SPEC 3.6): the credit that just landed stays in the wallet.
            _order_cancel(order=order)
            return order
        if order.mailbox_id is None:
            return _lines_fulfil(order=order, wallet=wallet, today=today or timezone.localdate())
        mailbox = Mailbox.objects.select_for_update(of=("self",)).select_related("plan").get(pk=order.mailbox_id)
        if mailbox.status != Mailbox.Status.CERTIFIED or mailbox.expires_on != order.ends_on:
            # The price was fixed for this mailbox's term; a mailbox since expired, stopped or
            # renewed gets a fresh order at a fresh price instead.
            _order_cancel(order=order)
            return order
        if wallet.balance_cents >= order.gross_cents and not wallet_spending_refusal(wallet):
            _order_complete(order=order, mailbox=mailbox, today=today or timezone.localdate())
        return order


def orders_complete_pending(*, holder_id):
    """After a top-up lands: the holder's pending orders complete oldest first, stopping at the
    first one the credit does not cover so a later, cheaper order never overtakes it."""
    pending = (
        Order.objects.filter(holder_id=holder_id, status=Order.Status.PENDING)
        .order_by("created_at", "id").values_list("id", flat=True)
    )
    for order_id in list(pending):
        try:
            order = order_fulfil(order_id=order_id)
        except Exception:
            # Called inside the top-up's transaction: a failing order must not undo the credit.
            logger.exception("Order %s could not be completed after a top-up", order_id)
            return
        if order is not None and order.status == Order.Status.PENDING:
            return


def orders_cancel_stale(*, now=None):
    """Pending orders older than 72 hours become Annullato; nothing was charged, so nothing is
    refunded. Rows another worker is completing right now are skipped, not waited for. Returns
    the orders cancelled, with their mailbox and add-on type."""
    with transaction.atomic():
        stale = list(
            Order.objects.select_for_update(skip_locked=True, of=("self",)).select_related("mailbox", "addon_type")
            .filter(status=Order.Status.PENDING, created_at__lt=order_stale_cutoff(now=now)).order_by("id")
        )
        for order in stale:
            _order_cancel(order=order)
    return stale


def require_invoice_data(holder):
    """A paid order is invoiced at once (SPEC 3.9): the profile must hold what the invoice needs."""
    missing = invoice_missing_data(holder)
    if missing:
        raise OrderRefused(
            _("Prima di un ordine a pagamento completa i dati di fatturazione in «I tuoi dati»:") + " " + " ".join(missing)
        )


def order_reference(order):
    return f"order:{order.pk}"


def _order_create(*, holder, quote, order_key):
    price = quote.price
    return Order.objects.create(
        holder=holder, mailbox=quote.mailbox, addon_type=quote.addon_type, quantity=quote.quantity,
        unit_price_cents=quote.addon_type.yearly_unit_price_cents, years=price.years,
        net_cents=price.net_cents, vat_cents=price.vat_cents, gross_cents=price.gross_cents,
        ends_on=quote.ends_on, order_key=order_key,
    )


def _order_description(order):
    addon_type = order.addon_type
    what = f"Ordine n. {order.pk}: {addon_type.name} {order.quantity} {addon_type.unit}"
    if order.gross_cents == 0:
        return f"{what}, gratuito fino alla scadenza del {order.ends_on:%d/%m/%Y}"
    years = "1 anno" if order.years == 1 else f"{order.years} anni"
    return f"{what}, {years} fino al {order.ends_on:%d/%m/%Y}"


def _order_complete(*, order, mailbox, today: date):
    # A free order moves no money (the ledger refuses zero entries): it simply activates.
    if order.gross_cents:
        description = _order_description(order)
        wallet_post(
            holder_id=order.holder_id, amount_cents=-order.gross_cents, kind=LedgerEntry.Kind.ORDER,
            reference=order_reference(order), description=description,
        )
        # The unit price on the invoice covers the whole period billed, so net = quantity × unit.
        invoice_issue(holder=order.holder, reference=order_reference(order), lines=[{
            "description": description, "mailbox_address": mailbox.address,
            "period_start": today, "period_end": order.ends_on, "quantity": order.quantity,
            "unit": order.addon_type.unit, "unit_price_cents": order.unit_price_cents * order.years,
            "net_cents": order.net_cents,
        }])
    order.status = Order.Status.COMPLETED
    order.completed_at = timezone.now()
    order.save(update_fields=["status", "completed_at"])
    Addon.objects.create(
        mailbox=mailbox, addon_type=order.addon_type, order=order, quantity=order.quantity,
        activated_on=today, expires_on=order.ends_on,
    )
    mailbox_quota_change(mailbox=mailbox, effect=order.addon_type.effect, delta_gb=order.quantity)
    operation_settle(reference=order_reference(order), outcome=Operation.Outcome.COMPLETED)


def mailbox_can_order_lines(mailbox):
    """mailbox_can_order, and no disdetta: a mailbox that ceases at expiry gets no new add-on."""
    return mailbox_can_order(mailbox) and mailbox.cancelled_on is None


def lines_description(*, order, mailboxes):
    addon_type = order.addon_type
    return f"Ordine n. {order.pk}: {addon_type.name} {order.quantity} {addon_type.unit} su {mailboxes} caselle"


def _lines_fulfil(*, order, wallet, today):
    """order_fulfil for an order over many mailboxes, under the same locks (wallet, order, then
    its mailboxes, in id order); three queries whatever their number."""
    lines = list(OrderLine.objects.filter(order=order).order_by("mailbox_id"))
    mailboxes = {
        mailbox.pk: mailbox for mailbox in Mailbox.objects.select_for_update(of=("self",)).select_related("plan")
        .filter(pk__in=[line.mailbox_id for line in lines]).order_by("pk")
    }
    for line in lines:
        mailbox = mailboxes[line.mailbox_id]
        if not mailbox_can_order_lines(mailbox) or mailbox.expires_on != line.ends_on:
            # As for one mailbox: each price was fixed for its mailbox's term; a fresh quote prices anew.
            _order_cancel(order=order)
            return order
    if wallet.balance_cents >= order.gross_cents and not wallet_spending_refusal(wallet):
        lines_complete(order=order, lines=lines, mailboxes=mailboxes, today=today)
    return order


def lines_complete(*, order, lines, mailboxes, today: date):
    """_order_complete for an order over many mailboxes: one debit, one invoice with a line per paid
    mailbox, one add-on per mailbox, quotas moved by one UPDATE; ``mailboxes`` by id, locked."""
    if order.gross_cents:
        description = lines_description(order=order, mailboxes=len(lines))
        wallet_post(
            holder_id=order.holder_id, amount_cents=-order.gross_cents, kind=LedgerEntry.Kind.ORDER,
            reference=order_reference(order), description=description,
        )
        addon_type = order.addon_type
        invoice_issue(holder=order.holder, reference=order_reference(order), lines=[{
            "description": f"{addon_type.name} {order.quantity} {addon_type.unit} (ordine n. {order.pk})",
            "mailbox_address": mailboxes[line.mailbox_id].address, "period_start": today,
            "period_end": line.ends_on, "quantity": order.quantity, "unit": addon_type.unit,
            "unit_price_cents": order.unit_price_cents * line.years, "net_cents": line.net_cents,
        } for line in lines if line.net_cents])
    order.status = Order.Status.COMPLETED
    order.completed_at = timezone.now()
    order.save(update_fields=["status", "completed_at"])
    # Straight from the order's lines in the database: 5,000 Addon instances cost half a second.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO addons_addon (mailbox_id, addon_type_id, order_id, quantity, activated_on, expires_on, status) "
            "SELECT l.mailbox_id, o.addon_type_id, o.id, o.quantity, %s, l.ends_on, %s "
            "FROM addons_orderline l JOIN addons_order o ON o.id = l.order_id WHERE l.order_id = %s",
            [today, Addon.Status.ACTIVE, order.pk],
        )
    field = QUOTA_FIELD[order.addon_type.effect]
    Mailbox.objects.filter(pk__in=list(mailboxes)).update(**{field: F(field) + order.quantity})
    provisioner().request_many([
        (mailbox, "quota", mailbox_quota_apply(mailbox=mailbox, effect=order.addon_type.effect, delta_gb=order.quantity))
        for mailbox in mailboxes.values()
    ])
    operation_settle(reference=order_reference(order), outcome=Operation.Outcome.COMPLETED)


def _order_cancel(*, order):
    order.status = Order.Status.CANCELLED
    order.save(update_fields=["status"])
    operation_settle(reference=order_reference(order), outcome=Operation.Outcome.CANCELLED)
