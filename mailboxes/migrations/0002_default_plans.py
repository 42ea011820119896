from django.db import migrations

# SPEC 3.2: seeded defaults that staff change in admin.
DEFAULT_PLANS = [
    ("standard", "Standard", 1, 0, 500),
    ("pro", "Pro", 2, 3, 2500),
    ("premium", "Premium", 2, 8, 4000),
]


def create_plans(apps, schema_editor):
    Plan = apps.get_model("mailboxes", "Plan")
    for code, name, inbox_gb, archive_gb, price in DEFAULT_PLANS:
        Plan.objects.get_or_create(
            code=code,
            defaults={"name": name, "inbox_gb": inbox_gb, "archive_gb": archive_gb, "yearly_price_cents": price},
        )


class Migration(migrations.Migration):
    dependencies = [("mailboxes", "0001_initial")]
    operations = [migrations.RunPython(create_plans, migrations.RunPython.noop)]
