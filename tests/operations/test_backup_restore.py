"""scripts/backup_restore_check.sh: a dump restores into a fresh database whose ledger checks out.

Run against the fault tests' own PostgreSQL, so scratch databases never touch the shared server."""

import os
import subprocess
import sys

import pytest

from tests.operations.servers import DEMO_ADDRESS, shell
from tests.security.production import ROOT

pytestmark = pytest.mark.fault

SCRIPT = ROOT / "scripts" / "backup_restore_check.sh"

OWN_LEDGER_ENTRIES = """
from billing.models import LedgerEntry
from billing.services import wallet_post
from mailboxes.models import Mailbox
holder_id = Mailbox.objects.get(address={address!r}).holder_id
wallet_post(holder_id=holder_id, amount_cents=1234, kind=LedgerEntry.Kind.ADJUSTMENT,
            reference="backup-test:credit", description="Rettifica di prova per il backup")
wallet_post(holder_id=holder_id, amount_cents=-234, kind=LedgerEntry.Kind.ADJUSTMENT,
            reference="backup-test:debit", description="Rettifica di prova per il backup")
print(LedgerEntry.objects.count())
"""


def _server(url):
    return url.rsplit("/", 1)[0]


def _psql(url, sql):
    done = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                          check=True, capture_output=True, text=True, timeout=60)
    return done.stdout.strip()


def _databases(url):
    return set(_psql(url, "SELECT datname FROM pg_database").split())


def _check(database_url):
    env = {**os.environ, "PYTHON": sys.executable, "DEBUG": "1"}
    env.pop("DATABASE_URL", None)  # the argument names the database, not the test run's
    return subprocess.run(["bash", str(SCRIPT), database_url], check=False, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240)


@pytest.fixture
def copy_of_own_database(own_postgres):
    """A database of the test's own on the private cluster, restored from the demo database."""
    name = "backup_test_source"
    url = f"{_server(own_postgres.url)}/{name}"
    subprocess.run(["dropdb", "--if-exists", "--force", f"--maintenance-db={own_postgres.url}", name], check=True)
    subprocess.run(["createdb", f"--maintenance-db={own_postgres.url}", name], check=True)
    dump = subprocess.run(["pg_dump", "-Fc", own_postgres.url], check=True, capture_output=True, timeout=60).stdout
    subprocess.run(["pg_restore", "--exit-on-error", "--no-owner", f"--dbname={url}"], input=dump, check=True,
                   timeout=60)
    yield url
    subprocess.run(["dropdb", "--if-exists", "--force", f"--maintenance-db={own_postgres.url}", name], check=True)


def test_a_backup_restores_into_a_fresh_database_and_its_ledger_checks_out(copy_of_own_database):
    entries = int(shell(copy_of_own_database, OWN_LEDGER_ENTRIES.format(address=DEMO_ADDRESS)))
    assert entries >= 3
    before = _databases(copy_of_own_database)

    done = _check(copy_of_own_database)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "Ledger OK" in done.stdout
    assert "Backup restore check passed" in done.stdout
    assert _databases(copy_of_own_database) == before, "the scratch database is dropped"


def test_it_fails_when_the_restored_ledger_does_not_add_up(copy_of_own_database):
    _psql(copy_of_own_database, "UPDATE billing_wallet SET balance_cents = balance_cents + 1")
    before = _databases(copy_of_own_database)

    done = _check(copy_of_own_database)

    assert done.returncode != 0
    assert "discrepanze tra crediti e movimenti" in done.stderr
    assert "Backup restore check passed" not in done.stdout
    assert _databases(copy_of_own_database) == before, "the scratch database is dropped on failure too"


def test_it_fails_when_the_database_cannot_be_dumped(own_postgres):
    before = _databases(own_postgres.url)

    done = _check(f"{_server(own_postgres.url)}/no_such_database")

    assert done.returncode != 0
    assert "no_such_database" in done.stderr
    assert _databases(own_postgres.url) == before
