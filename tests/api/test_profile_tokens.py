"""Tokens are made and revoked on the profile page; the key is shown once."""

import re

from accounts.models import ApiToken
from accounts.services import api_token_create
from tests.api.conftest import ApiClient

KEY = re.compile(r'data-testid="api-token-key">(pec_[^<]+)<')


def test_a_new_token_shows_its_key_once_and_the_key_works(holder_client, mailbox):
    response = holder_client.post("/profile/api-tokens/", {"name": "Albo iscritti", "scope": "read"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = KEY.search(response.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert (token.name, token.scope, token.holder_id) == ("Albo iscritti", "read", mailbox.holder_id)
    assert ApiClient(key).get("/api/v1/mailboxes/").status_code == 200
    page = holder_client.get("/profile/").content.decode()
    assert "Albo iscritti" in page and key not in page and not KEY.search(page)


def test_a_token_without_a_name_or_with_an_unknown_scope_is_not_made(holder_client):
    for data in ({"name": "  ", "scope": "read"}, {"name": "x", "scope": "admin"}, {"name": "x" * 61, "scope": "read"}):
        response = holder_client.post("/profile/api-tokens/", data)
        assert response.status_code == 200
        assert 'data-testid="api-token-key"' not in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_a_token_refuses_its_key(holder_client, holder):
    token, key = api_token_create(holder=holder, name="gestionale", scope=ApiToken.Scope.ORDERS)
    response = holder_client.post(f"/profile/api-tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiClient(key).get("/api/v1/credit/").status_code == 401
    assert "Revocato" in holder_client.get("/profile/").content.decode()


def test_another_holders_token_cannot_be_revoked(holder_client, other_holder):
    token, key = api_token_create(holder=other_holder, name="altrui", scope=ApiToken.Scope.READ)
    assert holder_client.post(f"/profile/api-tokens/{token.pk}/revoke/").status_code == 404
    assert ApiClient(key).get("/api/v1/credit/").status_code == 200
