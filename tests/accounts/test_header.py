import pytest
from django.test import override_settings

from tests.factories import PASSWORD, make_mailbox

MENU = ["I tuoi dati", "Lista caselle PEC", "Esito Operazioni", "Link a GestioneMail", "Link a Webmail"]


@pytest.mark.parametrize("url", ["/", "/profile/", "/mailboxes/"])
def test_every_holder_page_shows_who_is_logged_in_the_menu_and_logout(holder_client, mailbox, url):
    page = holder_client.get(url).content.decode()
    assert "autenticato come:" in page
    assert "<strong>Titolare</strong>" in page
    assert f'data-testid="login-mailbox">{mailbox.address}<' in page
    assert ">Logout</button>" in page
    for item in MENU:
        assert item in page, item


def test_the_header_names_the_mailbox_used_to_log_in_not_another_of_the_holder(client, mailbox):
    other = make_mailbox(mailbox.holder, address="studio.rossi@pec.ording.roma.it")
    client.post("/login/", {"username": other.address, "password": PASSWORD})
    page = client.get(f"/mailboxes/{mailbox.pk}/").content.decode()
    assert f'data-testid="login-mailbox">{other.address}<' in page


@override_settings(WEBMAIL_URL="https://webmail.example.test/", GESTIONEMAIL_URL="https://gestione.example.test/")
def test_the_mail_links_come_from_settings(holder_client):
    page = holder_client.get("/profile/").content.decode()
    assert 'href="https://webmail.example.test/"' in page
    assert 'href="https://gestione.example.test/"' in page
