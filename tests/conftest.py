import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from tests.factories import PASSWORD, make_holder, make_mailbox

pytest_plugins = ["tests.browser_fixtures", "tests.stripe_fixtures"]


def pytest_configure(config):
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        raise pytest.UsageError(f"The suite runs on PostgreSQL; DATABASE_URL gives {engine}. Use scripts/test.sh.")


# Data that migrations seed: transactional tests flush the database after each test,
# so the next one gets them back from the same functions the migrations run.
SEEDING_MIGRATIONS = [
    ("mailboxes.migrations.0002_default_plans", "create_plans"),
    ("addons.migrations.0003_default_catalogue", "seed"),
]


def seed_reference_data():
    for module, function in SEEDING_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)


def _is_transactional(request):
    marker = request.node.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _default_language():
    """A request in English leaves English active in the thread: each test starts in Italian, as
    a fresh process does, whatever ran before it."""
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits and lockouts count in the cache (Redis): each test starts from zero."""
    cache.clear()


@pytest.fixture(autouse=True)
def _reseed_transactional_database(request):
    if _is_transactional(request):
        request.getfixturevalue("transactional_db")
        seed_reference_data()


@pytest.fixture
def seeded(transactional_db):
    seed_reference_data()


@pytest.fixture
def holder(db):
    return make_holder()


@pytest.fixture
def mailbox(holder):
    return make_mailbox(holder, address="mario.rossi@pec.ording.roma.it")


@pytest.fixture
def holder_client(client, mailbox):
    """A browser session opened with ``mailbox``."""
    response = client.post("/login/", {"username": mailbox.address, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client
