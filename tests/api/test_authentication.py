"""Who the API lets in: a live token of the holder's, by header only."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import ApiToken
from accounts.selectors import api_key_hash
from accounts.services import api_token_create, api_token_revoke, api_token_touch
from tests.api.conftest import ApiClient, error_code

ENDPOINT = "/api/v1/mailboxes/"


def test_no_key_is_a_401_that_names_the_scheme(client, mailbox):
    response = client.get(ENDPOINT)
    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_the_key_opens_the_holders_data_with_either_scheme(reader, mailbox):
    assert reader.get(ENDPOINT).json()["results"][0]["address"] == mailbox.address
    as_token = reader.client.get(ENDPOINT, HTTP_AUTHORIZATION=f"Token {reader.key}")
    assert as_token.status_code == 200


def test_only_the_hash_of_the_key_is_stored(reader):
    token = ApiToken.objects.get()
    assert reader.key not in {token.prefix, token.key_hash}
    assert token.key_hash == api_key_hash(reader.key)


def test_a_wrong_or_malformed_key_is_a_401(reader):
    prefix = reader.key[:17]
    for key in (prefix + "x" * 43, "pec_", "nonsense", reader.key + "x", "pec_zzzzzzzzzzzz_" + "a" * 43):
        response = ApiClient(key).get(ENDPOINT)
        assert response.status_code == 401, key
        assert error_code(response) == "invalid_token"
    bad_header = reader.client.get(ENDPOINT, HTTP_AUTHORIZATION=f"Bearer {reader.key} extra")
    assert error_code(bad_header) == "invalid_token"
    not_ascii = reader.client.get(ENDPOINT, HTTP_AUTHORIZATION="Bearer pec_é")
    assert not_ascii.status_code == 401


def test_a_revoked_key_is_a_401_at_once(holder, reader):
    token = ApiToken.objects.get()
    assert api_token_revoke(holder=holder, token_id=token.pk)
    response = reader.get(ENDPOINT)
    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


def test_a_holder_cannot_revoke_another_holders_token(holder, other_holder):
    token, _key = api_token_create(holder=other_holder, name="altrui", scope=ApiToken.Scope.READ)
    assert not api_token_revoke(holder=holder, token_id=token.pk)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_portal_session_does_not_open_the_api(holder_client):
    response = holder_client.get(ENDPOINT)
    assert response.status_code == 401


def test_an_inactive_users_key_is_refused(holder, reader):
    holder.user.is_active = False
    holder.user.save()
    assert reader.get(ENDPOINT).status_code == 401


def test_last_use_is_recorded_at_most_once_a_minute(reader):
    reader.get(ENDPOINT)
    token = ApiToken.objects.get()
    first = token.last_used_at
    assert first is not None
    api_token_touch(token, now=first + timedelta(seconds=59))
    token.refresh_from_db()
    assert token.last_used_at == first
    later = first + timedelta(seconds=61)
    api_token_touch(token, now=later)
    token.refresh_from_db()
    assert token.last_used_at == later


def test_a_request_within_the_minute_writes_nothing(reader, django_assert_num_queries):
    reader.get(ENDPOINT)
    ApiToken.objects.update(last_used_at=timezone.now())
    # Within the minute: the token (with holder, user, wallet) and the page; no UPDATE.
    with django_assert_num_queries(2):
        assert reader.get(ENDPOINT).status_code == 200
