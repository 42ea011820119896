from django.db import migrations, models
from django.db.models import Q


def fill_units(apps, schema_editor):
    """Lines written before the unit was stored: a mailbox renewal bills one year of the mailbox;
    every other line is an add-on, counted in GB (every add-on type seeded, SPEC 3.5). A credit
    note's lines are those of the invoice it reverses."""
    InvoiceLine = apps.get_model("invoices", "InvoiceLine")
    mailbox_renewal = (Q(invoice__reference__startswith="renewal:mailbox:")
                       | Q(invoice__corrects__reference__startswith="renewal:mailbox:"))
    InvoiceLine.objects.filter(mailbox_renewal, unit="").update(unit="anno")
    InvoiceLine.objects.filter(unit="").update(unit="GB")


class Migration(migrations.Migration):

    dependencies = [
        ("invoices", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoiceline",
            name="unit",
            field=models.CharField(default="", max_length=20, verbose_name="unità di misura"),
            preserve_default=False,
        ),
        migrations.RunPython(fill_units, migrations.RunPython.noop),
    ]
