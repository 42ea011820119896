"""Celery accepts JSON only, and a task whose worker dies mid-run is run again without charging
twice (issue 9). A real worker subprocess on this test's Redis database and PostgreSQL database."""

import os
import re
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
from tests.waiting import wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The test process is eager; send_task goes to the broker regardless, which is the point.
    pytest.mark.filterwarnings("ignore:task_always_eager has no effect on send_task"),
]

TASK = "renewals.tasks.run_renewals_task"
DUE = date(2026, 3, 30)


def queue_length():
    with Connection(settings.REDIS_URL) as conn:
        return conn.default_channel.client.llen("celery")


class Worker:
    """One prefork worker with a single child process, so a test can kill the child mid-task."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.log_path = tmp_path / "worker.log"
        self.process = None

    def start(self, **transport_options):
        """``transport_options`` change the settings' broker transport options for this worker only."""
        ready = self.text().count("ready.") if self.log_path.exists() else 0
        self.log = self.log_path.open("a")
        env = child_env(REDIS_URL=settings.REDIS_URL, CELERY_EAGER="0", EMAIL_URL=f"filemail:///{self.tmp_path}/mail")
        argv = ["worker", "--pool=prefork", "--concurrency=1", "--loglevel=INFO", "--without-heartbeat",
                "--without-mingle", "--without-gossip"]
        options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, **transport_options}
        script = (f"from pecportal.celery import app\napp.conf.broker_transport_options = {options!r}\n"
                  f"app.worker_main({argv!r})")
        # Its own session, so a test can kill the whole worker, pool included, like a host dying.
        self.process = subprocess.Popen([sys.executable, "-c", script], env=env, cwd=settings.BASE_DIR,
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        assert wait_for(lambda: self.text().count("ready.") > ready or self.process.poll() is not None), self.text()
        assert self.process.poll() is None, self.text()

    def text(self):
        return self.log_path.read_text()

    def child_pid(self):
        children = open(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read().split()
        assert len(children) == 1, children
        return int(children[0])

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.log.close()

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
    forget_messages()
    worker = Worker(tmp_path)
    yield worker
    worker.stop()
    forget_messages()


def forget_messages():
    """Queued and unacknowledged messages both: a killed worker's would come back in a later run."""
    celery_app.control.purge()
    with Connection(settings.REDIS_URL) as conn:
        conn.default_channel.client.delete("unacked", "unacked_index", "unacked_mutex")


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


def _part_tasks(log, event):
    return set(re.findall(rf"run_renewals_part_task\[([0-9a-f-]+)\] {event}", log))


def unacked_messages():
    with Connection(settings.REDIS_URL) as conn:
        return conn.default_channel.client.zcard("unacked_index")


def test_a_task_whose_whole_worker_dies_midway_is_restored_by_the_next_worker_and_charges_nothing_twice(worker):
    first = make_mailbox(make_holder(credit_cents=5000), expires_on=DUE)
    second = make_mailbox(make_holder(credit_cents=5000), expires_on=DUE)
    # Kombu holds a Redis mutex while it restores unacked messages, for up to unacked_mutex_expire
    # (300 s by default): a worker killed while holding it would keep the next one from restoring
    # for five minutes. A few seconds here.
    worker.start(unacked_mutex_expire=3)

    with transaction.atomic():
        Wallet.objects.select_for_update().get(holder_id=second.holder_id)
        publish("json")
        assert wait_for(lambda: RenewalCharge.objects.filter(mailbox=first).exists()), worker.text()
        assert wait_for(waiting_on_a_lock), worker.text()
        worker.kill()
    in_flight = _part_tasks(worker.text(), "received") - _part_tasks(worker.text(), "succeeded")
    assert in_flight and unacked_messages() >= 1, worker.text()

    # In production an unacked message comes back after the settings' visibility timeout (an hour),
    # looked for every 10 s and at most every tenth time; two seconds and every second here, for the
    # restarted worker only.
    worker.start(visibility_timeout=2, unacked_mutex_expire=3, unacked_restore_interval=1, unacked_restore_throttle=1)
    assert wait_for(lambda: in_flight <= _part_tasks(worker.text(), "succeeded"), timeout=60), worker.text()
    assert wait_for(lambda: unacked_messages() == 0 and queue_length() == 0), worker.text()
    assert RenewalCharge.objects.filter(mailbox=first).count() == 1
    assert RenewalCharge.objects.filter(mailbox=second).count() == 1
    for mailbox in (first, second):
        assert Mailbox.objects.get(pk=mailbox.pk).expires_on == date(2027, 3, 30)
        assert LedgerEntry.objects.filter(wallet__holder_id=mailbox.holder_id, amount_cents__lt=0).count() == 1
