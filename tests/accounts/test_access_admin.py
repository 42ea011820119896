"""Staff see the API tokens and delegated users holders granted, never their secrets, and may
revoke them for the holder (a leaked key, a person who left): at once, recorded in the admin's
history and, for a user, in the holder's Esito Operazioni."""

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from accounts.models import ApiToken, Delegate, Operation, User
from accounts.services import api_token_create
from tests.factories import PASSWORD, log_in_delegate, make_delegate

TOKENS, DELEGATES = "/admin/accounts/apitoken/", "/admin/accounts/delegate/"


@pytest.fixture
def staff_client(client, db):
    User.objects.create_user("operatore", password=PASSWORD, is_staff=True, is_superuser=True)
    assert client.post("/admin/login/?next=/admin/", {"username": "operatore", "password": PASSWORD}).status_code == 302
    return client


def revoke(staff_client, changelist, granted):
    return staff_client.post(changelist, {"action": "revoke", "_selected_action": [granted.pk]}, follow=True)


def test_tokens_are_listed_without_their_hash_and_cannot_be_made_or_edited_here(staff_client, holder):
    token, key = api_token_create(holder=holder, name="Gestionale", scope=ApiToken.Scope.READ)
    listing = staff_client.get(TOKENS).content.decode()
    page = staff_client.get(f"{TOKENS}{token.pk}/change/").content.decode()

    assert "Gestionale" in listing and token.prefix in listing
    assert token.key_hash not in page and key not in page
    assert staff_client.get(f"{TOKENS}add/").status_code == 403
    assert staff_client.post(f"{TOKENS}{token.pk}/change/", {"name": "Altro"}).status_code == 403


def test_a_revoked_token_stops_opening_the_api_at_once(staff_client, holder, mailbox):
    client = Client()
    token, key = api_token_create(holder=holder, name="Gestionale", scope=ApiToken.Scope.READ)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get("/api/v1/mailboxes/", **bearer).status_code == 200

    page = revoke(staff_client, TOKENS, token).content.decode()

    assert "Accessi revocati: 1." in page
    assert client.get("/api/v1/mailboxes/", **bearer).status_code == 401
    entry = LogEntry.objects.get(object_id=str(token.pk), content_type__model="apitoken")
    assert (entry.user.username, entry.get_change_message()) == ("operatore", "Revocato dallo staff")
    assert "Accessi revocati: 0." in revoke(staff_client, TOKENS, token).content.decode()


def test_a_revoked_user_is_signed_out_and_the_holder_sees_it(staff_client, holder, mailbox):
    client, delegate = Client(), make_delegate(holder, "amministrazione")
    log_in_delegate(client, delegate)
    assert client.get("/").status_code == 200

    revoke(staff_client, DELEGATES, delegate)

    delegate.refresh_from_db()
    assert delegate.revoked_at is not None and not delegate.user.is_active
    assert client.get("/").status_code == 302
    assert Operation.objects.filter(holder=holder, kind=Operation.Kind.USERS,
                                    description__contains=delegate.email).exists()
    page = staff_client.get(f"{DELEGATES}{delegate.pk}/change/").content.decode()
    assert delegate.token_hash not in page


def test_a_holder_session_never_reaches_these_lists(holder_client):
    for changelist in (TOKENS, DELEGATES):
        assert holder_client.get(changelist).status_code == 302
    assert not Delegate.objects.exists()
