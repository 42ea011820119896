from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mailboxes.models import Mailbox
from renewals.models import RenewalCharge
from tests.browser_fixtures import browser_log_in
from tests.factories import make_holder, make_mailbox, make_mailboxes

from .conftest import STANDARD_GROSS, balance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded")]


def test_a_holder_renews_every_mailbox_matching_the_filter_beyond_the_first_page(page):
    holder = make_holder(credit_cents=20_000)
    login = make_mailbox(holder, address="mario.rossi@pec.ording.roma.it")
    bulk = make_mailboxes(holder, 30)
    Mailbox.objects.filter(pk__in=[m.pk for m in bulk]).update(expires_on=timezone.localdate() + timedelta(days=30))
    browser_log_in(page, login.address)

    page.goto("/mailboxes/?q=massiva")
    page.get_by_test_id("select-all-matching").check()
    expect(page.get_by_text("Seleziona tutte le 30 caselle che corrispondono al filtro")).to_be_visible()
    page.get_by_test_id("bulk-renew").click()

    page.wait_for_url("**/mailboxes/bulk/renew/")
    expect(page.get_by_test_id("bulk-renew-summary")).to_contain_text("30 caselle da rinnovare per un anno")
    expect(page.get_by_test_id("bulk-renew-total")).to_have_text("€ 183,00")
    page.get_by_test_id("bulk-renew-confirm").click()

    page.wait_for_url("**/mailboxes/?q=massiva")
    expect(page.get_by_text("Rinnovate 30 caselle: addebitati € 183,00.")).to_be_visible()
    assert balance(holder) == 20_000 - 30 * STANDARD_GROSS
    assert RenewalCharge.objects.filter(mailbox__in=bulk).count() == 30
    assert not RenewalCharge.objects.filter(mailbox=login).exists()
