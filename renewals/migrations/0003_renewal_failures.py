"""Mailboxes the renewal night failed, kept night to night (renewals.failures), and the 06:30
Europe/Rome schedule of the staff alert that lists those failing night after night: the Celery
night's parts finish each on its own, so the alert cannot wait for them, and by then they are done."""

import django.db.models.deletion
from django.db import migrations, models

ALERT_TASK = "renewals.tasks.renewal_failures_alert_task"
ALERT_NAME = "Avviso allo staff: rinnovi non riusciti"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="6", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/Rome",
    )
    PeriodicTask.objects.get_or_create(name=ALERT_NAME, defaults={"task": ALERT_TASK, "crontab": crontab})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=ALERT_NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('mailboxes', '0002_default_plans'),
        ('renewals', '0002_nightly_schedules'),
        ('django_celery_beat', '0019_alter_periodictasks_options'),
    ]

    operations = [
        migrations.CreateModel(
            name='RenewalFailure',
            fields=[
                ('mailbox', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='renewal_failure', serialize=False, to='mailboxes.mailbox', verbose_name='casella')),
                ('nights', models.PositiveIntegerField(default=1, verbose_name='notti fallite di fila')),
                ('first_failed_on', models.DateField(verbose_name='prima notte fallita')),
                ('last_failed_on', models.DateField(verbose_name='ultima notte fallita')),
                ('reason', models.TextField(verbose_name='ultimo errore')),
            ],
            options={
                'verbose_name': 'rinnovo non riuscito',
                'verbose_name_plural': 'rinnovi non riusciti',
                'ordering': ['-nights', 'mailbox_id'],
                'indexes': [models.Index(fields=['last_failed_on', 'nights'], name='renewals_re_last_fa_a32693_idx')],
            },
        ),
        migrations.RunPython(schedule, unschedule),
    ]
