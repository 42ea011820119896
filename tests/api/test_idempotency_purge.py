"""Idempotency-Key answers are kept API_IDEMPOTENCY_DAYS, then forgotten by a daily job; a key
reused after that is refused by the order it placed and charges nothing twice."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from addons.models import Order
from api.models import IdempotentRequest
from api.tasks import idempotency_records_purge_task
from billing.models import LedgerEntry
from tests.addons.conftest import give_credit
from tests.api.conftest import error_code
from tests.api.test_orders import ORDER, single_url


@pytest.fixture(autouse=True)
def funded(holder):
    give_credit(holder, 20_000)


def age(key, days):
    IdempotentRequest.objects.filter(key=key).update(created_at=timezone.now() - timedelta(days=days))


def test_answers_past_their_days_are_forgotten_and_younger_ones_kept(orderer, mailbox, settings):
    settings.API_IDEMPOTENCY_DAYS = 30
    for key in ("old", "young"):
        assert orderer.post(single_url(mailbox), ORDER, idempotency_key=key).status_code == 201
    age("old", 31)
    age("young", 29)

    assert idempotency_records_purge_task.apply().get() == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["young"]
    call_command("purge_idempotency_keys")  # the same for operators without beat: nothing more to do
    assert IdempotentRequest.objects.count() == 1


def test_a_forgotten_key_reused_places_no_second_order(orderer, mailbox):
    first = orderer.post(single_url(mailbox), ORDER, idempotency_key="k-forgotten")
    age("k-forgotten", 400)
    idempotency_records_purge_task.apply()
    charges = LedgerEntry.objects.count()

    again = orderer.post(single_url(mailbox), ORDER, idempotency_key="k-forgotten")

    assert first.status_code == 201 and again.status_code >= 400
    assert error_code(again) == "duplicate_order"
    assert (Order.objects.count(), LedgerEntry.objects.count()) == (1, charges)


def test_the_purge_runs_daily_outside_the_nights_hours(db):
    task = PeriodicTask.objects.get(task="api.tasks.idempotency_records_purge_task")
    sessions = PeriodicTask.objects.get(task="accounts.tasks.sessions_clear_expired_task")
    for scheduled in (task, sessions):
        assert (scheduled.crontab.hour, scheduled.crontab.day_of_week, scheduled.enabled) == ("4", "*", True)
