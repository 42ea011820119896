"""The triggers that count, in accounts_holdercounts.renewal_changes, every statement that changes
what a holder's renewal forecast reads: its mailboxes and add-ons (the columns the forecast
selects on and prints) and the prices of plans and add-on types. The cached forecast is keyed by
that figure (renewals.forecast_cache), so no code path can forget to throw it away.

Per statement, not per row: a renewal night's batch of 500 mailboxes adds one upsert per holder,
in holder order like the counts of migration accounts 0002, whose rows these triggers share, so
they take no lock a writer to the same holder's mailboxes does not already take. PostgreSQL only,
like those counts: elsewhere (SQLite, the demo) the forecast is computed on every request."""

from django.db import migrations

MAILBOX_COLUMNS = "holder_id, address, plan_id, status, expires_on, cancelled_on, auto_renew"
ADDON_COLUMNS = "mailbox_id, addon_type_id, quantity, status, activated_on, expires_on, cancelled_on"

POSTGRESQL = f"""
CREATE FUNCTION renewals_changes_add(holder_ids bigint[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO accounts_holdercounts AS c (holder_id, renewal_changes)
  SELECT DISTINCT holder_id, 1 FROM unnest(holder_ids) AS holder_id ORDER BY holder_id
  ON CONFLICT (holder_id) DO UPDATE SET renewal_changes = c.renewal_changes + 1
$$;

-- Rows inserted or deleted: "rows" is the statement's NEW or OLD table.
CREATE FUNCTION renewals_changes_mailbox_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM renewals_changes_add(ARRAY(SELECT holder_id FROM rows));
  RETURN NULL;
END $$;
CREATE FUNCTION renewals_changes_addon_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM renewals_changes_add(ARRAY(
    SELECT m.holder_id FROM rows JOIN mailboxes_mailbox m ON m.id = rows.mailbox_id));
  RETURN NULL;
END $$;

-- Rows updated: only those whose forecast columns changed count, for the old and the new holder.
CREATE FUNCTION renewals_changes_mailbox_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM renewals_changes_add(ARRAY(
    SELECT unnest(ARRAY[o.holder_id, n.holder_id]) FROM old_rows o JOIN new_rows n USING (id)
    WHERE ({', '.join('o.' + c for c in MAILBOX_COLUMNS.split(', '))})
          IS DISTINCT FROM ({', '.join('n.' + c for c in MAILBOX_COLUMNS.split(', '))})));
  RETURN NULL;
END $$;
CREATE FUNCTION renewals_changes_addon_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM renewals_changes_add(ARRAY(
    SELECT m.holder_id FROM (
      SELECT unnest(ARRAY[o.mailbox_id, n.mailbox_id]) AS mailbox_id FROM old_rows o JOIN new_rows n USING (id)
      WHERE ({', '.join('o.' + c for c in ADDON_COLUMNS.split(', '))})
            IS DISTINCT FROM ({', '.join('n.' + c for c in ADDON_COLUMNS.split(', '))})
    ) changed JOIN mailboxes_mailbox m ON m.id = changed.mailbox_id));
  RETURN NULL;
END $$;

-- A price changed: every holder with a mailbox on that plan, or an add-on of that type.
CREATE FUNCTION renewals_changes_plan_price() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM renewals_changes_add(ARRAY(
    SELECT m.holder_id FROM old_rows o JOIN new_rows n USING (id) JOIN mailboxes_mailbox m ON m.plan_id = n.id
    WHERE (o.name, o.yearly_price_cents) IS DISTINCT FROM (n.name, n.yearly_price_cents)));
  RETURN NULL;
END $$;
CREATE FUNCTION renewals_changes_addon_type_price() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM renewals_changes_add(ARRAY(
    SELECT m.holder_id FROM old_rows o JOIN new_rows n USING (id)
    JOIN addons_addon a ON a.addon_type_id = n.id JOIN mailboxes_mailbox m ON m.id = a.mailbox_id
    WHERE (o.name, o.unit, o.yearly_unit_price_cents) IS DISTINCT FROM (n.name, n.unit, n.yearly_unit_price_cents)));
  RETURN NULL;
END $$;

CREATE TRIGGER renewal_changes_inserted AFTER INSERT ON mailboxes_mailbox REFERENCING NEW TABLE AS rows
  FOR EACH STATEMENT EXECUTE FUNCTION renewals_changes_mailbox_rows();
CREATE TRIGGER renewal_changes_deleted AFTER DELETE ON mailboxes_mailbox REFERENCING OLD TABLE AS rows
  FOR EACH STATEMENT EXECUTE FUNCTION renewals_changes_mailbox_rows();
CREATE TRIGGER renewal_changes_updated AFTER UPDATE ON mailboxes_mailbox
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION renewals_changes_mailbox_update();
CREATE TRIGGER renewal_changes_inserted AFTER INSERT ON addons_addon REFERENCING NEW TABLE AS rows
  FOR EACH STATEMENT EXECUTE FUNCTION renewals_changes_addon_rows();
CREATE TRIGGER renewal_changes_deleted AFTER DELETE ON addons_addon REFERENCING OLD TABLE AS rows
  FOR EACH STATEMENT EXECUTE FUNCTION renewals_changes_addon_rows();
CREATE TRIGGER renewal_changes_updated AFTER UPDATE ON addons_addon
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION renewals_changes_addon_update();
CREATE TRIGGER renewal_changes_updated AFTER UPDATE ON mailboxes_plan
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION renewals_changes_plan_price();
CREATE TRIGGER renewal_changes_updated AFTER UPDATE ON addons_addontype
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION renewals_changes_addon_type_price();
"""

TRIGGERS = {
    "mailboxes_mailbox": ("inserted", "deleted", "updated"),
    "addons_addon": ("inserted", "deleted", "updated"),
    "mailboxes_plan": ("updated",),
    "addons_addontype": ("updated",),
}
FUNCTIONS = ("add(bigint[])", "mailbox_rows()", "addon_rows()", "mailbox_update()", "addon_update()",
             "plan_price()", "addon_type_price()")


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, triggers in TRIGGERS.items():
        for trigger in triggers:
            schema_editor.execute(f"DROP TRIGGER renewal_changes_{trigger} ON {table}")
    for function in FUNCTIONS:
        schema_editor.execute(f"DROP FUNCTION renewals_changes_{function}")


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0005_holder_renewal_changes"),
        ("addons", "0006_order_over_many_mailboxes"),
        ("mailboxes", "0002_default_plans"),
        ("renewals", "0004_renewal_charges_share_a_bulk_debit"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
