"""The broker (and cache) stops: holders keep using the portal; the health check says so."""

import json
import time

import pytest

from tests.operations.servers import DEMO_ADDRESS, Load, Portal, Redis
from tests.waiting import wait_until

pytestmark = pytest.mark.fault

PAGES = ["/", "/mailboxes/", "/operations/", "/profile/", "/credit/topup/", "/login/"]


@pytest.fixture
def redis_server():
    redis = Redis()
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def portal(own_postgres, redis_server):
    portal = Portal(database_url=own_postgres.url, redis_url=redis_server.url)
    portal.start()
    yield portal
    portal.stop()


def health(portal):
    status, _, body = portal.request("GET", "/healthz")
    return status, json.loads(body)


def test_pages_still_serve_while_redis_is_down(portal, redis_server):
    assert health(portal) == (200, {"status": "ok", "database": "ok", "migrations": "ok", "broker": "ok"})
    cookies = portal.log_in()
    redis_server.stop()
    stopped = time.monotonic()
    with Load(portal, PAGES, cookies=cookies) as load:
        time.sleep(3)
    answers = load.between(stopped, time.monotonic())
    assert len(answers) > 20
    assert {(path, status) for _, _, path, status, _ in answers} == {(path, 200) for path in PAGES}
    assert all(DEMO_ADDRESS in body for _, _, path, _, body in answers if path != "/login/")

    # A new login needs no broker either.
    assert portal.log_in()["sessionid"] != cookies["sessionid"]

    status, checks = health(portal)
    assert status == 503
    assert checks["broker"] == "error: ConnectionError" and checks["database"] == "ok"

    redis_server.start()
    wait_until(lambda: health(portal)[0] == 200, timeout=10, what="healthz back with the broker")
