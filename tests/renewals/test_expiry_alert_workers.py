"""The alert run cut into holder ranges, one per process or Celery task (issue 5): every holder
falls in exactly one range, each stage is mailed once and each holder gets one e-mail per run."""

import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command

from renewals.alerts import expiry_alerts_run
from renewals.models import ExpiryAlert
from renewals.selectors import alert_holder_ranges
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


def test_the_ranges_cover_every_holder_id_and_share_the_pending_mailboxes_evenly(db):
    holders = holders_with_two_stages(30)
    make_mailbox(make_holder(), expires_on=DUE + timedelta(days=200))  # nothing pending

    ranges = alert_holder_ranges(on_date=DUE, parts=3)

    assert ranges[0][0] is None and ranges[-1][1] is None
    assert all(previous[1] == following[0] for previous, following in zip(ranges, ranges[1:], strict=False))
    ids = [holder.pk for holder in holders]
    per_range = [sum(1 for pk in ids if (after is None or pk > after) and (last is None or pk <= last))
                 for after, last in ranges]
    assert per_range == [10, 10, 10]


def test_with_nothing_pending_or_one_part_there_is_one_open_range(db):
    assert alert_holder_ranges(on_date=DUE, parts=2) == [(None, None)]
    holders_with_two_stages(3)
    assert alert_holder_ranges(on_date=DUE, parts=1) == [(None, None)]


def test_more_parts_than_holders_gives_no_empty_range(db):
    holders_with_two_stages(2)

    ranges = alert_holder_ranges(on_date=DUE, parts=8)

    assert len(ranges) == 2


def test_the_nightly_task_sends_one_part_per_worker_and_mails_each_holder_once(db, settings):
    settings.NIGHTLY_WORKERS = 3
    holders = holders_with_two_stages(12)

    assert send_expiry_alerts_task.delay(DUE.isoformat()).get() == {"parts": 3}

    assert sorted(message.to[0] for message in mail.outbox) == sorted(holder.email for holder in holders)
    assert_each_stage_recorded_once(holders)


def test_a_part_task_mails_only_the_holders_of_its_range(db):
    holders = holders_with_two_stages(6)
    (after, last), _rest = alert_holder_ranges(on_date=DUE, parts=2)

    summary = send_expiry_alerts_part_task.delay(DUE.isoformat(), after, last).get()

    assert summary == {"mailboxes": 6, "emails_sent": 3, "failed": 0}
    assert sorted(message.to[0] for message in mail.outbox) == sorted(holder.email for holder in holders[:3])


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

    summary = expiry_alerts_run(on_date=DUE, workers=2, progress=lambda done, total: drawn.append((done, total)))

    assert (summary.mailboxes, summary.emails_sent, summary.failed) == (80, 40, 0)
    assert drawn[-1] == (80, 80)
    assert recipients(tmp_path) == sorted(holder.email for holder in holders)
    assert_each_stage_recorded_once(holders)
    again = StringIO()
    call_command("send_expiry_alerts", "--date", DUE.isoformat(), "--workers", "2", stdout=again)
    assert "0 e-mail inviate" in again.getvalue()


@pytest.mark.django_db(transaction=True)
def test_two_commands_of_two_processes_each_at_once_mail_each_stage_once(tmp_path):
    holders = holders_with_two_stages(60)
    env = child_env(EMAIL_URL=f"filemail:///{tmp_path}/mail")

    commands = [subprocess.Popen([sys.executable, MANAGE, "send_expiry_alerts", "--date", DUE.isoformat(), "--workers", "2"],
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [command.communicate(timeout=120) for command in commands]

    assert [command.returncode for command in commands] == [0, 0], outputs
    assert recipients(tmp_path / "mail") == sorted(holder.email for holder in holders)
    assert_each_stage_recorded_once(holders)
