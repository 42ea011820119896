import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError
from django.test import Client

from tests.factories import PASSWORD

OUTAGE_TEXT = "Servizio momentaneamente non disponibile"


@pytest.fixture
def browser(mailbox):
    """A logged-in holder whose client shows what a browser would get, 500s included."""
    client = Client(raise_request_exception=False)
    assert client.post("/login/", {"username": mailbox.address, "password": PASSWORD}).status_code == 302
    return client


def assert_plain_outage_page(response):
    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert OUTAGE_TEXT in page
    assert "Traceback" not in page and "OperationalError" not in page and "DATABASES" not in page
    assert response["X-Request-ID"]
    assert "Content-Security-Policy" in response


@pytest.mark.parametrize("debug", [False, True])
def test_a_database_lost_before_the_view_gives_the_plain_page(browser, settings, monkeypatch, debug):
    settings.DEBUG = debug

    def unreachable(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(SessionStore, "load", unreachable)
    assert_plain_outage_page(browser.get("/"))


@pytest.mark.parametrize("debug", [False, True])
def test_a_database_lost_inside_the_view_gives_the_plain_page(browser, settings, monkeypatch, debug):
    settings.DEBUG = debug

    def unreachable(holder):
        raise InterfaceError("connection already closed")

    monkeypatch.setattr("renewals.views.holder_balance_cents", unreachable)
    assert_plain_outage_page(browser.get("/"))


def test_other_errors_stay_ordinary_server_errors(browser, monkeypatch):
    def broken(holder):
        raise RuntimeError("bug")

    monkeypatch.setattr("renewals.views.holder_balance_cents", broken)
    response = browser.get("/")
    assert response.status_code == 500
    assert OUTAGE_TEXT not in response.content.decode()
