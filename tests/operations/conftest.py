import pytest

from tests.operations.servers import Postgres, prepare_database


def pytest_configure(config):
    config.addinivalue_line("markers", "fault: stops and starts services of the test's own (tests/operations)")


@pytest.fixture(scope="session")
def own_postgres():
    """A migrated PostgreSQL with the demo holder, private to the fault tests."""
    postgres = Postgres()
    try:
        postgres.init()
        prepare_database(postgres.url)
        yield postgres
    finally:
        postgres.destroy()
