"""Schedules the hourly cancellation of pending orders older than 72 hours (SPEC 3.6).

Every hour at :30 except 02:xx Europe/Rome, the hour the nightly renewals own and the one the
clocks skip or repeat at the daylight-saving changes."""

from django.db import migrations

TASK = "addons.tasks.orders_cancel_stale_task"
NAME = "Annulla ordini in attesa da più di 72 ore"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="0,1,3-23", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="Europe/Rome",
    )
    PeriodicTask.objects.get_or_create(name=NAME, defaults={"task": TASK, "crontab": crontab})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("addons", "0003_default_catalogue"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
