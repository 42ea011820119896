import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import holder_required
from billing.links import topup_amount_cents, topup_url
from billing.selectors import holder_balance_cents
from core.csv_download import csv_chunks, csv_download
from core.forms import field_values
from core.money import format_euro
from core.paging import filters_query
from mailboxes.forms import MailboxFilterForm
from mailboxes.selectors import MailboxSelectionInvalid, mailbox_get_for_holder, mailbox_selection

from .bulk import bulk_order_place, bulk_order_quote
from .forms import AddonOrderForm, AddonQuoteForm, BulkOrderForm
from .selectors import (
    MAILBOX_EXPORT_COLUMNS,
    addon_types_for_comparison,
    addon_types_for_plan,
    addon_types_on_sale,
    mailbox_export_rows,
)
from .services import DuplicateOrder, OrderRefused, mailbox_can_order, order_place, order_quote


def addon_compare(request):
    if request.login_mailbox is not None:
        request.holder = request.user.holder
    return render(request, "addons/compare.html", {"addon_types": addon_types_for_comparison()})


@holder_required
@require_http_methods(["GET", "POST"])
def addon_order_new(request, mailbox_id):
    mailbox = mailbox_get_for_holder(holder=request.holder, mailbox_id=mailbox_id)
    addon_types = addon_types_for_plan(plan_id=mailbox.plan_id)
    can_order = bool(addon_types) and mailbox_can_order(mailbox)
    # A form only for what was posted, to parse it and show it back with its errors: without (a GET, an
    # empty POST) the page shows the first type and its minimum quantity, and building an unbound form
    # for that cost a twentieth of the page's CPU.
    form = AddonOrderForm(request.POST) if request.POST else None
    quote, order_key = None, uuid.uuid4()
    if form is not None and form.is_valid():
        order_key = form.cleaned_data["order_key"]
        choice = {"addon_type_code": form.cleaned_data["addon_type"], "quantity": form.cleaned_data["quantity"]}
        if request.POST.get("confirm") == "1":
            try:
                placement = order_place(**choice, holder=request.holder, mailbox_id=mailbox.pk, order_key=order_key,
                                        expected_gross_cents=form.cleaned_data["quoted_gross_cents"])
            except DuplicateOrder as refusal:
                messages.warning(request, str(refusal))
                return redirect(_mailbox_url(mailbox))
            except OrderRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                return _after_placement(request, mailbox, placement)
        quote = _quote_or_refusal(form, mailbox, addon_types, choice)
    elif request.method == "GET" and can_order:
        quote = order_quote(mailbox=mailbox, plan_addon_types=addon_types,
                            addon_type_code=addon_types[0].code, quantity=addon_types[0].min_quantity)
    return render(request, "addons/order_new.html", {
        "mailbox": mailbox, "fields": _order_fields(form, addon_types), "form": form, "quote": quote,
        "order_key": order_key, "can_order": can_order, "price_terms": quote and _price_terms(quote),
        "mailbox_url": _mailbox_url(mailbox),
    })


def _order_fields(form, addon_types):
    """The two fields the page writes out (core.forms.field_values). After a POST, what was
    posted with its errors; without (a GET, an empty POST) no type is marked selected, so the browser
    shows the first, and the quantity is its minimum."""
    fields = {"addon_type_choices": [(t.code, f"{t.name} ({t.unit})") for t in addon_types]}
    if form is None:
        return {**fields, "addon_type": None, "addon_type_errors": (),
                "quantity": addon_types[0].min_quantity if addon_types else None, "quantity_errors": ()}
    return {**fields, **field_values(form, "addon_type"), **field_values(form, "quantity")}


def _quote_or_refusal(form, mailbox, addon_types, choice):
    # After a stale quote this is the new total to confirm; after a refusal, the same reason.
    try:
        return order_quote(mailbox=mailbox, plan_addon_types=addon_types, **choice)
    except OrderRefused as refusal:
        if not form.non_field_errors():
            form.add_error(None, str(refusal))
        return None


@holder_required
@require_GET
def addon_order_quote(request, mailbox_id):
    """The live total for addon_quote.js; the same rule and refusals as the form."""
    mailbox = mailbox_get_for_holder(holder=request.holder, mailbox_id=mailbox_id)
    addon_type_code, quantity = AddonQuoteForm(request.GET).choice()
    try:
        quote = order_quote(mailbox=mailbox, addon_type_code=addon_type_code, quantity=quantity)
    except OrderRefused as refusal:
        return JsonResponse({"ok": False, "error": str(refusal)}, status=400)
    price = quote.price
    return JsonResponse({
        "ok": True, "free": price.free, "years": price.years, "gross_cents": price.gross_cents,
        "net": format_euro(price.net_cents), "vat": format_euro(price.vat_cents), "gross": format_euro(price.gross_cents),
        "terms": _price_terms(quote),
    })


