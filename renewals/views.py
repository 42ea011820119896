import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import holder_required
from addons.selectors import pending_orders_of
from billing.links import topup_url
from billing.selectors import holder_balance_cents, holder_shortfall_cents
from core.csv_download import csv_download
from core.money import format_euro
from invoices.selectors import invoice_missing_data
from mailboxes.selectors import MailboxSelectionInvalid, mailbox_get_for_holder, mailbox_selection

from .bulk import BulkRenewalRefused, bulk_renewal_quote, mailboxes_auto_renew_set, mailboxes_renew_now
from .cancellation import (
    CancellationRefused,
    addon_cancel,
    addon_cancel_revoke,
    mailbox_cancel,
    mailbox_cancel_revoke,
)
from .forecast import forecast_for_holder
from .forecast_cache import cached_attention_html, cached_forecast_html
from .forecast_csv import forecast_csv_chunks
from .forms import BulkRenewalConfirmForm
from .selectors import addon_of_mailbox, mailbox_page_get
from .services import RenewalRefused, mailbox_auto_renew_set, mailbox_renew_now


@holder_required
def mailbox_detail(request, mailbox_id):
    mailbox, addons = mailbox_page_get(holder=request.holder, mailbox_id=mailbox_id)
    return render(request, "renewals/mailbox_page.html", {"mailbox": mailbox, "addons": addons})


@require_POST
@holder_required
def mailbox_renew(request, mailbox_id):
    mailbox = mailbox_get_for_holder(holder=request.holder, mailbox_id=mailbox_id)
    try:
        mailbox, outcome = mailbox_renew_now(holder=request.holder, mailbox_id=mailbox.pk, today=timezone.localdate())
    except RenewalRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Casella %(address)s rinnovata fino al %(date)s: addebitati %(amount)s.") % {
            "address": mailbox.address, "date": mailbox.expires_on.strftime("%d/%m/%Y"),
            "amount": format_euro(outcome.debited_cents),
        })
    return redirect("mailbox_detail", mailbox_id=mailbox.pk)


@require_POST
@holder_required
def mailbox_auto_renew(request, mailbox_id):
    mailbox = mailbox_get_for_holder(holder=request.holder, mailbox_id=mailbox_id)
    enabled = request.POST.get("auto_renew") == "1"
    try:
        mailbox_auto_renew_set(holder=request.holder, mailbox_id=mailbox.pk, enabled=enabled)
    except RenewalRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Rinnovo automatico attivato.") if enabled else _("Rinnovo automatico disattivato."))
    return redirect("mailbox_detail", mailbox_id=mailbox.pk)


@require_POST
@holder_required
def mailbox_cancellation(request, mailbox_id):
    """Disdetta of a mailbox: without ``confirm`` the page that asks; ``revoke=1`` undoes it."""
    mailbox = mailbox_get_for_holder(holder=request.holder, mailbox_id=mailbox_id)
    if request.POST.get("revoke") == "1":
        change, done = mailbox_cancel_revoke, _("Disdetta revocata: la casella si rinnoverà, con il rinnovo automatico attivo.")
    elif request.POST.get("confirm") == "1":
        change, done = mailbox_cancel, _("Disdetta registrata: la casella cesserà alla scadenza, senza rinnovo.")
    else:
        return render(request, "renewals/cancel_confirm.html", {"mailbox": mailbox, "addon": None})
    _cancellation_apply(request, done, change, holder=request.holder, mailbox_id=mailbox.pk,
                        today=timezone.localdate())
    return redirect("mailbox_detail", mailbox_id=mailbox.pk)


@require_POST
@holder_required
def addon_cancellation(request, mailbox_id, addon_id):
    """Disdetta of an add-on, as mailbox_cancellation."""
    mailbox = mailbox_get_for_holder(holder=request.holder, mailbox_id=mailbox_id)
    addon = get_object_or_404(addon_of_mailbox(mailbox=mailbox, addon_id=addon_id))
    if request.POST.get("revoke") == "1":
        change, done = addon_cancel_revoke, _("Disdetta del servizio aggiuntivo revocata: si rinnoverà con la casella.")
    elif request.POST.get("confirm") == "1":
        change, done = addon_cancel, _("Disdetta registrata: il servizio aggiuntivo resta attivo fino alla scadenza.")
    else:
        return render(request, "renewals/cancel_confirm.html", {"mailbox": mailbox, "addon": addon})
    _cancellation_apply(request, done, change, holder=request.holder, mailbox_id=mailbox.pk, addon_id=addon.pk,
                        today=timezone.localdate())
    return redirect("mailbox_detail", mailbox_id=mailbox.pk)


def _cancellation_apply(request, done, change, **arguments):
    try:
        change(**arguments)
    except CancellationRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, done)


def _list_url(data):
    """Back to Lista caselle PEC with the filter the bulk form was posted from."""
    filters = {name: data[name] for name in ("q", "status") if data.get(name)}
    return reverse("mailbox_list") + (f"?{urlencode(filters)}" if filters else "")


