"""Hand-written SELECTs for the few queries every page runs (the session, the user with their holder,
the login mailbox) and the long lists' pages, turned into model instances or rows the way the ORM
builds them.

Measured in-process (docs/load-ops.md): the ORM spends 0.3-0.7 ms of CPU *building* each of these
queries (lookups, joins, column lists) against ~0.02 ms for the database round trip; three of them on
every request were most of the gap between the anonymous and the logged-in ceilings. The column
lists come from the models' metadata, so a new field needs no change here."""

from functools import cache

from django.db import connections


def quote(connection, name):
    return connection.ops.quote_name(name)


class ModelColumns:
    """The columns of one model under a table alias in a SELECT, and the instance a row's slice of
    them becomes (``Model.from_db`` after the backend's converters, like a queryset's rows; fields
    left out of ``only`` are deferred)."""

    def __init__(self, model, alias, only=None):
        self.model = model
        self.alias = alias
        self.only = None if only is None else frozenset(only)

    @property
    def fields(self):
        return [f for f in self.model._meta.concrete_fields if self.only is None or f.attname in self.only]

    def sql(self, connection):
        return _select_list(self, connection.alias)

    def table(self, connection):
        return f"{quote(connection, self.model._meta.db_table)} {self.alias}"

    def column(self, connection, attname):
        return f"{self.alias}.{quote(connection, self.model._meta.get_field(attname).column)}"

    def instance(self, connection, row, start=0):
        """The instance built from ``row[start:start + len(fields)]``, or None when its primary key
        is NULL (no match on an outer join)."""
        attnames, values = self._converted(connection, row, start)
        if values[attnames.index(self.model._meta.pk.attname)] is None:
            return None
        return self.model.from_db(connection.alias, attnames, values)

    def values(self, connection, row, start=0):
        """``row[start:start + len(fields)]`` as {attname: value}, like a ``values()`` queryset's rows."""
        return dict(zip(*self._converted(connection, row, start), strict=True))

    def _converted(self, connection, row, start):
        attnames, converters = _row_plan(self, connection.alias)
        values = list(row[start:start + len(attnames)])
        for position, convert, expression in converters:
            values[position] = convert(values[position], expression, connection)
        return attnames, values


# Per ModelColumns (module-level constants, hashed by identity) and database alias.
@cache
def _select_list(columns, alias):
    connection = connections[alias]
    return ", ".join(f"{columns.alias}.{quote(connection, f.column)}" for f in columns.fields)


@cache
def _row_plan(columns, alias):
    connection = connections[alias]
    attnames, converters = [], []
    for position, field in enumerate(columns.fields):
        attnames.append(field.attname)
        expression = field.get_col(columns.alias)
        for convert in connection.ops.get_db_converters(expression) + expression.get_db_converters(connection):
            converters.append((position, convert, expression))
    return attnames, converters


def fetch_one(connection, sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def fetch_all(connection, sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