def _after_placement(request, mailbox, placement):
    if placement.completed:
        messages.success(request, _("Ordine completato"))
        return redirect(_mailbox_url(mailbox))
    amount = topup_amount_cents(placement.shortfall_cents, for_pending_order=True)
    messages.warning(request, _(
        "Credito insufficiente: l'ordine n. %(id)s è in attesa di pagamento. Ricarica %(amount)s "
        "e verrà completato automaticamente."
    ) % {"id": placement.order.pk, "amount": format_euro(amount)})
    return redirect(topup_url(placement.shortfall_cents, for_pending_order=True))


def _price_terms(quote):
    expiry = date_format(quote.ends_on, "SHORT_DATE_FORMAT")
    if quote.price.free:
        return _("gratuito fino alla scadenza del %(date)s, poi si rinnova con la casella") % {"date": expiry}
    years = ngettext("%(n)s anno", "%(n)s anni", quote.price.years) % {"n": quote.price.years}
    return _("%(years)s, fino alla scadenza del %(date)s, poi si rinnova con la casella") % {"years": years, "date": expiry}


def _mailbox_url(mailbox):
    return reverse("mailbox_detail", args=[mailbox.pk])


@require_POST
@holder_required
def mailboxes_bulk_addon_order(request):
    """One add-on order over a selection of Lista caselle PEC: without a type the choice, with one the
    quote (docs/addons.md), with ``confirm=1`` the order."""
    try:
        selection = mailbox_selection(holder=request.holder, data=request.POST)
    except MailboxSelectionInvalid as invalid:
        messages.error(request, str(invalid))
        return redirect(_list_url(request.POST))
    form = BulkOrderForm(request.POST)
    addon_type_code, quantity = form.choice()
    order_key = form.cleaned_data.get("order_key") or uuid.uuid4()
    page = {"selection": selection.as_fields(), "list_url": _list_url(request.POST), "order_key": order_key,
            "addon_types": addon_types_on_sale(), "addon_type_code": addon_type_code, "quantity": quantity,
            "count": len(selection)}
    if not request.POST.get("addon_type"):
        return render(request, "addons/bulk_order.html", page)
    today = timezone.localdate()
    choice = {"holder": request.holder, "mailbox_ids": selection.ids, "addon_type_code": addon_type_code,
              "quantity": quantity, "today": today}
    refusal = None
    if request.POST.get("confirm") == "1" and form.cleaned_data.get("order_key"):
        try:
            placement = bulk_order_place(**choice, order_key=order_key,
                                         expected_gross_cents=form.cleaned_data.get("quoted_gross_cents"))
        except DuplicateOrder as duplicate:
            messages.warning(request, str(duplicate))
            return redirect(_list_url(request.POST))
        except OrderRefused as refused:
            refusal = str(refused)
        else:
            return _after_bulk_placement(request, placement)
    try:
        quote = bulk_order_quote(**choice)
    except OrderRefused as refused:
        return render(request, "addons/bulk_order.html", {**page, "refusal": refusal or str(refused)})
    balance = holder_balance_cents(request.holder)
    shortfall = max(0, quote.gross_cents - balance)
    return render(request, "addons/bulk_order.html", {
        **page, "quote": quote, "bands": quote.bands(), "refusal": refusal, "balance_cents": balance,
        "shortfall_cents": shortfall})


def _after_bulk_placement(request, placement):
    order = placement.order
    if placement.completed:
        messages.success(request, _("Ordine n. %(id)s completato: %(amount)s.") % {
            "id": order.pk, "amount": format_euro(order.gross_cents)})
        return redirect(_list_url(request.POST))
    amount = topup_amount_cents(placement.shortfall_cents, for_pending_order=True)
    messages.warning(request, _(
        "Credito insufficiente: l'ordine n. %(id)s è in attesa di pagamento. Ricarica %(amount)s "
        "e verrà completato automaticamente."
    ) % {"id": order.pk, "amount": format_euro(amount)})
    return redirect(topup_url(placement.shortfall_cents, for_pending_order=True))


def _list_url(data):
    """Back to Lista caselle PEC with the filter the bulk form was posted from."""
    filters = {name: data[name] for name in ("q", "status") if data.get(name)}
    return reverse("mailbox_list") + (f"?{urlencode(filters)}" if filters else "")


@holder_required
@require_GET
def mailbox_export_csv(request):
    """Lista caselle PEC as CSV, whole, with the list's filters. Served by this app because each
    row names the mailbox's add-ons, and mailboxes may not import addons."""
    filters = MailboxFilterForm(request.GET)
    if not filters.is_valid():
        # The list shows what is wrong with the filter, next to it.
        return redirect(f"{reverse('mailbox_list')}?{filters_query(request.GET)}")
    rows = mailbox_export_rows(holder=request.holder, **filters.cleaned_data)
    return csv_download(csv_chunks(MAILBOX_EXPORT_COLUMNS, rows),
                        filename=f"caselle-pec-{timezone.localdate().isoformat()}.csv")
