"""Both nightly tasks end to end through a real Celery worker on Redis (not eager)."""

import subprocess
import sys
from datetime import date

import pytest
from django.conf import settings

from mailboxes.models import Mailbox
from pecportal.celery import app as celery_app
from renewals.models import ExpiryAlert, RenewalCharge
from tests.factories import make_holder, make_mailbox
from tests.waiting import wait_for

from .bulk import child_env

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded"),
    # The test process itself is eager; send_task goes to the broker regardless, which is the point.
    pytest.mark.filterwarnings("ignore:task_always_eager has no effect on send_task"),
]


@pytest.fixture
def worker(tmp_path):
    assert settings.REDIS_URL.startswith("redis://"), "scripts/test.sh gives the tests a Redis database"
    celery_app.control.purge()
    log = (tmp_path / "worker.log").open("w")
    env = child_env(REDIS_URL=settings.REDIS_URL, CELERY_EAGER="0", EMAIL_URL=f"filemail:///{tmp_path}/mail")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "pecportal", "worker", "--pool=solo", "--loglevel=INFO",
         "--without-heartbeat", "--without-mingle", "--without-gossip"],
        env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        assert wait_for(lambda: "ready." in (tmp_path / "worker.log").read_text(), timeout=60), \
            (tmp_path / "worker.log").read_text()
        yield tmp_path
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_a_worker_runs_the_renewal_night_and_the_alerts(worker):
    holder = make_holder(credit_cents=5000)
    due = make_mailbox(holder, expires_on=date(2026, 3, 30))
    soon = make_mailbox(holder, address="avvisami@pec.example.it", expires_on=date(2026, 4, 25))

    celery_app.send_task("renewals.tasks.run_renewals_task", args=["2026-03-30"])
    assert wait_for(lambda: RenewalCharge.objects.filter(mailbox=due).exists(), timeout=90), (worker / "worker.log").read_text()
    due.refresh_from_db()
    assert (due.status, due.expires_on) == (Mailbox.Status.CERTIFIED, date(2027, 3, 30))

    celery_app.send_task("renewals.tasks.send_expiry_alerts_task", args=["2026-04-01"])
    assert wait_for(lambda: ExpiryAlert.objects.filter(mailbox=soon).exists(), timeout=90), (worker / "worker.log").read_text()
    assert ExpiryAlert.objects.get(mailbox=soon).stage == 30
    mails = list((worker / "mail").glob("*.log"))
    assert len(mails) == 1
    content = mails[0].read_text()
    assert f"To: {holder.email}" in content and "avvisami@pec.example.it" in content
