"""Seeds the add-on catalogue with the defaults of SPEC 3.5; staff change them in admin."""

from django.db import migrations

CATALOGUE = [
    {
        "code": "inbox_extra",
        "name": "Spazio extra inbox",
        "description": "GB aggiunti allo spazio della casella di posta (inbox).",
        "yearly_unit_price_cents": 250,
        "min_quantity": 1,
        "max_quantity": 50,
        "effect": "inbox",
        "plans": ["standard", "pro", "premium"],
    },
    {
        "code": "archive_extra",
        "name": "Spazio archivio",
        "description": "GB aggiunti all'archivio della casella, dove restano i messaggi conservati.",
        "yearly_unit_price_cents": 300,
        "min_quantity": 1,
        "max_quantity": 50,
        "effect": "archive",
        # Standard has no archive ("Spazio Archivio: --"): there is nothing to enlarge.
        "plans": ["pro", "premium"],
    },
    {
        "code": "conservazione",
        "name": "Conservazione sostitutiva",
        "description": "Spazio di conservazione a norma dei messaggi PEC, con valore legale nel tempo.",
        "yearly_unit_price_cents": 400,
        "min_quantity": 1,
        "max_quantity": 10,
        "effect": "conservation",
        "plans": ["standard", "pro", "premium"],
    },
]


def seed(apps, schema_editor):
    AddonType = apps.get_model("addons", "AddonType")
    Plan = apps.get_model("mailboxes", "Plan")
    for row in CATALOGUE:
        fields = {key: value for key, value in row.items() if key not in ("code", "plans")}
        addon_type, created = AddonType.objects.get_or_create(code=row["code"], defaults=fields)
        if created:
            addon_type.plans.set(Plan.objects.filter(code__in=row["plans"]))


class Migration(migrations.Migration):
    dependencies = [
        ("addons", "0002_order_key"),
        ("mailboxes", "0002_default_plans"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
