"""SPEC 3.7: "Rinnova ora" and the auto-renew switch on the mailbox page."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Operation
from addons.models import Addon
from mailboxes.models import Mailbox
from renewals.models import RenewalCharge
from tests.factories import make_holder, make_mailbox

from .conftest import (
    INBOX_GB_GROSS,
    STANDARD_GROSS,
    balance,
    give_credit,
    make_addon,
    reload,
)


def page(client, mailbox):
    return client.get(f"/mailboxes/{mailbox.pk}/").content.decode()


@pytest.fixture
def expiring(mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(expires_on=timezone.localdate() + timedelta(days=60))
    return reload(mailbox)


def test_the_page_shows_the_price_breakdown_and_the_button_inside_the_window(holder_client, holder, expiring):
    make_addon(expiring, quantity=2)
    give_credit(holder, 5000)

    html = page(holder_client, expiring)

    assert "Rinnova ora" in html
    assert "Casella Standard" in html and "Spazio extra inbox 2 GB" in html
    assert html.count("€ 6,10") == 2  # the plan, and two GB of add-on, each gross
    assert "€ 12,20" in html  # one year of both
    assert STANDARD_GROSS + 2 * INBOX_GB_GROSS == 1220


def test_the_button_is_not_offered_before_the_window(holder_client, mailbox):
    html = page(holder_client, mailbox)  # expires in 400 days

    assert "Rinnova ora" not in html
    assert "Il rinnovo manuale è possibile da 90 giorni prima della scadenza." in html


def test_it_renews_the_mailbox_and_its_addons_from_credit(holder_client, holder, expiring):
    addon = make_addon(expiring, quantity=1)
    give_credit(holder, 5000)
    old_expiry = expiring.expires_on

    response = holder_client.post(f"/mailboxes/{expiring.pk}/renew/", follow=True)

    mailbox = reload(expiring)
    assert mailbox.expires_on == old_expiry.replace(year=old_expiry.year + 1)
    assert reload(addon).expires_on == mailbox.expires_on
    assert balance(holder) == 5000 - STANDARD_GROSS - INBOX_GB_GROSS
    assert f"rinnovata fino al {mailbox.expires_on:%d/%m/%Y}" in response.content.decode()
    assert RenewalCharge.objects.filter(manual=True).count() == 2
    assert Operation.objects.filter(kind=Operation.Kind.RENEWAL, description__startswith="Rinnovo casella").exists()


def test_it_refuses_clearly_when_the_credit_does_not_cover_the_renewal(holder_client, holder, expiring):
    make_addon(expiring, quantity=1)
    give_credit(holder, STANDARD_GROSS)

    response = holder_client.post(f"/mailboxes/{expiring.pk}/renew/", follow=True)

    html = response.content.decode()
    assert "Credito insufficiente: il rinnovo costa € 9,15, il credito residuo è € 6,10." in html
    assert reload(expiring).expires_on == expiring.expires_on
    assert balance(holder) == STANDARD_GROSS
    assert not RenewalCharge.objects.exists()


def test_a_second_click_does_not_renew_a_second_year(holder_client, holder, expiring):
    give_credit(holder, 5000)
    holder_client.post(f"/mailboxes/{expiring.pk}/renew/")

    response = holder_client.post(f"/mailboxes/{expiring.pk}/renew/", follow=True)

    assert "non può essere rinnovata ora" in response.content.decode()
    assert balance(holder) == 5000 - STANDARD_GROSS


def test_an_expired_mailbox_is_renewed_by_hand_in_the_grace_period_from_its_old_expiry(holder_client, holder, mailbox):
    expiry = timezone.localdate() - timedelta(days=20)
    Mailbox.objects.filter(pk=mailbox.pk).update(status=Mailbox.Status.EXPIRED, expires_on=expiry)
    give_credit(holder, 5000)

    holder_client.post(f"/mailboxes/{mailbox.pk}/renew/")

    mailbox = reload(mailbox)
    assert mailbox.status == Mailbox.Status.CERTIFIED
    assert mailbox.expires_on == expiry.replace(year=expiry.year + 1)


def test_an_expired_mailbox_past_the_grace_period_cannot_be_renewed(holder_client, holder, mailbox, settings):
    settings.GRACE_PERIOD_DAYS = 90
    Mailbox.objects.filter(pk=mailbox.pk).update(
        status=Mailbox.Status.EXPIRED, expires_on=timezone.localdate() - timedelta(days=91))
    give_credit(holder, 5000)

    response = holder_client.post(f"/mailboxes/{mailbox.pk}/renew/", follow=True)

    assert "non può essere rinnovata ora" in response.content.decode()
    assert balance(holder) == 5000


def test_another_holders_mailbox_is_not_found(holder_client):
    other = make_mailbox(make_holder(credit_cents=5000), expires_in_days=10)

    assert holder_client.post(f"/mailboxes/{other.pk}/renew/").status_code == 404
    assert holder_client.post(f"/mailboxes/{other.pk}/auto-renew/", {"auto_renew": "0"}).status_code == 404
    assert reload(other).auto_renew is True
    assert balance(other.holder) == 5000


def test_a_get_renews_nothing(holder_client, holder, expiring):
    give_credit(holder, 5000)

    assert holder_client.get(f"/mailboxes/{expiring.pk}/renew/").status_code == 405
    assert balance(holder) == 5000


def test_the_auto_renew_switch_turns_it_off_and_on_and_logs_it(holder_client, holder, mailbox):
    response = holder_client.post(f"/mailboxes/{mailbox.pk}/auto-renew/", {"auto_renew": "0"}, follow=True)
    assert "Rinnovo automatico disattivato." in response.content.decode()
    assert reload(mailbox).auto_renew is False
    assert "Attiva rinnovo automatico" in page(holder_client, mailbox)

    holder_client.post(f"/mailboxes/{mailbox.pk}/auto-renew/", {"auto_renew": "1"})
    assert reload(mailbox).auto_renew is True
    assert list(Operation.objects.filter(holder=holder, kind=Operation.Kind.RENEWAL)
                .order_by("id").values_list("description", flat=True)) == [
        "Rinnovo automatico disattivato", "Rinnovo automatico attivato"]


def test_the_renewal_block_runs_a_constant_number_of_queries(holder_client, holder, expiring):
    make_addon(expiring, quantity=1)
    with CaptureQueriesContext(connection) as few:
        page(holder_client, expiring)
    for _ in range(20):
        make_addon(expiring, quantity=1)
    with CaptureQueriesContext(connection) as many:
        html = page(holder_client, expiring)

    assert html.count("Spazio extra inbox 1 GB") >= 21
    assert len(many) == len(few)
    assert Addon.objects.filter(mailbox=expiring).count() == 21
