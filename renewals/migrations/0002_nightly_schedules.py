"""Schedules the nightly jobs (SPEC 3.7) in Europe/Rome, editable in admin (Periodic tasks).

Never between 02:00 and 03:00: that hour is skipped in March and repeated in October, so a job
there would run twice or not at all. Renewals at 01:30, before the alerts at 07:00 read the
expiry dates the night has moved."""

from django.db import migrations

SCHEDULES = [
    ("Rinnovi notturni delle caselle", "renewals.tasks.run_renewals_task", "30", "1"),
    ("Avvisi di scadenza", "renewals.tasks.send_expiry_alerts_task", "0", "7"),
]


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/Rome",
        )
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("renewals", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
