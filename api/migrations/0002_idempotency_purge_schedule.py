"""Schedules forgetting the API's Idempotency-Key answers older than API_IDEMPOTENCY_DAYS daily at 04:20 Europe/Rome, away from the nightly jobs and from 02:xx, the
hour the clocks skip or repeat at the daylight-saving changes."""

from django.db import migrations

TASK = "api.tasks.idempotency_records_purge_task"
NAME = "Dimentica le Idempotency-Key scadute"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="20", hour="4", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/Rome",
    )
    PeriodicTask.objects.get_or_create(name=NAME, defaults={"task": TASK, "crontab": crontab})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
