import re

import pytest
from django.test import Client

from accounts.models import Operation
from billing import hooks, stripe_gateway
from billing.models import TopUp
from billing.selectors import wallet_balance_cents
from billing.services import BillingError, topup_amount_check
from tests.billing.conftest import make_topup
from tests.factories import PASSWORD, make_holder

pytestmark = pytest.mark.django_db


@pytest.fixture
def shortfall(monkeypatch):
    """A pending order lacking this many cents (addons registers the real provider)."""
    amount = {"cents": 0}
    monkeypatch.setattr(hooks, "_shortfall_providers", [lambda *, holder_id: amount["cents"]])
    return amount


@pytest.fixture
def real_stripe(settings, monkeypatch):
    """Production configuration, with the two Stripe calls the pages make answered locally."""
    settings.STRIPE_API_BASE = ""
    settings.STRIPE_PUBLISHABLE_KEY = "pk_live_portal"
    opened = []

    def intent_create(*, amount_cents, metadata, idempotency_key, payment_method=None):
        opened.append((amount_cents, metadata, idempotency_key, payment_method))
        return stripe_gateway.Intent(id=f"pi_real_{len(opened)}", status="requires_payment_method",
                                     amount=amount_cents, currency="eur", client_secret=f"pi_real_{len(opened)}_secret_z")

    def intent_retrieve(*, payment_intent_id):
        return stripe_gateway.Intent(id=payment_intent_id, status="requires_payment_method", amount=0, currency="eur")

    monkeypatch.setattr(stripe_gateway, "intent_create", intent_create)
    monkeypatch.setattr(stripe_gateway, "intent_retrieve", intent_retrieve)
    return opened


def test_the_page_offers_the_presets_and_a_free_amount(holder_client):
    page = holder_client.get("/credit/topup/").content.decode()
    for euros in (10, 25, 50, 100):
        assert f'href="?amount={euros}"' in page
    assert 'name="amount"' in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_the_amount_is_prefilled_from_the_shortfall_link(holder_client):
    page = holder_client.get("/credit/topup/?amount=6,10").content.decode()
    assert re.search(r'name="amount"[^>]*value="6,10"', page)


def test_an_unreadable_prefill_is_dropped(holder_client):
    page = holder_client.get('/credit/topup/?amount="><script>').content.decode()
    assert "<script>" not in page.split('name="amount"')[1].split(">")[0]
    assert not re.search(r'name="amount"[^>]*value=', page)


@pytest.mark.parametrize("amount, message", [
    ("4,99", "L&#x27;importo minimo di una ricarica è € 5,00."),
    ("5000,01", "L&#x27;importo massimo di una ricarica è € 5.000,00."),
    ("dieci", "Inserisci un importo in euro, ad esempio 25 oppure 25,50."),
    ("1.000,00", "Inserisci un importo in euro, ad esempio 25 oppure 25,50."),
    ("", "Questo campo è obbligatorio."),
])
def test_a_bad_amount_is_refused_with_a_clear_message_and_nothing_starts(holder_client, amount, message):
    response = holder_client.post("/credit/topup/", {"amount": amount})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TopUp.objects.exists()
    assert not Operation.objects.exists()


def test_the_exact_shortfall_of_a_pending_order_may_go_below_the_minimum(holder, shortfall):
    shortfall["cents"] = 75
    topup_amount_check(holder_id=holder.pk, amount_cents=75)
    with pytest.raises(BillingError):
        topup_amount_check(holder_id=holder.pk, amount_cents=80)


def test_a_shortfall_under_fifty_cents_is_paid_with_stripes_minimum(holder, shortfall):
    shortfall["cents"] = 30
    topup_amount_check(holder_id=holder.pk, amount_cents=50)
    with pytest.raises(BillingError):
        topup_amount_check(holder_id=holder.pk, amount_cents=30)


def test_without_a_pending_order_the_minimum_applies(holder, shortfall):
    with pytest.raises(BillingError, match="minimo"):
        topup_amount_check(holder_id=holder.pk, amount_cents=75)


