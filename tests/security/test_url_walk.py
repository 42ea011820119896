"""Every URL the resolver knows, walked as an attacker would: anonymous, with another holder's
ids, without a CSRF token, and by GET expecting nothing to change. Patterns are discovered at
run time, so a page added later is covered (or fails here until it is protected)."""

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from billing.models import TopUp
from tests.factories import make_holder, make_mailbox

# Pages anyone may open; every other non-admin page belongs to a logged-in holder.
PUBLIC = {"login/", "healthz", "addons/compare/", "i18n/setlang/", "stripe/webhook/", "api/v1/schema/", "api/v1/docs/"}
# The API takes no session (a token in a header, tests/api): a cookie opens none of it, so no CSRF
# check is needed there, and its own tests walk it with tokens.
API_PREFIX = "api/"
CSRF_EXEMPT = {"stripe/webhook/"}
NONEXISTENT_ID = 2_147_483_000
# Bookkeeping that a page view may legitimately write: sessions and login audit.
UNCOUNTED = {"sessions.session", "axes.accesslog", "axes.accessattempt", "axes.accessfailurelog"}


def walk(patterns=None, prefix=""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def is_admin(route):
    return route.startswith(settings.ADMIN_URL)


def is_api(route):
    return route.removeprefix("^").startswith(API_PREFIX)


def portal_routes():
    return sorted(route for route, _ in walk() if not is_admin(route) and not is_api(route))


def api_routes():
    return sorted(route.removeprefix("^") for route, _ in walk() if is_api(route))


def model_for(parameter):
    """``mailbox_id`` → Mailbox, ``topup_id`` → TopUp: the object a path parameter names."""
    name = parameter.removesuffix("_id").replace("_", "")
    return next((model for model in apps.get_models() if model._meta.model_name == name), None)


def fill(route, owner):
    """The route with each id taken from ``owner``'s objects (an unknown id where they have none)."""
    def value(match):
        model = model_for(match.group(2))
        owned = None
        if model is not None and any(field.name == "holder" for field in model._meta.fields):
            owned = model.objects.filter(holder=owner).order_by("pk").first()
        return str(owned.pk if owned else NONEXISTENT_ID)

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def has_parameters(route):
    return "<" in route


def row_counts():
    return {model._meta.label_lower: model.objects.count() for model in apps.get_models()
            if model._meta.label_lower not in UNCOUNTED}


@pytest.fixture
def other_holder(db):
    other = make_holder(credit_cents=5000)
    make_mailbox(other)
    TopUp.objects.create(holder=other, amount_cents=2500, idempotency_key="walk-other")
    return other


@pytest.fixture
def own_topup(holder):
    return TopUp.objects.create(holder=holder, amount_cents=1000, idempotency_key="walk-own")


def test_the_walk_finds_the_pages_of_every_app():
    routes = portal_routes()
    for expected in ("", "profile/", "mailboxes/<int:mailbox_id>/", "credit/topup/", "operations/"):
        assert expected in routes
    assert len(routes) >= 15


def test_anonymous_visitors_are_sent_to_the_login_page(client, other_holder):
    for route in portal_routes():
        if route in PUBLIC:
            continue
        path = fill(route, other_holder)
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            if response.status_code == 302:
                assert response["Location"].startswith("/login/"), (method, path, response["Location"])
            else:
                assert response.status_code in (404, 405), (method, path, response.status_code)


def test_the_api_answers_a_session_or_no_one_with_401_json(holder_client, client, other_holder):
    for visitor in (client, holder_client):
        for route in api_routes():
            if route in PUBLIC:
                continue
            path = fill(route, other_holder)
            for method in ("get", "post"):
                response = getattr(visitor, method)(path)
                assert response.status_code in (401, 404, 405), (method, path, response.status_code)
                assert response["Content-Type"] == "application/json", (method, path)


def test_anonymous_visitors_cannot_open_the_admin(client, db):
    response = client.get("/" + settings.ADMIN_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/{settings.ADMIN_URL}login/")


def test_another_holders_ids_give_404_and_change_nothing(holder_client, other_holder):
    assert fill("mailboxes/<int:mailbox_id>/", other_holder) == f"/mailboxes/{other_holder.mailboxes.get().pk}/"
    before = row_counts()
    for route in portal_routes():
        if not has_parameters(route):
            continue
        path = fill(route, other_holder)
        assert holder_client.get(path).status_code in (404, 405), path
        assert holder_client.post(path, {"confirm": "1", "amount": "10"}).status_code in (404, 405), path
    assert row_counts() == before


def test_only_the_stripe_webhook_and_the_api_are_exempt_from_csrf(db):
    exempt = {route for route, entry in walk() if getattr(entry.callback, "csrf_exempt", False)}
    assert {route for route in exempt if not is_api(route)} == CSRF_EXEMPT


def test_a_post_without_a_csrf_token_is_refused_everywhere(holder_client, own_topup):
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = holder_client.cookies
    holder = own_topup.holder
    before = row_counts()
    for route, _ in walk():
        if route in CSRF_EXEMPT or is_api(route):
            continue
        path = fill(route, holder)
        response = strict.post(path, {"confirm": "1", "amount": "10", "username": "x", "password": "y"})
        assert response.status_code == 403, (path, response.status_code)
    assert row_counts() == before
    webhook = strict.post("/stripe/webhook/", "{}", content_type="application/json")
    assert webhook.status_code == 400


def test_no_page_changes_anything_when_a_holder_opens_it(holder_client, own_topup):
    holder = own_topup.holder
    before = row_counts()
    for route in portal_routes():
        path = fill(route, holder)
        assert holder_client.get(path).status_code < 500, path
    assert row_counts() == before
    assert holder_client.get("/").status_code == 200, "no GET logs the holder out"
