"""Many rows updated in one statement, for the renewal night's batches."""

from django.db import connection


def bulk_update_rows(model, instances, field_names):
    """Write ``field_names`` of every instance, by primary key, in one UPDATE.

    On PostgreSQL an ``UPDATE … FROM (VALUES …)``, which costs the database and Python a small
    fraction of Django's ``bulk_update`` (a CASE per column over every id: for 500 rows, most of a
    batch's time). Other databases, the embedded SQLite included, use ``bulk_update``."""
    instances = list(instances)
    if not instances:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(instances, field_names)
        return
    meta = model._meta
    columns = [meta.pk, *(meta.get_field(name) for name in field_names)]
    row = "(" + ", ".join(f"%s::{field.db_type(connection)}" for field in columns) + ")"
    params = [field.get_db_prep_save(getattr(instance, field.attname), connection)
              for instance in instances for field in columns]
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in columns)
    assignments = ", ".join(f"{quote(field.column)} = v.{quote(field.column)}" for field in columns[1:])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "
            f"FROM (VALUES {', '.join([row] * len(instances))}) AS v ({names}) "
            f"WHERE t.{quote(meta.pk.column)} = v.{quote(meta.pk.column)}",
            params,
        )