def test_in_test_mode_a_test_card_tops_up_and_the_return_page_shows_the_new_balance(holder_client, holder, stripe_settings):
    response = holder_client.post("/credit/topup/", {"amount": "10,50", "test_card": "ok"})
    topup = TopUp.objects.get(holder=holder)
    assert response.status_code == 302
    assert response["Location"] == f"/credit/topup/{topup.pk}/"

    page = holder_client.get(response["Location"]).content.decode()
    assert "Ricarica completata" in page
    assert "€ 10,50" in page
    assert wallet_balance_cents(holder_id=holder.pk) == 1050


def test_in_test_mode_a_declined_test_card_says_so_and_credits_nothing(holder_client, holder, stripe_settings):
    response = holder_client.post("/credit/topup/", {"amount": "25.00", "test_card": "declined"}, follow=True)
    page = response.content.decode()
    assert "Pagamento non riuscito" in page
    assert "La carta è stata rifiutata" in page
    assert wallet_balance_cents(holder_id=holder.pk) == 0
    assert Operation.objects.get(holder=holder).get_outcome_display() == "Fallito"


def test_in_test_mode_the_3d_secure_card_is_finished_by_localstripes_stripe_js(holder_client, holder, stripe_settings):
    response = holder_client.post("/credit/topup/", {"amount": "10", "test_card": "3ds"}, follow=True)
    page = response.content.decode()
    topup = TopUp.objects.get(holder=holder)
    assert topup.status == TopUp.Status.PENDING
    assert f'<script src="{stripe_settings.STRIPE_API_BASE}/js.stripe.com/v3/"></script>' in page
    assert f'data-client-secret="{topup.client_secret}"' in page
    assert wallet_balance_cents(holder_id=holder.pk) == 0


def test_test_mode_is_clearly_labelled_and_offers_the_test_cards(holder_client, stripe_settings):
    page = holder_client.get("/credit/topup/").content.decode()
    assert "Modalità di prova" in page
    assert 'name="test_card"' in page


def test_with_real_stripe_the_card_is_typed_into_stripe_js_and_no_test_card_exists(holder_client, holder, real_stripe):
    page = holder_client.get("/credit/topup/").content.decode()
    assert "Modalità di prova" not in page
    assert 'name="test_card"' not in page

    response = holder_client.post("/credit/topup/", {"amount": "25", "test_card": "ok"})
    topup = TopUp.objects.get(holder=holder)
    assert real_stripe == [(2500, {"topup_id": str(topup.pk), "holder_id": str(holder.pk)}, topup.idempotency_key, None)]
    page = holder_client.get(response["Location"]).content.decode()
    assert '<script src="https://js.stripe.com/v3/"></script>' in page
    assert 'data-client-secret="pi_real_1_secret_z"' in page
    assert 'data-publishable-key="pk_live_portal"' in page
    assert "<script>" not in page


def test_the_status_endpoint_reports_pending_then_the_new_balance(holder_client, holder, real_stripe, monkeypatch):
    topup = make_topup(holder, 1000)
    assert holder_client.get(f"/credit/topup/{topup.pk}/status/").json() == {
        "status": "pending", "balance": "€ 0,00", "message": ""}
    succeeded = stripe_gateway.Intent(id=topup.stripe_payment_intent_id, status="succeeded", amount=1000, currency="eur")
    monkeypatch.setattr(stripe_gateway, "intent_retrieve", lambda *, payment_intent_id: succeeded)
    TopUp.objects.filter(pk=topup.pk).update(stripe_checked_at=None)  # the next poll is due
    assert holder_client.get(f"/credit/topup/{topup.pk}/status/").json() == {
        "status": "succeeded", "balance": "€ 10,00", "message": ""}


def test_another_holders_top_up_is_not_found(holder_client, real_stripe):
    stranger = make_topup(make_holder(), 1000)
    assert holder_client.get(f"/credit/topup/{stranger.pk}/").status_code == 404
    assert holder_client.get(f"/credit/topup/{stranger.pk}/status/").status_code == 404


def test_the_top_up_form_is_protected_against_cross_site_requests(mailbox):
    browser = Client(enforce_csrf_checks=True)
    browser.get("/login/")
    browser.post("/login/", {"username": mailbox.address, "password": PASSWORD,
                             "csrfmiddlewaretoken": browser.cookies["csrftoken"].value})
    assert browser.get("/credit/topup/").status_code == 200
    assert browser.post("/credit/topup/", {"amount": "10"}).status_code == 403
    assert not TopUp.objects.exists()


def test_an_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/credit/topup/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
