"""Holder counts are kept on PostgreSQL only (0002). SQLite databases that ran the earlier 0002 carry
per-row triggers on the two counted tables: they go, and with them the rows they kept, which nothing
reads any longer. Going back restores neither: there the lists count their rows."""

from django.db import migrations

SQLITE_TRIGGERS = [
    f"{table}_holder_counts_{change}"
    for table in ("mailboxes_mailbox", "accounts_operation")
    for change in ("added", "removed", "moved")
]


def drop_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for trigger in SQLITE_TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    schema_editor.execute("DELETE FROM accounts_holdercounts")


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_holder_counts"),
    ]

    operations = [
        migrations.RunPython(drop_sqlite_triggers, migrations.RunPython.noop),
    ]
