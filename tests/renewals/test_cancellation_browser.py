from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mailboxes.models import Mailbox
from tests.browser_fixtures import browser_log_in
from tests.factories import make_holder, make_mailbox

from .conftest import make_addon

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded")]


def test_a_holder_cancels_a_mailbox_and_an_addon_then_revokes_both(page):
    today = timezone.localdate()
    holder = make_holder(credit_cents=5000)
    mailbox = make_mailbox(holder, address="mario.rossi@pec.ording.roma.it", expires_on=today + timedelta(days=40),
                           auto_renew=True)
    make_addon(mailbox, quantity=2)
    browser_log_in(page, mailbox.address)

    page.goto(f"/mailboxes/{mailbox.pk}/")
    page.get_by_test_id("cancel-mailbox").click()
    expect(page.get_by_test_id("cancel-summary")).to_contain_text(f"resterà attiva fino al {mailbox.expires_on:%d/%m/%Y}")
    page.get_by_test_id("cancel-confirm").click()
    page.wait_for_url(f"**/mailboxes/{mailbox.pk}/")
    expect(page.get_by_test_id("mailbox-cancelled")).to_have_text(f"{today:%d/%m/%Y}")
    expect(page.get_by_test_id("cancellation-state")).to_contain_text(f"cesserà il {mailbox.expires_on:%d/%m/%Y}")
    expect(page.get_by_test_id("mailbox-auto-renew")).to_have_text("NO")
    expect(page.get_by_test_id("renew-now")).to_have_count(0)

    page.get_by_test_id("addon-cancel").click()
    page.get_by_test_id("cancel-confirm").click()
    page.wait_for_url(f"**/mailboxes/{mailbox.pk}/")
    expect(page.get_by_test_id("addon-cancellation")).to_contain_text(f"disdetto il {today:%d/%m/%Y}")

    page.get_by_test_id("addon-cancel-revoke").click()
    page.wait_for_url(f"**/mailboxes/{mailbox.pk}/")
    expect(page.get_by_test_id("addon-cancel")).to_be_visible()
    page.get_by_test_id("cancel-revoke").click()
    page.wait_for_url(f"**/mailboxes/{mailbox.pk}/")
    expect(page.get_by_test_id("cancel-mailbox")).to_be_visible()
    expect(page.get_by_test_id("mailbox-auto-renew")).to_have_text("SÌ")
    expect(page.get_by_test_id("renew-now")).to_be_visible()
    mailbox = Mailbox.objects.get(pk=mailbox.pk)
    assert (mailbox.cancelled_on, mailbox.auto_renew) == (None, True)
