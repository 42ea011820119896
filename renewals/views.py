from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import holder_required
from core.csv_download import csv_download
from core.money import format_euro
from mailboxes.selectors import mailbox_get_for_holder

from .cancellation import (
    CancellationRefused,
    addon_cancel,
    addon_cancel_revoke,
    mailbox_cancel,
    mailbox_cancel_revoke,
)
from .forecast import forecast_for_holder, forecast_page, forecast_topups
from .forecast_csv import forecast_csv_chunks
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


@holder_required
def renewal_forecast(request):
    forecast = forecast_for_holder(holder=request.holder, today=timezone.localdate())
    return render(request, "renewals/forecast.html", {
        "forecast": forecast, "topups": forecast_topups(forecast),
        "page": forecast_page(forecast, _page_number(request.GET.get("page"))),
    })


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
