import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_holder_logs_in_from_the_browser_and_sees_the_header(page, mailbox):
    page.goto("/login/")
    page.fill("input[name=username]", mailbox.address.upper())
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    assert page.get_by_test_id("login-mailbox").inner_text() == mailbox.address
    assert "autenticato come:" in page.content()
