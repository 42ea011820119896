import pytest

from tests.browser_fixtures import browser_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_holder_logs_in_from_the_browser_and_sees_the_header(page, mailbox):
    browser_log_in(page, mailbox.address.upper())
    assert page.get_by_test_id("login-mailbox").inner_text() == mailbox.address
    assert "autenticato come:" in page.content()
