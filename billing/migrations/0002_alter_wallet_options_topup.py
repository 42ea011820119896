import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('billing', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='wallet',
            options={'permissions': [('adjust_credit', 'Può rettificare il credito')], 'verbose_name': 'credito', 'verbose_name_plural': 'crediti'},
        ),
        migrations.CreateModel(
            name='TopUp',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount_cents', models.PositiveIntegerField()),
                ('status', models.CharField(choices=[('pending', 'In elaborazione'), ('succeeded', 'Completata'), ('failed', 'Non riuscita'), ('cancelled', 'Annullata')], default='pending', max_length=20)),
                ('stripe_payment_intent_id', models.CharField(blank=True, max_length=255, null=True, unique=True)),
                ('idempotency_key', models.CharField(max_length=64, unique=True)),
                ('client_secret', models.CharField(blank=True, max_length=255)),
                ('failure_message', models.CharField(blank=True, max_length=300)),
                ('refunded_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('holder', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='topups', to='accounts.holder')),
            ],
            options={
                'verbose_name': 'ricarica',
                'verbose_name_plural': 'ricariche',
                'ordering': ['-id'],
                'permissions': [('refund_topup', 'Può rimborsare una ricarica')],
                'constraints': [models.CheckConstraint(condition=models.Q(('amount_cents__gte', 50)), name='topup_at_least_stripe_minimum'), models.CheckConstraint(condition=models.Q(('refunded_at__isnull', True), ('status', 'succeeded'), _connector='OR'), name='topup_refund_only_when_paid')],
            },
        ),
    ]
