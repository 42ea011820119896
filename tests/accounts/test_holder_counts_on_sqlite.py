"""The embedded demo's SQLite database keeps no holder counts: it has no triggers however it was
migrated, its lists count their rows, and recount_holders has nothing to do there. Each test runs
manage.py in a child process on a SQLite file of its own (the suite itself runs on PostgreSQL)."""

import sqlite3
import subprocess
import sys

import pytest
from django.conf import settings

LIST_TOTALS = """
from accounts.selectors import holder_counts
from billing.selectors import operations_for_holder
from mailboxes.selectors import mailbox_list_for_holder
from tests.factories import make_holder, make_mailboxes, make_operations
holder = make_holder()
make_mailboxes(holder, 3)
make_operations(holder, 2)
print(holder_counts(holder), mailbox_list_for_holder(holder=holder).total,
      operations_for_holder(holder=holder).total)
"""


@pytest.fixture
def demo_database(tmp_path):
    return tmp_path / "demo.sqlite3"


def _manage(database, *args):
    env = {"DEBUG": "1", "PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{database}"}
    finished = subprocess.run([sys.executable, "manage.py", *args], env=env, cwd=settings.BASE_DIR,
                              capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    return finished.stdout


def _triggers(database):
    with sqlite3.connect(database) as db:
        return db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()


def test_a_migrated_demo_database_has_no_triggers_going_back_and_forth(demo_database):
    _manage(demo_database, "migrate")
    assert _triggers(demo_database) == []
    _manage(demo_database, "migrate", "accounts", "0001")
    _manage(demo_database, "migrate")
    assert _triggers(demo_database) == []


def test_the_demo_lists_count_their_rows_and_recount_has_nothing_to_do(demo_database):
    _manage(demo_database, "migrate")
    assert _manage(demo_database, "shell", "-v", "0", "-c", LIST_TOTALS).split() == ["None", "3", "2"]
    assert "non tiene i conteggi" in _manage(demo_database, "recount_holders", "--dry-run")


def test_migrating_drops_the_triggers_an_earlier_release_created(demo_database):
    _manage(demo_database, "migrate", "accounts", "0002")
    with sqlite3.connect(demo_database) as db:
        db.execute("""CREATE TRIGGER mailboxes_mailbox_holder_counts_added AFTER INSERT ON mailboxes_mailbox BEGIN
                      UPDATE accounts_holdercounts SET mailboxes = mailboxes + 1 WHERE holder_id = NEW.holder_id;
                      END""")
        db.execute("INSERT INTO accounts_holdercounts (holder_id, mailboxes, operations) VALUES (1, 5, 0)")
    _manage(demo_database, "migrate")
    assert _triggers(demo_database) == []
    with sqlite3.connect(demo_database) as db:
        assert db.execute("SELECT count(*) FROM accounts_holdercounts").fetchone() == (0,)
