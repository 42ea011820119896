"""PostgreSQL stopped and started under the portal's feet while pages are being requested."""

import json
import time

import pytest

from tests.operations.servers import Load, Portal
from tests.waiting import wait_until

pytestmark = pytest.mark.fault

PAGES = ["/", "/mailboxes/", "/operations/", "/profile/", "/healthz"]
OUTAGE_TEXT = "Servizio momentaneamente non disponibile"


@pytest.fixture
def portal(own_postgres):
    portal = Portal(database_url=own_postgres.url)
    portal.start()
    yield portal
    portal.stop()


def test_pages_answer_503_while_postgres_is_down_and_recover_by_themselves(own_postgres, portal):
    cookies = portal.log_in()
    with Load(portal, PAGES, cookies=cookies) as load:
        time.sleep(2)
        stopping = time.monotonic()
        own_postgres.stop()
        stopped = time.monotonic()
        time.sleep(3)
        starting = time.monotonic()
        own_postgres.start()
        started = time.monotonic()
        wait_until(lambda: portal.request("GET", "/healthz")[0] == 200, timeout=20, what="healthz back")
        recovered = time.monotonic()
        time.sleep(2)
        finished = time.monotonic()

    answers = load.answers
    assert len(answers) > 50
    assert {status for _, _, _, status, _ in answers} <= {200, 503}, "only 200 or 503, never a 500"
    assert not [body for *_, body in answers if "Traceback" in body]
    assert not [body for _, _, path, _, body in answers if path != "/healthz" and "OperationalError" in body]

    assert {status for *_, status, _ in load.between(0, stopping)} == {200}

    down = load.between(stopped + 0.2, starting)
    assert len(down) > 10
    for _, _, path, status, body in down:
        assert status == 503, (path, status)
        if path == "/healthz":
            assert json.loads(body)["status"] == "error"
        else:
            assert OUTAGE_TEXT in body

    assert recovered - started < 10, "the portal reconnects by itself, without a restart"
    after = load.between(recovered + 0.2, finished)
    assert len(after) > 10
    assert {status for *_, status, _ in after} == {200}
    assert portal.process.poll() is None
