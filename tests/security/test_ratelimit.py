import threading
import uuid

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from core import ratelimit
from core.ratelimit import CounterUnavailable, allow, failure_record, failures, topup_rate_limit
from tests.factories import make_holder


@pytest.fixture
def key():
    return f"test:{uuid.uuid4()}"


def test_the_cache_is_redis_as_in_production():
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"


def test_it_allows_up_to_the_limit_then_refuses(key):
    assert [allow(key, 3, 60) for _ in range(5)] == [True, True, True, False, False]


def test_each_key_has_its_own_count(key):
    for _ in range(3):
        allow(key, 3, 60)
    assert allow(key, 3, 60) is False
    assert allow(key + ":other", 3, 60) is True


def test_a_new_window_starts_a_new_count(key, monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    assert [allow(key, 2, 60) for _ in range(3)] == [True, True, False]
    now[0] += 60
    assert allow(key, 2, 60) is True


def test_concurrent_attempts_never_exceed_the_limit(key):
    results = []
    barrier = threading.Barrier(20)

    def attempt():
        barrier.wait()
        results.append(allow(key, 10, 60))

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 10


def test_a_cache_outage_lets_attempts_through(key, settings):
    # settings here is pytest-django's fixture, which also resets the cache connections.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.2}}}
    assert allow(key, 0, 60) is True


def test_failures_are_counted_per_key(key):
    assert failures(key) == 0
    assert [failure_record(key, limit=3, window_seconds=60) for _ in range(4)] == [1, 2, 3, 4]
    assert failures(key) == 4
    assert failures(key + ":other") == 0


def redis_ttl(key):
    bucket = cache.make_and_validate_key(f"failures:{key}")
    return cache._cache.get_client(bucket).ttl(bucket)


def test_the_failure_that_reaches_the_limit_starts_a_full_window(key):
    failure_record(key, limit=2, window_seconds=600)
    cache.touch(f"failures:{key}", timeout=5)  # as if the first failure were 595 seconds old
    failure_record(key, limit=2, window_seconds=600)
    assert 590 < redis_ttl(key) <= 600


def test_failures_before_the_limit_keep_the_first_ones_window(key):
    failure_record(key, limit=5, window_seconds=600)
    cache.touch(f"failures:{key}", timeout=5)
    failure_record(key, limit=5, window_seconds=600)
    assert redis_ttl(key) <= 5


def test_failure_counters_say_when_the_cache_is_down_and_log_it(key, settings, caplog):
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    with pytest.raises(CounterUnavailable):
        failures(key)
    with pytest.raises(CounterUnavailable):
        failure_record(key, limit=3, window_seconds=60)
    assert [record.levelname for record in caplog.records if key in record.getMessage()] == ["WARNING", "WARNING"]


def payment_intent_view():
    created = []

    @topup_rate_limit
    def view(request):
        if request.method == "POST":
            created.append(request.holder.pk)
        return HttpResponse("pagina di ricarica")

    return view, created


def topup_request(method, holder, address):
    request = getattr(RequestFactory(), method)("/credit/topup/", REMOTE_ADDR=address)
    request.holder = holder
    request._messages = CookieStorage(request)
    return request


def test_the_top_up_limit_counts_each_holder(holder, settings):
    settings.TOPUP_RATE_LIMIT_PER_HOUR = 2
    cache.clear()
    view, created = payment_intent_view()
    responses = [view(topup_request("post", holder, f"192.0.2.{n}")) for n in range(3)]
    assert [response.status_code for response in responses] == [200, 200, 302]
    assert created == [holder.pk, holder.pk]
    refused = topup_request("post", holder, "192.0.2.99")
    assert view(refused)["Location"] == "/credit/topup/"
    assert "troppi tentativi di ricarica" in str(next(iter(get_messages(refused))))
    assert view(topup_request("get", holder, "192.0.2.99")).status_code == 200


def test_the_top_up_limit_counts_each_client_address(db, settings):
    settings.TOPUP_RATE_LIMIT_PER_HOUR = 2
    cache.clear()
    view, created = payment_intent_view()
    holders = [make_holder() for _ in range(3)]
    statuses = [view(topup_request("post", holder, "198.51.100.7")).status_code for holder in holders]
    assert statuses == [200, 200, 302]
    assert created == [holders[0].pk, holders[1].pk]
    assert view(topup_request("post", holders[2], "198.51.100.8")).status_code == 200
