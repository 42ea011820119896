from datetime import date

from mailboxes.models import Mailbox, Plan
from tests.factories import make_holder, make_mailbox


def test_it_shows_every_field_of_the_guide(holder_client, holder):
    mailbox = make_mailbox(holder, requested_on=date(2016, 3, 30), certified_on=date(2016, 3, 30),
                           expires_on=date(2030, 3, 30))
    page = holder_client.get(f"/mailboxes/{mailbox.pk}/").content.decode()
    for text in ["Dati Email", mailbox.address, "Certificato", "30/03/2030", "Standard",
                 "1 GB base + 0 GB extra", "Cliente Finale", "NO", "Data Richiesta", "30/03/2016",
                 "Data Certificazione", "Data Disdetta", "Rinnovo automatico", "SÌ",
                 "← Indietro", "Cambio Password", "Non è stato trovato nessun elemento."]:
        assert text in page, text
    assert 'data-testid="mailbox-archive">--<' in page
    assert "Conservazione sostitutiva" not in page
    assert f'href="/mailboxes/{mailbox.pk}/password/"' in page
    assert 'href="/mailboxes/"' in page


def test_it_adds_extra_space_archive_and_conservation(holder_client, holder):
    mailbox = make_mailbox(holder, plan="pro", inbox_extra_gb=3, archive_extra_gb=2, conservation_gb=5,
                           end_client=True, auto_renew=False, cancelled_on=date(2031, 1, 2))
    page = holder_client.get(f"/mailboxes/{mailbox.pk}/").content.decode()
    assert "2 GB base + 3 GB extra" in page
    assert 'data-testid="mailbox-archive">3 GB base + 2 GB extra<' in page
    assert 'data-testid="mailbox-conservation">5 GB<' in page
    assert 'data-testid="mailbox-end-client">SÌ<' in page
    assert 'data-testid="mailbox-auto-renew">NO<' in page
    assert "02/01/2031" in page
    assert Plan.objects.get(code="pro").name in page


def test_another_holders_mailbox_is_not_found(holder_client):
    stranger = make_mailbox(make_holder())
    assert holder_client.get(f"/mailboxes/{stranger.pk}/").status_code == 404
    assert holder_client.get(f"/mailboxes/{stranger.pk}/password/").status_code == 404
    assert holder_client.post(f"/mailboxes/{stranger.pk}/password/", {}).status_code == 404
    assert holder_client.get("/mailboxes/999999999/").status_code == 404


def test_a_terminated_mailbox_of_the_holder_is_still_shown(holder_client, holder):
    mailbox = make_mailbox(holder, status=Mailbox.Status.TERMINATED, cancelled_on=date(2026, 1, 5))
    page = holder_client.get(f"/mailboxes/{mailbox.pk}/").content.decode()
    assert "Cessata" in page
    assert "05/01/2026" in page


def test_mailbox_pages_need_a_holder_session(client, mailbox):
    assert client.get(f"/mailboxes/{mailbox.pk}/")["Location"].startswith("/login/")
    assert client.get("/mailboxes/")["Location"].startswith("/login/")
