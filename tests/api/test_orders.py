"""Ordering add-ons through the API: only with the ``read+orders`` scope, and once per
Idempotency-Key whatever the retries."""

import pytest

from accounts.models import ApiToken
from addons.models import Addon, Order
from billing.models import LedgerEntry
from tests.addons.conftest import give_credit
from tests.api.conftest import api_client, error_code
from tests.factories import make_mailbox

ORDER = {"addon_type": "inbox_extra", "quantity": 2}


def single_url(mailbox):
    return f"/api/v1/mailboxes/{mailbox.pk}/orders/"


def state():
    return Order.objects.count(), Addon.objects.count(), LedgerEntry.objects.count()


@pytest.fixture
def funded(holder):
    give_credit(holder, 20_000)
    return holder


def test_a_read_token_cannot_order_and_nothing_changes(funded, reader, mailbox):
    before = state()
    for path, body in ((single_url(mailbox), ORDER), ("/api/v1/orders/bulk/", {**ORDER, "mailboxes": [mailbox.pk]})):
        response = reader.post(path, body, idempotency_key="k-read")
        assert response.status_code == 403, path
        assert error_code(response) == "scope_required"
    assert state() == before


def test_an_order_with_credit_completes_and_is_charged_once(funded, orderer, mailbox):
    response = orderer.post(single_url(mailbox), ORDER, idempotency_key="k1")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["order"]["status"] == "completed" and body["shortfall_cents"] == 0
    assert body["order"]["mailbox_id"] == mailbox.pk and body["order"]["addon_type"] == "inbox_extra"
    assert Addon.objects.get().quantity == 2
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ORDER).count() == 1


def test_without_credit_the_order_waits(holder, orderer, mailbox):
    body = orderer.post(single_url(mailbox), ORDER, idempotency_key="k-wait").json()
    assert body["order"]["status"] == "pending"
    assert body["shortfall_cents"] == body["order"]["gross_cents"] > 0
    assert not Addon.objects.exists()


def test_the_same_key_and_body_return_the_first_answer(funded, orderer, mailbox):
    first = orderer.post(single_url(mailbox), ORDER, idempotency_key="k-replay")
    before = state()
    again = orderer.post(single_url(mailbox), {"quantity": 2, "addon_type": "inbox_extra"}, idempotency_key="k-replay")
    assert again.status_code == first.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert state() == before


def test_the_key_is_the_holders_whichever_token_sends_it(funded, orderer, mailbox):
    first = orderer.post(single_url(mailbox), ORDER, idempotency_key="k-shared")
    second_token = api_client(funded, ApiToken.Scope.ORDERS, name="altro sistema")
    assert second_token.post(single_url(mailbox), ORDER, idempotency_key="k-shared").json() == first.json()
    assert Order.objects.count() == 1


def test_the_same_key_with_another_body_is_a_409(funded, orderer, mailbox):
    orderer.post(single_url(mailbox), ORDER, idempotency_key="k-reuse")
    before = state()
    response = orderer.post(single_url(mailbox), {**ORDER, "quantity": 3}, idempotency_key="k-reuse")
    assert response.status_code == 409
    assert error_code(response) == "idempotency_key_reused"
    elsewhere = make_mailbox(funded)
    assert error_code(orderer.post(single_url(elsewhere), ORDER, idempotency_key="k-reuse")) == "idempotency_key_reused"
    assert state() == before


def test_an_order_needs_a_well_formed_key(funded, orderer, mailbox):
    assert error_code(orderer.post(single_url(mailbox), ORDER)) == "idempotency_key_required"
    for key in ("", "with space", "x" * 256, "città"):
        response = orderer.client.post(single_url(mailbox), ORDER, content_type="application/json",
                                       HTTP_AUTHORIZATION=f"Bearer {orderer.key}", HTTP_IDEMPOTENCY_KEY=key)
        assert response.status_code == 400, key
        assert error_code(response) == "invalid_idempotency_key"
    assert not Order.objects.exists()


def test_a_refusal_is_stored_for_its_key_too(funded, orderer, mailbox):
    refused = orderer.post(single_url(mailbox), {**ORDER, "quantity": 9999}, idempotency_key="k-refused")
    assert refused.status_code == 422 and error_code(refused) == "order_refused"
    again = orderer.post(single_url(mailbox), {**ORDER, "quantity": 9999}, idempotency_key="k-refused")
    assert again.json() == refused.json() and again["Idempotent-Replayed"] == "true"
    assert not Order.objects.exists()


def test_a_stale_expected_price_is_refused(funded, orderer, mailbox):
    response = orderer.post(single_url(mailbox), {**ORDER, "expected_gross_cents": 1}, idempotency_key="k-stale")
    assert response.status_code == 409 and error_code(response) == "price_changed"
    assert not Order.objects.exists()


