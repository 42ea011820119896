"""PostgreSQL stopped under a POST that writes money, an order or a password: the holder gets the
plain 503 page, and after the restart nothing of the interrupted request is in the database.

"During" is made exact without timing: the test holds a lock on the operations table (every one
of these POSTs logs its operation last in its transaction, after its other writes), waits until
PostgreSQL shows the request waiting on that lock, and then stops the server."""

import contextlib
import threading

import lxml.html
import psycopg2
import pytest

from accounts.models import Operation
from addons.models import Order
from billing.models import LedgerEntry, TopUp, Wallet
from mailboxes.models import Mailbox, ProvisioningRequest
from tests.operations.servers import DEMO_ADDRESS, DEMO_PASSWORD, Portal
from tests.waiting import wait_until

pytestmark = pytest.mark.fault

OUTAGE_TEXT = "Servizio momentaneamente non disponibile"
NEW_PASSWORD = "Nuova-Guasti-2027!"
COUNTED = (Operation, Order, LedgerEntry, TopUp, ProvisioningRequest)


@pytest.fixture(scope="module")
def portal(own_postgres):
    portal = Portal(database_url=own_postgres.url)
    portal.start()
    yield portal
    portal.stop()


def sql(url, query, *args):
    with contextlib.closing(psycopg2.connect(url)) as connection, connection.cursor() as cursor:
        cursor.execute(query, args)
        return cursor.fetchall()


def state(url):
    """What any of the three POSTs could write: row counts, the demo wallet and password."""
    counts = {model.__name__: sql(url, f'SELECT count(*) FROM "{model._meta.db_table}"')[0][0] for model in COUNTED}
    [(balance, password_hash)] = sql(
        url, f'SELECT w.balance_cents, m.password_hash FROM "{Mailbox._meta.db_table}" m '
             f'JOIN "{Wallet._meta.db_table}" w ON w.holder_id = m.holder_id WHERE m.address = %s', DEMO_ADDRESS)
    return {**counts, "balance": balance, "password_hash": password_hash}


def form_post(portal, cookies, page, **values):
    """The page's POST form as a browser would send it, with ``values`` typed in."""
    status, _, html = portal.request("GET", page, cookies=cookies)
    assert status == 200, (page, status)
    [form] = [form for form in lxml.html.fromstring(html).forms
              if form.method.upper() == "POST" and form.get("action") in (None, "", page)]
    return {**dict(form.form_values()), **values}


def demo_mailbox_id(url):
    return sql(url, f'SELECT id FROM "{Mailbox._meta.db_table}" WHERE address = %s', DEMO_ADDRESS)[0][0]


POSTS = {
    "order": lambda mailbox: (f"/mailboxes/{mailbox}/addons/new/", {"confirm": "1"}),
    "topup": lambda mailbox: ("/credit/topup/", {"amount": "25"}),
    "password": lambda mailbox: (f"/mailboxes/{mailbox}/password/", {
        "old_password": DEMO_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}),
}


def prepared(portal, url, kind):
    cookies = portal.log_in()
    path, values = POSTS[kind](demo_mailbox_id(url))
    return cookies, path, form_post(portal, cookies, path, **values)


def assert_plain_outage_page(answer):
    status, headers, body = answer
    assert status == 503
    assert headers["Retry-After"] == "30"
    assert OUTAGE_TEXT in body
    assert "Traceback" not in body and "OperationalError" not in body


def assert_demo_password_unchanged(portal):
    assert "sessionid" in portal.log_in()  # log_in() asserts the old password still opens a session


class PostInFlight:
    """The POST sent from a thread; its answer once the server gave one."""

    def __init__(self, portal, path, cookies, form):
        self.answer = None
        self._thread = threading.Thread(target=self._send, args=(portal, path, cookies, form))
        self._thread.start()

    def _send(self, portal, path, cookies, form):
        self.answer = portal.request("POST", path, cookies=cookies, form=form, timeout=60)

    def result(self):
        self._thread.join(90)
        return self.answer


@contextlib.contextmanager
def started_again(postgres):
    """Whatever happens inside, PostgreSQL runs again on the way out."""
    try:
        yield
    finally:
        if not postgres.running():
            postgres.start()


@pytest.mark.parametrize("kind", sorted(POSTS))
def test_postgres_stopped_while_the_post_writes_gives_503_and_leaves_nothing(own_postgres, portal, kind):
    url = own_postgres.url
    cookies, path, form = prepared(portal, url, kind)
    before = state(url)
    # Polled outside the blocker's transaction, which would keep seeing its first snapshot of it.
    waiting = ("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
               f"AND query LIKE 'INSERT INTO \"{Operation._meta.db_table}\"%%'")
    with started_again(own_postgres), contextlib.closing(psycopg2.connect(url)) as blocker:
        blocker.cursor().execute(f'LOCK TABLE "{Operation._meta.db_table}" IN SHARE MODE')
        post = PostInFlight(portal, path, cookies, form)
        wait_until(lambda: sql(url, waiting)[0][0] == 1, timeout=30, what="the POST waiting to log its operation")
        own_postgres.stop()
        answer = post.result()
    assert_plain_outage_page(answer)
    assert state(url) == before
    assert_demo_password_unchanged(portal)


@pytest.mark.parametrize("kind", sorted(POSTS))
def test_postgres_stopped_before_the_post_gives_503_and_changes_nothing(own_postgres, portal, kind):
    url = own_postgres.url
    cookies, path, form = prepared(portal, url, kind)
    before = state(url)
    with started_again(own_postgres):
        own_postgres.stop()
        answer = portal.request("POST", path, cookies=cookies, form=form, timeout=60)
    assert_plain_outage_page(answer)
    assert state(url) == before


def test_an_order_interrupted_by_the_restart_is_placed_once_when_sent_again(own_postgres, portal):
    url = own_postgres.url
    cookies, path, form = prepared(portal, url, "order")
    before = state(url)
    with started_again(own_postgres):
        own_postgres.stop()
        assert portal.request("POST", path, cookies=cookies, form=form)[0] == 503
    wait_until(lambda: portal.request("GET", "/healthz")[0] == 200, timeout=20, what="healthz back")
    for _ in range(2):  # the browser's retry, then a second click on the same form
        status, _, _ = portal.request("POST", path, cookies=cookies, form=form)
        assert status == 302, status
    assert state(url)["Order"] == before["Order"] + 1
