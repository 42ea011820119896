from django.template import Context, Template

from mailboxes.models import Mailbox
from tests.factories import make_holder, make_mailbox

from .conftest import give_credit, quote_then_confirm

SECTION = Template("{% load addon_tags %}{% mailbox_addons_section mailbox mailbox.addons.all %}")


def test_a_mailbox_without_addons_says_so_and_offers_to_buy(mailbox):
    html = SECTION.render(Context({"mailbox": mailbox}))
    assert "Servizi Aggiuntivi associati alla casella" in html
    assert 'href="/addons/compare/">Tabella comparativa Servizi Aggiuntivi' in html
    assert f'href="/mailboxes/{mailbox.pk}/addons/new/"' in html
    assert "Nuovo Servizio Aggiuntivo >>" in html
    assert "Non è stato trovato nessun elemento." in html


def test_a_mailbox_that_cannot_order_has_no_buy_link(mailbox):
    mailbox.status = Mailbox.Status.EXPIRED
    html = SECTION.render(Context({"mailbox": mailbox}))
    assert "Nuovo Servizio Aggiuntivo" not in html
    assert "Tabella comparativa Servizi Aggiuntivi" in html


def test_the_section_lists_type_quantity_dates_and_status(holder_client, holder, mailbox):
    give_credit(holder, 5000)
    quote_then_confirm(holder_client, mailbox, addon_type="conservazione", quantity="2")
    html = SECTION.render(Context({"mailbox": mailbox}))
    assert "Conservazione sostitutiva" in html
    assert "2 GB" in html
    assert mailbox.expires_on.strftime("%d/%m/%Y") in html
    assert "Attivo" in html
    assert "Non è stato trovato nessun elemento." not in html


def test_the_mailbox_page_shows_the_section(holder_client, mailbox):
    page = holder_client.get(f"/mailboxes/{mailbox.pk}/").content.decode()
    assert "Servizi Aggiuntivi associati alla casella" in page
    assert "Nuovo Servizio Aggiuntivo >>" in page


def test_the_section_shows_only_this_mailboxs_addons(holder_client, holder, mailbox):
    give_credit(holder, 5000)
    quote_then_confirm(holder_client, mailbox)
    other = make_mailbox(make_holder())
    assert "Non è stato trovato nessun elemento." in SECTION.render(Context({"mailbox": other}))
