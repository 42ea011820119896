import pytest
from django.conf import settings

from tests.factories import PASSWORD, make_holder, make_mailbox

pytest_plugins = ["tests.browser_fixtures", "tests.stripe_fixtures"]


def pytest_configure(config):
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        raise pytest.UsageError(f"The suite runs on PostgreSQL; DATABASE_URL gives {engine}. Use scripts/test.sh.")


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
