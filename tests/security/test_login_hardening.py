import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory

from accounts.models import User
from core.client_ip import client_ip
from tests.factories import PASSWORD

ADMIN_LOGIN = "/admin/login/"


@pytest.fixture
def staff(db):
    return User.objects.create_user("operatore", password=PASSWORD, is_staff=True, is_superuser=True)


def fail_admin_login(client, times, **extra):
    for n in range(times):
        client.post(ADMIN_LOGIN, {"username": "operatore", "password": "sbagliata"},
                    **{key: value(n) if callable(value) else value for key, value in extra.items()})


def test_the_admin_login_locks_after_five_failures(client, staff):
    fail_admin_login(client, 5)
    locked = client.post(ADMIN_LOGIN, {"username": "operatore", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Riprova tra 15 minuti" in locked.content.decode()
    assert client.get("/admin/").status_code == 302


def test_rotating_forwarded_for_does_not_escape_the_admin_lockout(client, staff, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    fail_admin_login(client, 5, HTTP_X_FORWARDED_FOR=lambda n: f"198.51.100.{n}")
    locked = client.post(ADMIN_LOGIN, {"username": "operatore", "password": PASSWORD},
                         HTTP_X_FORWARDED_FOR="203.0.113.77")
    assert locked.status_code == 429


def test_behind_one_proxy_the_lockout_follows_the_address_the_proxy_saw(client, staff, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    # The client forges the left part; the proxy appends the address it really saw.
    fail_admin_login(client, 5, HTTP_X_FORWARDED_FOR=lambda n: f"198.51.100.{n}, 203.0.113.5", **proxy)
    locked = client.post(ADMIN_LOGIN, {"username": "operatore", "password": PASSWORD},
                         HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.5", **proxy)
    assert locked.status_code == 429
    neighbour = client.post(ADMIN_LOGIN, {"username": "operatore", "password": PASSWORD},
                            HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy)
    assert neighbour.status_code == 302


@pytest.mark.parametrize("proxies, forwarded, expected", [
    (0, "198.51.100.1", "127.0.0.1"),
    (1, "198.51.100.1, 203.0.113.5", "203.0.113.5"),
    (2, "198.51.100.1, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
    (1, "", "127.0.0.1"),
    (1, "not-an-address", "127.0.0.1"),
    (2, "203.0.113.5", "127.0.0.1"),
])
def test_the_client_address_believes_only_declared_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == expected


def anonymous_session(client):
    session = SessionStore()
    session["probe"] = "prima del login"
    session.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return session.session_key


def session_key(client):
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_a_holder_login_rotates_the_session_id(client, mailbox):
    before = anonymous_session(client)
    client.post("/login/", {"username": mailbox.address, "password": PASSWORD})
    assert session_key(client) != before
    assert not Session.objects.filter(session_key=before).exists()


def test_a_holder_session_id_is_worthless_after_logout(client, mailbox):
    client.post("/login/", {"username": mailbox.address, "password": PASSWORD})
    stolen = session_key(client)
    assert client.get("/").status_code == 200
    client.post("/logout/")
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = stolen
    assert thief.get("/").status_code == 302
    assert not Session.objects.filter(session_key=stolen).exists()


def test_an_admin_login_rotates_the_session_id_and_logout_ends_it(client, staff):
    before = anonymous_session(client)
    client.post(ADMIN_LOGIN, {"username": "operatore", "password": PASSWORD})
    stolen = session_key(client)
    assert stolen != before
    assert client.get("/admin/").status_code == 200
    client.post("/admin/logout/")
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = stolen
    assert thief.get("/admin/").status_code == 302
