"""Paginator input for the portal's long lists, read with hand-written SQL (core.rowsql): on a
list page the ORM spent more CPU building the count and page queries than the database spent
running them (docs/load-ops.md)."""

from functools import cache

from django.db import connections

from .rowsql import fetch_all, fetch_one, quote

_REVERSED = {"ASC": "DESC", "DESC": "ASC"}

# Up to this OFFSET a page is read straight from the joined rows: PostgreSQL skips so few that the
# plain plan (~0.25 ms for a page) beats the id subquery's (~0.45 ms). Further in, walking the
# ordering index alone for the skipped ids costs less than reading and joining every skipped row.
DIRECT_OFFSET_MAX = 100


class ListPage:
    """What ``Paginator`` reads, a ``count()`` and a slice, for one list: the rows of ``model`` that
    match ``where`` (with ``params``), in ``order`` ((column, "ASC" or "DESC") pairs), read by
    ``select`` (its "SELECT … FROM … JOIN …", ``model``'s table under ``alias``, which ``where``
    uses too) and turned into the page's items by ``convert(connection, rows)``.

    ``count()`` counts them (Paginator asks before it slices); ``total``, when the caller already
    knows it (accounts.HolderCounts for an unfiltered list), spares that COUNT(*): ~1 ms of
    PostgreSQL for 10,000 rows. A slice is one query. Past the middle it is counted from the end,
    as OFFSET is shorter from there: the last page of 10,000 skips 0 rows instead of 9,975."""

    def __init__(self, *, connection, model, alias, select, where, params, order, convert, total=None):
        self.connection, self.model, self.alias, self.select = connection, model, alias, select
        self.where, self.params, self.order, self.convert, self.total = where, params, order, convert, total

    def count(self):
        if self.total is None:  # counted once, and known to the slice below
            table = quote(self.connection, self.model._meta.db_table)
            sql = f"SELECT COUNT(*) FROM {table} {self.alias} WHERE {self.where}"
            self.total = fetch_one(self.connection, sql, self.params)[0]
        return self.total

    def __getitem__(self, window):
        start, stop = window.start, window.stop
        if stop <= start:
            return []
        offset, backwards = start, False
        if self.total is not None and start > self.total // 2 and stop <= self.total:
            offset, backwards = self.total - stop, True
        direct = offset <= DIRECT_OFFSET_MAX
        sql = _page_sql(self.connection.alias, self.model, self.alias, self.select, self.where, self.order,
                        backwards=backwards, direct=direct)
        rows = fetch_all(self.connection, sql, [*self.params, stop - start, offset])
        if backwards and direct:
            rows.reverse()  # the subquery's outer ORDER BY puts them back in order otherwise
        return self.convert(self.connection, rows)


@cache
def _page_sql(db_alias, model, alias, select, where, order, *, backwards, direct):
    """A page's query; LIMIT and OFFSET are its last two parameters. ``direct``: ORDER BY … LIMIT on
    the joined rows. Otherwise the page's ids come from a subquery on ``model``'s table alone, which
    PostgreSQL answers from the ordering index without visiting the rows it skips, and the outer
    query restores ``order``."""
    connection = connections[db_alias]

    def ordering(reverse):
        return ", ".join(f"{alias}.{quote(connection, column)} {_REVERSED[direction] if reverse else direction}"
                         for column, direction in order)

    if direct:
        return f"{select} WHERE {where} ORDER BY {ordering(backwards)} LIMIT %s OFFSET %s"
    pk = f"{alias}.{quote(connection, model._meta.pk.column)}"
    return (f"{select} WHERE {pk} IN (SELECT {pk} FROM {quote(connection, model._meta.db_table)} {alias} "
            f"WHERE {where} ORDER BY {ordering(backwards)} LIMIT %s OFFSET %s) ORDER BY {ordering(False)}")
