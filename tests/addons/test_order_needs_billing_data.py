from accounts.models import Holder
from addons.models import Order
from tests.addons.conftest import give_credit, quote_then_confirm


def test_a_paid_order_asks_for_the_billing_address_first_and_changes_nothing(holder_client, holder):
    Holder.objects.filter(pk=holder.pk).update(street="", city="")
    give_credit(holder, 2000)
    _, confirmed = quote_then_confirm(holder_client, holder.mailboxes.get(), quantity="1")
    page = confirmed.content.decode()
    assert "completa i dati di fatturazione" in page
    assert "Indica l&#x27;indirizzo di fatturazione." in page
    assert not Order.objects.exists()


def test_a_company_needs_a_recipient_code_or_a_pec_for_invoices(holder_client, holder):
    Holder.objects.filter(pk=holder.pk).update(company_name="Studio Rossi Srl", sdi_code="", invoice_pec="")
    give_credit(holder, 2000)
    _, confirmed = quote_then_confirm(holder_client, holder.mailboxes.get(), quantity="1")
    assert "codice destinatario o la PEC" in confirmed.content.decode()
    assert not Order.objects.exists()
