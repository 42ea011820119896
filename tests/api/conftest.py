import pytest
from django.test import Client

from accounts.models import ApiToken
from accounts.services import api_token_create
from tests.factories import make_holder, make_mailbox


class ApiClient:
    """A client of the API with one key: ``get``/``post`` send JSON and the key as a Bearer token."""

    def __init__(self, key):
        self.key = key
        self.client = Client()

    def headers(self, **extra):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.key}", **{f"HTTP_{name.upper().replace('-', '_')}": value
                                                                for name, value in extra.items()}}

    def get(self, path, data=None, **headers):
        return self.client.get(path, data, **self.headers(**headers))

    def post(self, path, body=None, *, idempotency_key=None, **headers):
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return self.client.post(path, body or {}, content_type="application/json", **self.headers(**headers))


def api_client(holder, scope=ApiToken.Scope.READ, name="gestionale"):
    _token, key = api_token_create(holder=holder, name=name, scope=scope)
    return ApiClient(key)


@pytest.fixture
def reader(holder, mailbox):
    return api_client(holder)


@pytest.fixture
def orderer(holder, mailbox):
    return api_client(holder, ApiToken.Scope.ORDERS, name="ordini")


@pytest.fixture
def other_holder(db):
    other = make_holder(credit_cents=10_000)
    make_mailbox(other)
    return other


def error_code(response):
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return response.json()["code"]
