
import pytest

from tests.factories import PASSWORD, make_mailbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Nuova-Pass2?"


def log_in(page, address, password):
    page.goto("/login/")
    page.fill("input[name=username]", address)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_a_holder_opens_a_mailbox_changes_its_password_and_logs_in_with_it(page, mailbox):
    make_mailbox(mailbox.holder, address="studio.rossi@pec.ording.roma.it")
    log_in(page, mailbox.address, PASSWORD)
    page.wait_for_url("**/")

    page.get_by_role("link", name="Lista caselle PEC").first.click()
    page.wait_for_url("**/mailboxes/")
    table = page.get_by_test_id("mailbox-table")
    assert "studio.rossi@pec.ording.roma.it" in table.inner_text()
    table.get_by_role("row").filter(has_text=mailbox.address).get_by_role("link", name="Dettaglio").click()

    page.wait_for_url(f"**/mailboxes/{mailbox.pk}/")
    assert page.get_by_test_id("mailbox-status").inner_text() == "Certificato"
    assert page.get_by_test_id("mailbox-inbox").inner_text() == "1 GB base + 0 GB extra"
    assert page.get_by_test_id("mailbox-archive").inner_text() == "--"
    page.get_by_role("link", name="Cambio Password").click()

    page.wait_for_url(f"**/mailboxes/{mailbox.pk}/password/")
    page.fill("input[name=old_password]", PASSWORD)
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.get_by_role("button", name="Cambia password").click()

    page.wait_for_url(f"**/mailboxes/{mailbox.pk}/")
    assert f"Password della casella {mailbox.address} cambiata." in page.content()
    assert page.get_by_test_id("login-mailbox").inner_text() == mailbox.address

    page.get_by_role("button", name="Logout").click()
    page.wait_for_url("**/login/")
    log_in(page, mailbox.address, PASSWORD)
    assert "Indirizzo o password non corretti." in page.content()
    log_in(page, mailbox.address, NEW_PASSWORD)
    page.wait_for_url("**/")
    assert page.get_by_test_id("login-mailbox").inner_text() == mailbox.address
