"""Redis down (cache and broker on a loopback port where nothing listens): every holder page and
every POST form, as a browser finds and sends them, works or answers a clear message, never a 500.
The rule for each counter (README "Production"): login and top-ups stay open, the mailbox
password form refuses until Redis is back."""

import lxml.html
import pytest
from django.test import Client

from billing.models import TopUp
from mailboxes.forms import PASSWORD_CHANGE_UNAVAILABLE
from mailboxes.models import Mailbox
from pecportal.celery import app as celery_app
from tests.factories import PASSWORD, make_holder, make_mailbox
from tests.operations.servers import free_port
from tests.security.test_url_walk import fill, portal_routes

NEW_PASSWORD = "Nuova-Prova-2027!"
# What a person types into the forms the pages offer; every other field keeps what the page gave it.
TYPED = {"username": "mario.rossi@pec.ording.roma.it", "password": PASSWORD, "old_password": PASSWORD,
         "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "amount": "10", "confirm": "1"}


@pytest.fixture
def redis_down(settings):
    closed = f"redis://127.0.0.1:{free_port()}/0"
    # pytest-django's settings fixture also drops the cache connections made with the old value.
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": closed}}
    settings.REDIS_URL = closed
    # A task queued from a request would go to the broker, not run in-process.
    saved = {"broker_url": celery_app.conf.broker_url, "task_always_eager": celery_app.conf.task_always_eager}
    celery_app.close()
    celery_app.conf.update(broker_url=closed, task_always_eager=False)
    yield
    celery_app.close()
    celery_app.conf.update(saved)


@pytest.fixture
def holder_cast(db):
    holder = make_holder(credit_cents=20_000)
    mailbox = make_mailbox(holder, address=TYPED["username"], expires_in_days=60)  # "Rinnova ora" is offered
    TopUp.objects.create(holder=holder, amount_cents=1000, idempotency_key="redis-down-walk")
    return holder, mailbox


def logged_in():
    client = Client(raise_request_exception=False)
    response = client.post("/login/", {"username": TYPED["username"], "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[-2000:]
    return client


def post_forms(path, html):
    """(action, fields) of each POST form on the page, as a browser would send it."""
    for form in lxml.html.fromstring(html).forms:
        if form.method.upper() == "POST":
            # lxml leaves out the fields with no value yet; a browser sends them empty.
            fields = {field.name: "" for field in form.inputs
                      if field.name and getattr(field, "type", "") not in ("submit", "button", "checkbox", "radio")}
            fields.update(form.form_values())
            yield form.get("action") or path, {**fields, **{name: TYPED[name] for name in TYPED if name in fields
                                                             or name == "confirm"}}


def test_every_page_and_every_form_works_or_explains_itself_while_redis_is_down(
        redis_down, stripe_settings, holder_cast):
    holder, _ = holder_cast
    forms = dict(post_forms("/login/", Client().get("/login/").content))
    client = logged_in()
    for route in portal_routes():
        path = fill(route, holder)
        response = client.get(path)
        if path == "/healthz":  # says what is down, to the load balancer
            assert (response.status_code, response.json()["broker"]) == (503, "error: ConnectionError")
            continue
        assert response.status_code < 500, (path, response.status_code)
        if response.get("Content-Type", "").startswith("text/html") and response.status_code == 200:
            for action, fields in post_forms(path, response.content):
                forms.setdefault(action, fields)
    assert {"/login/", "/profile/", "/credit/topup/", "/logout/", "/i18n/setlang/"} <= set(forms)
    assert any(action.endswith("/password/") for action in forms)
    assert any(action.endswith("/addons/new/") for action in forms)
    assert any(action.endswith("/renew/") for action in forms)
    for action, fields in sorted(forms.items()):
        response = logged_in().post(action, fields, follow=True)
        assert response.status_code < 500, (action, response.status_code)


def test_the_password_form_refuses_with_a_message_and_changes_nothing(redis_down, holder_cast):
    _, mailbox = holder_cast
    path = f"/mailboxes/{mailbox.pk}/password/"
    response = logged_in().post(path, {name: TYPED[name] for name in ("old_password", "new_password1", "new_password2")})
    assert response.status_code == 200
    assert str(PASSWORD_CHANGE_UNAVAILABLE) in response.content.decode()
    assert Mailbox.objects.get(pk=mailbox.pk).password_hash == mailbox.password_hash


def test_logins_stay_open_and_a_wrong_password_is_still_refused(redis_down, holder_cast):
    assert logged_in().get("/").status_code == 200
    wrong = Client().post("/login/", {"username": TYPED["username"], "password": "Sbagliata-1!"})
    assert wrong.status_code == 200
    assert "Indirizzo o password non corretti." in wrong.content.decode()
