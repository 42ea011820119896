import uuid

import pytest
from django.contrib.messages import get_messages

from accounts.models import Operation
from addons.models import Addon, AddonType, Order
from billing.models import LedgerEntry, Wallet
from mailboxes.models import Mailbox, ProvisioningRequest
from tests.factories import make_holder, make_mailbox

from .conftest import hidden_fields, order_url


def snapshot():
    return (
        Order.objects.count(), Addon.objects.count(), LedgerEntry.objects.count(), Operation.objects.count(),
        ProvisioningRequest.objects.count(), list(Wallet.objects.values_list("balance_cents", flat=True)),
        list(Mailbox.objects.order_by("id").values_list("inbox_extra_gb", "archive_extra_gb", "conservation_gb")),
    )


def confirm(client, mailbox, **fields):
    """Posts Conferma as the page would, with any field overridden."""
    page = client.get(order_url(mailbox)).content.decode()
    data = {"addon_type": "inbox_extra", "quantity": "3", **hidden_fields(page), "confirm": "1"}
    data.update(fields)
    return client.post(order_url(mailbox), data)


@pytest.mark.parametrize("status", ["richiesta", "scaduta", "sospesa"])
def test_only_certified_mailboxes_can_order(funded_client, mailbox, status):
    Mailbox.objects.filter(pk=mailbox.pk).update(status=status)
    before = snapshot()
    page = funded_client.get(order_url(mailbox)).content.decode()
    assert "Solo le caselle attive (stato Certificato) possono acquistare Servizi Aggiuntivi." in page
    assert 'name="confirm"' not in page
    response = funded_client.post(order_url(mailbox), {"addon_type": "inbox_extra", "quantity": "3",
                                                       "order_key": str(uuid.uuid4()), "quoted_gross_cents": "1830",
                                                       "confirm": "1"})
    assert "Solo le caselle attive (stato Certificato) possono acquistare Servizi Aggiuntivi." in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"quantity": "0"}, "La quantità deve essere un numero intero tra 1 e 50 GB."),
        ({"quantity": "51"}, "La quantità deve essere un numero intero tra 1 e 50 GB."),
        ({"addon_type": "conservazione", "quantity": "11"}, "La quantità deve essere un numero intero tra 1 e 10 GB."),
        ({"quantity": "tre"}, "La quantità deve essere un numero intero."),
        ({"quantity": "2.5"}, "La quantità deve essere un numero intero."),
        # A digit to str.isdigit() that int() does not read, and a number past int()'s 4,300 digits.
        ({"quantity": "²"}, "La quantità deve essere un numero intero."),
        ({"quantity": "9" * 5000}, "La quantità deve essere un numero intero."),
        ({"quantity": "9" * 40}, "La quantità deve essere un numero intero tra 1 e 50 GB."),
        ({"addon_type": "inbox\x00extra"}, "I caratteri null non sono ammessi."),
        ({"addon_type": "spazio_infinito"}, "Servizio Aggiuntivo sconosciuto: scegline uno dall&#x27;elenco."),
        ({"addon_type": "archive_extra"}, "Spazio archivio non è disponibile per le caselle Standard."),
    ],
)
def test_it_refuses_bad_choices_with_a_clear_message_and_changes_nothing(funded_client, mailbox, fields, message):
    before = snapshot()
    response = confirm(funded_client, mailbox, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert snapshot() == before


def test_a_type_taken_off_sale_is_refused(funded_client, mailbox):
    AddonType.objects.filter(code="inbox_extra").update(active=False)
    before = snapshot()
    response = confirm(funded_client, mailbox, quoted_gross_cents="1830")
    assert "Servizio Aggiuntivo sconosciuto" in response.content.decode()
    assert snapshot() == before


def test_another_holders_mailbox_does_not_exist_for_this_holder(funded_client):
    stranger = make_mailbox(make_holder(credit_cents=5000))
    before = snapshot()
    assert funded_client.get(order_url(stranger)).status_code == 404
    assert funded_client.post(order_url(stranger), {"addon_type": "inbox_extra", "quantity": "3", "confirm": "1",
                                                    "order_key": str(uuid.uuid4()),
                                                    "quoted_gross_cents": "1830"}).status_code == 404
    assert funded_client.get(f"/mailboxes/{stranger.pk}/addons/quote/?addon_type=inbox_extra&quantity=3").status_code == 404
    assert funded_client.get(order_url(Mailbox(pk=999_999))).status_code == 404
    assert snapshot() == before


def test_anonymous_visitors_are_sent_to_log_in(client, mailbox):
    response = client.get(order_url(mailbox))
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_a_double_submitted_form_places_one_order(funded_client, mailbox, holder):
    page = funded_client.get(order_url(mailbox)).content.decode()
    quote = funded_client.post(order_url(mailbox), {"addon_type": "inbox_extra", "quantity": "3", **hidden_fields(page)})
    data = {"addon_type": "inbox_extra", "quantity": "3", **hidden_fields(quote.content.decode()), "confirm": "1"}
    first = funded_client.post(order_url(mailbox), data)
    assert first.url == f"/mailboxes/{mailbox.pk}/"
    before = snapshot()

    second = funded_client.post(order_url(mailbox), data)

    assert second.status_code == 302
    assert "Questo ordine è già stato inviato" in " ".join(str(m) for m in get_messages(second.wsgi_request))
    assert snapshot() == before
    assert Order.objects.count() == 1
    assert Wallet.objects.get(holder=holder).balance_cents == 170


def test_a_stale_quote_is_refused_and_the_new_total_shown(funded_client, mailbox):
    page = funded_client.get(order_url(mailbox)).content.decode()
    quote = funded_client.post(order_url(mailbox), {"addon_type": "inbox_extra", "quantity": "3", **hidden_fields(page)})
    AddonType.objects.filter(code="inbox_extra").update(yearly_unit_price_cents=300)  # staff change the price
    before = snapshot()

    response = funded_client.post(order_url(mailbox), {"addon_type": "inbox_extra", "quantity": "3", "confirm": "1",
                                                       **hidden_fields(quote.content.decode())})

    html = response.content.decode()
    assert "Il prezzo è cambiato rispetto a quello mostrato" in html
    assert "€ 21,96" in html  # 3 GB × 3,00 € × 2 years + 22 %
    assert hidden_fields(html)["quoted_gross_cents"] == "2196"
    assert snapshot() == before


def test_changing_the_choice_without_a_new_quote_is_refused(funded_client, mailbox):
    before = snapshot()
    response = confirm(funded_client, mailbox, quantity="5")  # the page had priced 1 GB
    assert "Il prezzo è cambiato rispetto a quello mostrato" in response.content.decode()
    assert snapshot() == before


def test_a_quote_without_a_price_cannot_be_confirmed(funded_client, mailbox):
    before = snapshot()
    response = confirm(funded_client, mailbox, quoted_gross_cents="")
    assert "Il prezzo è cambiato rispetto a quello mostrato" in response.content.decode()
    assert snapshot() == before


def test_a_form_without_its_key_is_refused(funded_client, mailbox):
    before = snapshot()
    response = confirm(funded_client, mailbox, order_key="")
    assert response.status_code == 200
    assert snapshot() == before
