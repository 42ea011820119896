"""The alert run shared by several processes or Celery tasks, each claiming batches of holders
with SKIP LOCKED: each stage is mailed once and each holder gets one e-mail per run."""

import subprocess
import sys
import threading
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connections, transaction

from accounts.models import Holder
from renewals.alerts import expiry_alerts_run
from renewals.models import ExpiryAlert
from renewals.tasks import send_expiry_alerts_part_task, send_expiry_alerts_task
from tests.factories import make_holder, make_mailbox

from .bulk import DUE, child_env

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")


def holders_with_two_stages(count):
    """``count`` holders, each with one mailbox at stage 30 and one at stage 90."""
    holders = [make_holder() for _ in range(count)]
    for holder in holders:
        make_mailbox(holder, expires_on=DUE + timedelta(days=20))
        make_mailbox(holder, expires_on=DUE + timedelta(days=80))
    return holders


def recipients(mail_dir):
    """The To: of every e-mail the file backend wrote under ``mail_dir``."""
    return sorted(line[len("To: "):] for path in Path(mail_dir).rglob("*") if path.is_file()
                  for line in path.read_text().splitlines() if line.startswith("To: "))


def assert_each_stage_recorded_once(holders):
    assert ExpiryAlert.objects.count() == 2 * len(holders)
    assert sorted(ExpiryAlert.objects.values_list("stage", flat=True)) == [30] * len(holders) + [90] * len(holders)


def test_the_nightly_task_sends_one_part_per_worker_and_mails_each_holder_once(db, settings):
    settings.NIGHTLY_WORKERS = 3
    holders = holders_with_two_stages(12)

    assert send_expiry_alerts_task.delay(DUE.isoformat()).get() == {"parts": 3}

    assert sorted(message.to[0] for message in mail.outbox) == sorted(holder.email for holder in holders)
    assert_each_stage_recorded_once(holders)


@pytest.mark.django_db(transaction=True)
def test_a_part_leaves_the_holders_another_worker_holds_to_it():
    holders = holders_with_two_stages(6)
    held = holders[1::2]
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        with transaction.atomic():
            list(Holder.objects.select_for_update().filter(pk__in=[holder.pk for holder in held]))
            locked.set()
            release.wait(30)
        connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert locked.wait(30)
    try:
        summary = send_expiry_alerts_part_task.delay(DUE.isoformat()).get()
    finally:
        release.set()
        thread.join(30)

    assert summary == {"mailboxes": 6, "emails_sent": 3, "failed": 0}
    assert sorted(message.to[0] for message in mail.outbox) == sorted(holder.email for holder in holders[0::2])
    assert expiry_alerts_run(on_date=DUE).emails_sent == 3
    assert_each_stage_recorded_once(holders)


@pytest.mark.django_db(transaction=True)
def test_the_command_with_two_processes_mails_each_holder_once_and_reports_the_total(settings, tmp_path, monkeypatch):
    # The first range is mailed here, with this process's settings; the second by a fresh process,
    # which reads its settings from the environment.
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    monkeypatch.setenv("EMAIL_URL", f"filemail:///{tmp_path}")
    holders = holders_with_two_stages(40)
    drawn = []

    dry = StringIO()
    call_command("send_expiry_alerts", "--date", DUE.isoformat(), "--workers", "2", "--dry-run", stdout=dry)
    assert "80 caselle, 40 e-mail inviate" in dry.getvalue() and not ExpiryAlert.objects.exists()

    summary = expiry_alerts_run(on_date=DUE, workers=2, batch_size=10,
                                progress=lambda done, total: drawn.append((done, total)))

    assert (summary.mailboxes, summary.emails_sent, summary.failed) == (80, 40, 0)
    assert drawn[-1] == (80, 80)
    assert recipients(tmp_path) == sorted(holder.email for holder in holders)
    assert_each_stage_recorded_once(holders)
    again = StringIO()
    call_command("send_expiry_alerts", "--date", DUE.isoformat(), "--workers", "2", stdout=again)
    assert "0 e-mail inviate" in again.getvalue()


@pytest.mark.django_db(transaction=True)
def test_two_commands_of_two_processes_each_at_once_mail_each_stage_once(tmp_path):
    holders = holders_with_two_stages(110)  # more pending mailboxes than a batch: both start a second process
    env = child_env(EMAIL_URL=f"filemail:///{tmp_path}/mail")

    commands = [subprocess.Popen([sys.executable, MANAGE, "send_expiry_alerts", "--date", DUE.isoformat(), "--workers", "2"],
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [command.communicate(timeout=120) for command in commands]

    assert [command.returncode for command in commands] == [0, 0], outputs
    assert recipients(tmp_path / "mail") == sorted(holder.email for holder in holders)
    assert_each_stage_recorded_once(holders)