def test_another_holders_mailbox_is_a_404_and_the_key_stays_free(funded, orderer, other_holder, mailbox):
    foreign = other_holder.mailboxes.get()
    before = state()
    response = orderer.post(single_url(foreign), ORDER, idempotency_key="k-foreign")
    assert response.status_code == 404 and error_code(response) == "not_found"
    assert state() == before
    assert orderer.post(single_url(mailbox), ORDER, idempotency_key="k-foreign").status_code == 201


def test_a_bad_body_is_a_400_with_the_fields(funded, orderer, mailbox):
    response = orderer.post(single_url(mailbox), {"addon_type": "inbox_extra", "quantity": "molti"},
                            idempotency_key="k-bad")
    assert response.status_code == 400
    assert "quantity" in response.json()["fields"]
    malformed = orderer.client.post(single_url(mailbox), "{not json", content_type="application/json",
                                    HTTP_AUTHORIZATION=f"Bearer {orderer.key}", HTTP_IDEMPOTENCY_KEY="k-bad2")
    assert malformed.status_code == 400 and error_code(malformed) == "malformed_json"
    form = orderer.client.post(single_url(mailbox), ORDER, HTTP_AUTHORIZATION=f"Bearer {orderer.key}",
                               HTTP_IDEMPOTENCY_KEY="k-bad3")
    assert form.status_code == 415 and error_code(form) == "unsupported_media_type"
    assert not Order.objects.exists()


def test_a_bulk_order_over_ids_is_one_order(funded, orderer, mailbox):
    second = make_mailbox(funded)
    response = orderer.post("/api/v1/orders/bulk/", {**ORDER, "mailboxes": [mailbox.pk, second.pk]},
                            idempotency_key="b1")
    assert response.status_code == 201, response.content
    assert response.json()["order"]["mailbox_id"] is None
    assert Order.objects.count() == 1
    assert sorted(Addon.objects.values_list("mailbox_id", flat=True)) == sorted([mailbox.pk, second.pk])
    again = orderer.post("/api/v1/orders/bulk/", {**ORDER, "mailboxes": [mailbox.pk, second.pk]}, idempotency_key="b1")
    assert again.json() == response.json() and Order.objects.count() == 1


def test_a_bulk_order_over_a_filter(funded, orderer, mailbox):
    make_mailbox(funded, address="filtrata@pec.example.it")
    response = orderer.post("/api/v1/orders/bulk/", {**ORDER, "filter": {"q": "filtrata"}}, idempotency_key="b2")
    assert response.status_code == 201, response.content
    assert list(Addon.objects.values_list("mailbox__address", flat=True)) == ["filtrata@pec.example.it"]
    empty = orderer.post("/api/v1/orders/bulk/", {**ORDER, "filter": {"q": "nessuna"}}, idempotency_key="b3")
    assert empty.status_code == 422 and error_code(empty) == "no_mailboxes"


def test_a_bulk_order_naming_another_holders_mailbox_is_a_404(funded, orderer, mailbox, other_holder):
    foreign = other_holder.mailboxes.get()
    before = state()
    for ids in ([mailbox.pk, foreign.pk], [foreign.pk]):
        response = orderer.post("/api/v1/orders/bulk/", {**ORDER, "mailboxes": ids}, idempotency_key=f"b-{len(ids)}")
        assert response.status_code == 404, ids
    assert state() == before


def test_a_bulk_order_names_mailboxes_or_a_filter(funded, orderer, mailbox):
    for body in (ORDER, {**ORDER, "mailboxes": [mailbox.pk], "filter": {}}, {**ORDER, "mailboxes": []}):
        response = orderer.post("/api/v1/orders/bulk/", body, idempotency_key="b-shape")
        assert response.status_code == 400, body
    assert not Order.objects.exists()


BAD_FOR_BOTH = ["null", "[]", '"x"', "1", '{"addon_type": null, "quantity": 1}',
                '{"addon_type": "inbox_extra", "quantity": true}', '{"addon_type": "inbox_extra", "quantity": 1e309}',
                '{"addon_type": "nul\\u0000", "quantity": 1}']
BAD_SELECTIONS = ['"mailboxes": [0]', '"mailboxes": ["a"]', '"mailboxes": [99999999999999999999]',
                  '"filter": {"status": "x"}', '"filter": "all"']


@pytest.mark.parametrize(("path", "body"), [
    *((path, body) for body in BAD_FOR_BOTH for path in ("single", "/api/v1/orders/bulk/")),
    *(("/api/v1/orders/bulk/", f'{{"addon_type": "inbox_extra", "quantity": 1, {selection}}}')
      for selection in BAD_SELECTIONS),
])
def test_odd_bodies_are_a_400_and_order_nothing(funded, orderer, mailbox, path, body):
    path = single_url(mailbox) if path == "single" else path
    response = orderer.client.post(path, body, content_type="application/json",
                                   HTTP_AUTHORIZATION=f"Bearer {orderer.key}", HTTP_IDEMPOTENCY_KEY="k-odd")
    assert response.status_code == 400, (path, body, response.content)
    assert error_code(response) == "invalid_request"
    assert not Order.objects.exists()
