"""Schedules the deletion of expired sessions (Django's clearsessions) daily at 04:10 Europe/Rome, away from the nightly jobs and from 02:xx, the
hour the clocks skip or repeat at the daylight-saving changes."""

from django.db import migrations

TASK = "accounts.tasks.sessions_clear_expired_task"
NAME = "Elimina le sessioni scadute"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="10", hour="4", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/Rome",
    )
    PeriodicTask.objects.get_or_create(name=NAME, defaults={"task": TASK, "crontab": crontab})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_delegates"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
