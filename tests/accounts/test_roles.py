"""Every holder URL, GET and POST, as a delegated user of each role: what the role allows works,
anything else is a 403 page naming the role it needs, and changes nothing in the database.
Routes are discovered at run time, so a page added later is walked too (and refused to delegated
users until accounts.roles.ACCESS lists it)."""

import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import resolve

from accounts.models import Role
from accounts.roles import ACCESS, permission_needed, role_allows
from billing.models import TopUp
from mailboxes.models import Mailbox
from tests.factories import log_in_delegate, make_delegate, make_mailbox
from tests.security.test_url_walk import PUBLIC, UNCOUNTED, fill, portal_routes

# Not holder pages: the login steps, the invitation link, logging out.
NOT_HOLDER_PAGES = PUBLIC | {"logout/", "login/code/", "invitation/<str:token>/"}
# Sent to a forbidden URL: whatever it would need to do something, if it were not refused.
FORBIDDEN_POST = {"confirm": "1", "amount": "10", "auto_renew": "no", "all": "1", "role": "amministrazione",
                  "email": "intruso@example.it", "action": "start", "revoke": "1"}
# Bookkeeping a request may write whatever it does; the OTP devices move at each login.
IGNORED = UNCOUNTED | {"otp_totp.totpdevice", "otp_static.staticdevice", "accounts.user"}


def holder_routes():
    return [route for route in portal_routes() if route not in NOT_HOLDER_PAGES]


def view_name(path):
    return resolve(path.split("?")[0]).view_name


def database_state():
    """Every row of every table the walk could touch, as values."""
    return {model._meta.label_lower: sorted(map(repr, model.objects.values_list()))
            for model in apps.get_models() if model._meta.label_lower not in IGNORED}


@pytest.fixture
def estate(holder, mailbox):
    make_mailbox(holder, address="studio@pec.example.it")
    TopUp.objects.create(holder=holder, amount_cents=1000, idempotency_key="roles-own")
    return holder


def test_every_holder_page_has_an_access_rule():
    named = {view_name("/" + re.sub(r"<(?:\w+:)?\w+>", "1", route)) for route in holder_routes()}
    assert named == set(ACCESS)


def test_no_role_may_manage_users_or_the_second_factor():
    for role in Role.values:
        for name in ("delegate_invite", "delegate_role", "delegate_revoke", "second_factor"):
            assert not role_allows(role, permission_needed(name, "POST"))
            assert not role_allows(role, permission_needed(name, "GET"))


@pytest.mark.parametrize("role", Role.values)
def test_each_role_reaches_what_it_may_and_nothing_else(role, estate):
    delegate = make_delegate(estate, role)
    make_delegate(estate, "lettura")  # another user of the holder: what delegate_id fills in
    client = log_in_delegate(Client(), delegate)
    requests = [(method, fill(route, estate)) for route in holder_routes() for method in ("get", "post")]
    allowed = [(method, path) for method, path in requests
               if role_allows(role, permission_needed(view_name(path), method.upper()))]
    forbidden = [request for request in requests if request not in allowed]
    assert forbidden and allowed

    before = database_state()
    refusals = 0
    for method, path in forbidden:
        response = getattr(client, method)(path, FORBIDDEN_POST if method == "post" else None)
        # 405: the view takes no such method at all, before anyone's role is looked at.
        assert response.status_code in (403, 405), (role, method, path, response.status_code)
        if response.status_code == 403:
            refusals += 1
            assert "Serve il ruolo" in response.content.decode() or "Solo il titolare" in response.content.decode()
    assert database_state() == before
    assert refusals >= 4

    for method, path in allowed:
        response = getattr(client, method)(path)
        assert response.status_code not in (403, 500), (role, method, path, response.status_code)
        assert not response.get("Location", "").startswith("/login/"), (role, method, path)
    assert client.get("/").status_code == 200, "still signed in"


def test_a_forbidden_page_names_the_role_it_needs(estate):
    client = log_in_delegate(Client(), make_delegate(estate, "lettura"))
    mailbox = estate.mailboxes.first()
    response = client.post(f"/mailboxes/{mailbox.pk}/auto-renew/", {"auto_renew": "no"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Serve il ruolo tecnico" in page
    assert "il tuo ruolo è lettura" in page
    assert Mailbox.objects.get(pk=mailbox.pk).auto_renew is True


def test_a_technical_user_changes_auto_renew_and_the_operation_names_them(estate):
    delegate = make_delegate(estate, "tecnico")
    client = log_in_delegate(Client(), delegate)
    mailbox = estate.mailboxes.first()
    response = client.post(f"/mailboxes/{mailbox.pk}/auto-renew/", {"auto_renew": "no"})
    assert response.status_code == 302
    assert Mailbox.objects.get(pk=mailbox.pk).auto_renew is False
    operation = estate.operations.order_by("-pk").first()
    assert operation.actor == delegate.email
    page = client.get("/operations/").content.decode()
    assert delegate.email in page


def test_an_administration_user_may_not_change_a_mailbox_password(estate):
    client = log_in_delegate(Client(), make_delegate(estate, "amministrazione"))
    mailbox = estate.mailboxes.first()
    before = Mailbox.objects.get(pk=mailbox.pk).password_hash
    response = client.post(f"/mailboxes/{mailbox.pk}/password/", {
        "old_password": "Corretta-Pass1!", "new_password1": "Nuova-Pass2?", "new_password2": "Nuova-Pass2?"})
    assert response.status_code == 403
    assert "Serve il ruolo tecnico" in response.content.decode()
    assert Mailbox.objects.get(pk=mailbox.pk).password_hash == before


def test_another_holders_ids_are_404_for_a_delegated_user_too(estate):
    from tests.factories import make_holder

    other = make_holder()
    other_mailbox = make_mailbox(other)
    client = log_in_delegate(Client(), make_delegate(estate, "tecnico"))
    assert client.get(f"/mailboxes/{other_mailbox.pk}/").status_code == 404
    assert client.post(f"/mailboxes/{other_mailbox.pk}/auto-renew/", {"auto_renew": "no"}).status_code == 404
    assert Mailbox.objects.get(pk=other_mailbox.pk).auto_renew is True


def test_a_page_missing_from_the_table_is_refused_to_every_role(estate, monkeypatch):
    monkeypatch.delitem(ACCESS, "renewal_forecast")
    client = log_in_delegate(Client(), make_delegate(estate, "amministrazione"))
    response = client.get("/renewals/forecast/")
    assert response.status_code == 403
    assert "pagina riservata al titolare" in response.content.decode()
    assert client.get("/renewals/forecast.csv").status_code == 200
