"""accounts_holdercounts and the triggers that keep it: one row per holder with how many mailboxes
and operations it has, counted per statement (a batch of 500 renewals adds one upsert, not 500).
PostgreSQL only: elsewhere (SQLite, the embedded demo) the table stays empty and the lists count
their rows (accounts.selectors.holder_counts). Databases that ran an earlier version of this
migration on SQLite got per-row triggers, which 0003 drops."""

import django.db.models.deletion
from django.db import migrations, models

COUNTED = {"mailboxes_mailbox": "mailboxes", "accounts_operation": "operations"}

POSTGRESQL_FUNCTIONS = """
CREATE FUNCTION accounts_holder_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- In holder order, so two statements adding to the same holders lock their rows in one order.
  EXECUTE format('INSERT INTO accounts_holdercounts AS c (holder_id, %1$I) '
                 'SELECT holder_id, count(*) FROM added GROUP BY holder_id ORDER BY holder_id '
                 'ON CONFLICT (holder_id) DO UPDATE SET %1$I = c.%1$I + EXCLUDED.%1$I', TG_ARGV[0]);
  RETURN NULL;
END $$;
CREATE FUNCTION accounts_holder_counts_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('UPDATE accounts_holdercounts c SET %1$I = c.%1$I - r.n '
                 'FROM (SELECT holder_id, count(*) AS n FROM removed GROUP BY holder_id) r '
                 'WHERE c.holder_id = r.holder_id', TG_ARGV[0]);
  RETURN NULL;
END $$;
CREATE FUNCTION accounts_holder_counts_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('UPDATE accounts_holdercounts SET %1$I = %1$I - 1 WHERE holder_id = $1', TG_ARGV[0])
    USING OLD.holder_id;
  EXECUTE format('INSERT INTO accounts_holdercounts AS c (holder_id, %1$I) VALUES ($1, 1) '
                 'ON CONFLICT (holder_id) DO UPDATE SET %1$I = c.%1$I + 1', TG_ARGV[0])
    USING NEW.holder_id;
  RETURN NULL;
END $$;
"""

POSTGRESQL_TRIGGERS = """
CREATE TRIGGER holder_counts_added AFTER INSERT ON {table} REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION accounts_holder_counts_add('{column}');
CREATE TRIGGER holder_counts_removed AFTER DELETE ON {table} REFERENCING OLD TABLE AS removed
  FOR EACH STATEMENT EXECUTE FUNCTION accounts_holder_counts_remove('{column}');
CREATE TRIGGER holder_counts_moved AFTER UPDATE OF holder_id ON {table}
  FOR EACH ROW WHEN (OLD.holder_id IS DISTINCT FROM NEW.holder_id)
  EXECUTE FUNCTION accounts_holder_counts_move('{column}');
"""

BACKFILL = """
INSERT INTO accounts_holdercounts (holder_id, mailboxes, operations)
SELECT h.id, (SELECT count(*) FROM mailboxes_mailbox m WHERE m.holder_id = h.id),
       (SELECT count(*) FROM accounts_operation o WHERE o.holder_id = h.id)
FROM accounts_holder h
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(POSTGRESQL_FUNCTIONS, params=None)
    for table, column in COUNTED.items():
        schema_editor.execute(POSTGRESQL_TRIGGERS.format(table=table, column=column), params=None)
    schema_editor.execute(BACKFILL)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in COUNTED:
        for trigger in ("holder_counts_added", "holder_counts_removed", "holder_counts_moved"):
            schema_editor.execute(f"DROP TRIGGER {trigger} ON {table}")
    for function in ("add", "remove", "move"):
        schema_editor.execute(f"DROP FUNCTION accounts_holder_counts_{function}()")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('mailboxes', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='HolderCounts',
            fields=[
                ('holder', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='counts', serialize=False, to='accounts.holder')),
                ('mailboxes', models.BigIntegerField(db_default=0)),
                ('operations', models.BigIntegerField(db_default=0)),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