@require_POST
@holder_required
def mailboxes_bulk_auto_renew(request):
    enabled = {"yes": True, "no": False}.get(request.POST.get("auto_renew"))
    try:
        selection = mailbox_selection(holder=request.holder, data=request.POST)
    except MailboxSelectionInvalid as invalid:
        messages.error(request, str(invalid))
        return redirect(_list_url(request.POST))
    if enabled is None:
        messages.error(request, _("Scegli se attivare o disattivare il rinnovo automatico."))
        return redirect(_list_url(request.POST))
    changed = mailboxes_auto_renew_set(holder=request.holder, mailbox_ids=selection.ids, enabled=enabled)
    done = (_("Rinnovo automatico attivato per %(count)s caselle.") if enabled
            else _("Rinnovo automatico disattivato per %(count)s caselle."))
    messages.success(request, done % {"count": changed})
    if unchanged := len(selection) - changed:
        messages.info(request, _("%(count)s caselle selezionate erano già così o sono in uno stato che non lo "
                                 "consente.") % {"count": unchanged})
    return redirect(_list_url(request.POST))


@require_POST
@holder_required
def mailboxes_bulk_renew(request):
    try:
        selection = mailbox_selection(holder=request.holder, data=request.POST)
    except MailboxSelectionInvalid as invalid:
        messages.error(request, str(invalid))
        return redirect(_list_url(request.POST))
    confirm = BulkRenewalConfirmForm(request.POST)
    if request.POST.get("confirm") != "1" or not confirm.is_valid():
        return _bulk_renew_quote_page(request, selection, renewal_key=uuid.uuid4())
    renewal_key = confirm.cleaned_data["renewal_key"]
    try:
        done = mailboxes_renew_now(holder=request.holder, mailbox_ids=selection.ids, today=timezone.localdate(),
                                   renewal_key=renewal_key, expected_gross_cents=confirm.cleaned_data["quoted_gross_cents"])
    except BulkRenewalRefused as refusal:
        return _bulk_renew_quote_page(request, selection, renewal_key=renewal_key, refusal=refusal)
    if done.repeated:
        messages.info(request, _("Questo rinnovo è già stato eseguito: nulla è stato addebitato di nuovo."))
    else:
        messages.success(request, _("Rinnovate %(count)s caselle: addebitati %(amount)s.") % {
            "count": done.mailboxes, "amount": format_euro(done.charged_cents)})
    return redirect(_list_url(request.POST))


def _bulk_renew_quote_page(request, selection, *, renewal_key, refusal=None):
    """The quote, again after a refusal: the key stays, since nothing was paid under it."""
    quote = bulk_renewal_quote(holder=request.holder, mailbox_ids=selection.ids, today=timezone.localdate())
    balance = holder_balance_cents(request.holder)
    shortfall = holder_shortfall_cents(request.holder, quote.gross_cents)
    return render(request, "renewals/bulk_renew.html", {
        "quote": quote, "selection": selection.as_fields(), "refusal": refusal, "balance_cents": balance,
        "shortfall_cents": shortfall, "topup_url": topup_url(shortfall), "list_url": _list_url(request.POST),
        "renewal_key": renewal_key,
    })


@holder_required
def dashboard(request):
    pending_orders = pending_orders_of(request.holder)

    def attention_card(forecast, attention):
        # No request: the card is the same for every visitor of the holder, so it can be kept.
        return render_to_string("renewals/dashboard_attention.html", {
            "forecast": forecast, "attention": attention, "pending_orders": pending_orders,
            "pending_orders_topup_url": topup_url(pending_orders.shortfall_cents, for_pending_order=True),
        })

    return render(request, "billing/dashboard.html", {
        "balance_cents": holder_balance_cents(request.holder),
        "billing_data_missing": invoice_missing_data(request.holder),
        "attention_card": cached_attention_html(holder=request.holder, today=timezone.localdate(),
                                                language=request.LANGUAGE_CODE, pending_orders=pending_orders,
                                                render=attention_card),
    })


@holder_required
def renewal_forecast(request):
    content = cached_forecast_html(holder=request.holder, today=timezone.localdate(),
                                   number=_page_number(request.GET.get("page")), language=request.LANGUAGE_CODE,
                                   render=_forecast_content)
    return render(request, "renewals/forecast.html", {"content": content})


def _forecast_content(forecast, page):
    # No request: the content is the same for every visitor of the holder, so it can be kept.
    return render_to_string("renewals/forecast_content.html", {"forecast": forecast, "page": page})


def _page_number(text):
    # A mistyped or stale ?page= shows the nearest page there is, never an error.
    try:
        return int(text)
    except (TypeError, ValueError):
        return 1


@holder_required
def renewal_forecast_csv(request):
    today = timezone.localdate()
    return csv_download(forecast_csv_chunks(forecast_for_holder(holder=request.holder, today=today)),
                        filename=f"previsione-rinnovi-{today.isoformat()}.csv")
