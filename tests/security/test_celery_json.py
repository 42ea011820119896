"""Celery accepts JSON only, and a task whose worker dies mid-run is run again without charging
twice (issue 9). A real worker subprocess on this test's Redis database and PostgreSQL database."""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import date

import pytest
from django.conf import settings
from django.db import connection, transaction
from kombu import Connection

from billing.models import LedgerEntry, Wallet
from mailboxes.models import Mailbox
from pecportal.celery import app as celery_app
from renewals.models import RenewalCharge
from tests.factories import make_holder, make_mailbox
from tests.renewals.bulk import child_env

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The test process is eager; send_task goes to the broker regardless, which is the point.
    pytest.mark.filterwarnings("ignore:task_always_eager has no effect on send_task"),
]

TASK = "renewals.tasks.run_renewals_task"
DUE = date(2026, 3, 30)


def wait_for(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def queue_length():
    with Connection(settings.REDIS_URL) as conn:
        return conn.default_channel.client.llen("celery")


class Worker:
    """One prefork worker with a single child process, so a test can kill the child mid-task."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.log_path = tmp_path / "worker.log"
        self.process = None

    def start(self):
        ready = self.text().count("ready.") if self.log_path.exists() else 0
        self.log = self.log_path.open("a")
        env = child_env(REDIS_URL=settings.REDIS_URL, CELERY_EAGER="0", EMAIL_URL=f"filemail:///{self.tmp_path}/mail")
        argv = ["worker", "--pool=prefork", "--concurrency=1", "--loglevel=INFO", "--without-heartbeat",
                "--without-mingle", "--without-gossip"]
        script = f"from pecportal.celery import app\napp.worker_main({argv!r})"
        self.process = subprocess.Popen([sys.executable, "-c", script], env=env, cwd=settings.BASE_DIR,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        assert wait_for(lambda: self.text().count("ready.") > ready or self.process.poll() is not None), self.text()
        assert self.process.poll() is None, self.text()

    def text(self):
        return self.log_path.read_text()

    def child_pid(self):
        children = open(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read().split()
        assert len(children) == 1, children
        return int(children[0])

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            self.log.close()


@pytest.fixture
def worker(tmp_path):
    assert settings.REDIS_URL.startswith("redis://"), "scripts/test.sh gives the tests a Redis database"
    celery_app.control.purge()
    worker = Worker(tmp_path)
    yield worker
    worker.stop()
    celery_app.control.purge()


def publish(serializer):
    """A task message as Celery itself builds it, encoded with ``serializer``."""
    return celery_app.send_task(TASK, args=[DUE.isoformat()], serializer=serializer, task_id=str(uuid.uuid4()))


def test_a_pickled_task_message_is_refused_and_the_same_task_in_json_runs(worker):
    holder = make_holder(credit_cents=5000)
    due = make_mailbox(holder, expires_on=DUE)

    publish("pickle")
    with Connection(settings.REDIS_URL) as conn:
        raw = conn.default_channel.client.lindex("celery", 0).decode()
    assert '"content-type": "application/x-python-serialize"' in raw

    worker.start()
    assert wait_for(lambda: "Refusing to deserialize untrusted content of type pickle" in worker.text()), \
        worker.text()
    assert wait_for(lambda: queue_length() == 0)
    time.sleep(1)
    assert not RenewalCharge.objects.exists()
    assert Mailbox.objects.get(pk=due.pk).expires_on == DUE

    publish("json")
    assert wait_for(lambda: RenewalCharge.objects.filter(mailbox=due).exists()), worker.text()
    assert Mailbox.objects.get(pk=due.pk).expires_on == date(2027, 3, 30)


def waiting_on_a_lock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0] > 0


def test_a_task_whose_worker_process_is_killed_midway_runs_again_and_charges_nothing_twice(worker):
    first = make_mailbox(make_holder(credit_cents=5000), expires_on=DUE)
    second = make_mailbox(make_holder(credit_cents=5000), expires_on=DUE)
    worker.start()
    child = worker.child_pid()

    # Holding the second holder's wallet stops the run after it has renewed the first mailbox.
    with transaction.atomic():
        Wallet.objects.select_for_update().get(holder_id=second.holder_id)
        publish("json")
        assert wait_for(lambda: RenewalCharge.objects.filter(mailbox=first).exists()), worker.text()
        assert wait_for(waiting_on_a_lock), worker.text()
        os.kill(child, signal.SIGKILL)
        assert wait_for(lambda: "WorkerLostError" in worker.text()), worker.text()

    assert wait_for(lambda: RenewalCharge.objects.filter(mailbox=second).exists()), worker.text()
    assert wait_for(lambda: queue_length() == 0)
    assert RenewalCharge.objects.filter(mailbox=first).count() == 1
    assert RenewalCharge.objects.filter(mailbox=second).count() == 1
    for mailbox in (first, second):
        assert Mailbox.objects.get(pk=mailbox.pk).expires_on == date(2027, 3, 30)
        debits = LedgerEntry.objects.filter(wallet__holder_id=mailbox.holder_id, amount_cents__lt=0)
        assert debits.count() == 1
        assert Wallet.objects.get(holder_id=mailbox.holder_id).balance_cents == 5000 + debits.get().amount_cents
    assert worker.child_pid() != child
