from django_celery_beat.models import PeriodicTask

from addons.models import AddonType


def test_the_catalogue_is_seeded_with_the_spec_defaults(db):
    rows = {
        t.code: (t.name, t.unit, t.yearly_unit_price_cents, t.min_quantity, t.max_quantity, t.effect,
                 sorted(t.plans.values_list("code", flat=True)))
        for t in AddonType.objects.all()
    }
    assert rows == {
        "inbox_extra": ("Spazio extra inbox", "GB", 250, 1, 50, "inbox", ["premium", "pro", "standard"]),
        "archive_extra": ("Spazio archivio", "GB", 300, 1, 50, "archive", ["premium", "pro"]),
        "conservazione": ("Conservazione sostitutiva", "GB", 400, 1, 10, "conservation", ["premium", "pro", "standard"]),
    }


def test_stale_orders_are_cancelled_every_hour_but_never_between_two_and_three(db):
    task = PeriodicTask.objects.select_related("crontab").get(task="addons.tasks.orders_cancel_stale_task")
    assert task.enabled
    assert task.crontab.hour == "0,1,3-23"
    assert str(task.crontab.timezone) == "Europe/Rome"
    assert task.args == "[]"
