from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.decorators import holder_required
from core.client_ip import client_ip
from core.forms import field_values
from core.money import format_euro, parse_euro
from core.paging import cursor_from_query, first_page_redirect
from core.ratelimit import topup_rate_limit

from . import card_testing, stripe_gateway
from .forms import TOPUP_PRESETS_EUROS, OperationFilterForm, TopUpForm
from .links import amount_text
from .models import TopUp
from .selectors import (
    holder_wallet_reload,
    operations_for_holder,
    topup_for_holder,
    wallet_balance_cents,
)
from .services import BillingError, topup_create, topup_sync
from .webhooks import StripeUnavailable, webhook_handle


def _initial_amount(text):
    # Colleagues link here with the shortfall (?amount=6,10); anything unreadable is dropped.
    try:
        return amount_text(parse_euro(text))
    except ValueError:
        return ""


@holder_required
@topup_rate_limit
def topup_new(request):
    test_mode = stripe_gateway.is_local()
    address = client_ip(request)
    form = TopUpForm(request.POST or None, holder_id=request.holder.pk, test_mode=test_mode,
                     initial={"amount": _initial_amount(request.GET.get("amount", ""))})
    if request.method == "POST" and form.is_valid():
        try:
            topup = topup_create(holder_id=request.holder.pk, amount_cents=form.cleaned_data["amount"],
                                 client_ip=address, test_card=form.test_card_id())
        except BillingError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("billing:topup_detail", topup_id=topup.pk)
    suspended = request.method == "GET" and card_testing.topups_suspended(holder_id=request.holder.pk,
                                                                          client_ip=address)
    return render(request, "billing/topup_new.html", {
        "form": form, "presets": TOPUP_PRESETS_EUROS, "test_mode": test_mode,
        "suspended_message": card_testing.SUSPENDED_MESSAGE if suspended else "",
    })


def _holder_topup(request, topup_id):
    topup = topup_for_holder(holder_id=request.holder.pk, topup_id=topup_id)
    if topup is None:
        raise Http404
    topup = topup_sync(topup=topup)
    holder_wallet_reload(request.holder)  # the sync may just have credited it
    return topup


@holder_required
def topup_detail(request, topup_id):
    topup = _holder_topup(request, topup_id)
    test_mode = stripe_gateway.is_local()
    return render(request, "billing/topup_detail.html", {
        "topup": topup,
        "balance_cents": wallet_balance_cents(holder_id=request.holder.pk),
        "test_mode": test_mode,
        # Stripe.js finishes the payment in the browser; after a decline real Stripe lets the same
        # intent take another card (localstripe does not).
        "card_payment": topup.confirmed_in_browser and bool(topup.client_secret) and (
            topup.status == TopUp.Status.PENDING or (topup.status == TopUp.Status.FAILED and not test_mode)
        ),
        "retry_amount": amount_text(topup.amount_cents),
        "STRIPE_JS_URL": stripe_gateway.js_url(),
        "STRIPE_PUBLISHABLE_KEY": settings.STRIPE_PUBLISHABLE_KEY,
    })


@holder_required
def topup_status(request, topup_id):
    topup = _holder_topup(request, topup_id)
    return JsonResponse({
        "status": topup.status,
        "balance": format_euro(wallet_balance_cents(holder_id=request.holder.pk)),
        "message": topup.failure_message,
    })


@holder_required
def operations(request):
    cursor = cursor_from_query(request.GET)
    if cursor is None:
        return first_page_redirect(request)
    form = OperationFilterForm(request.GET)
    kind = form.cleaned_data["type"] if form.is_valid() else ""
    page = operations_for_holder(holder=request.holder, kind=kind, cursor=cursor)
    if page.cursor_lost:
        return first_page_redirect(request)
    return render(request, "billing/operations.html", {
        "page": page, "kind": kind, "query": urlencode({"type": kind}) if kind else "",
        **field_values(form, "type", ""), "type_choices": form.fields["type"].choices,
    })


@csrf_exempt  # the only one: Stripe cannot send a CSRF token; the signature authenticates it
@require_POST
def stripe_webhook(request):
    try:
        event = stripe_gateway.webhook_event(payload=request.body, signature=request.headers.get("Stripe-Signature", ""))
    except stripe_gateway.InvalidWebhook:
        return HttpResponseBadRequest("invalid signature")
    try:
        webhook_handle(event=event)
    except StripeUnavailable:
        # Stripe delivers again later (for up to three days) when it gets no 2xx.
        return HttpResponse("stripe unavailable, retry", status=503)
    return HttpResponse("ok")
