"""Paginator input for the portal's long lists, read with hand-written SQL (pecportal.rowsql): on a
list page the ORM spent more CPU building the count and page queries than the database spent
running them (docs/load-ops.md)."""

from django.db import connections, router

from .rowsql import fetch_one, quote

_REVERSED = {"ASC": "DESC", "DESC": "ASC"}


class ListPage:
    """What ``Paginator`` reads, a ``count()`` and a slice, for the rows of ``model`` that match
    ``where`` (hand-written SQL on its table, with ``params``).

    ``count()`` counts them (Paginator asks before it slices); ``total``, when the caller already
    knows it (accounts.HolderCounts for an unfiltered list), spares that COUNT(*): ~1 ms of
    PostgreSQL for 10,000 rows. ``rows(offset=, limit=, backwards=)`` returns that window of the
    list in the list's order, counted from its end when ``backwards``: one query whose rows are
    those ``ids_window`` picks."""

    def __init__(self, *, model, where, params, rows, total=None):
        self.model, self.where, self.params, self._rows, self.total = model, where, params, rows, total

    def count(self):
        if self.total is None:  # counted once, and known to the slice below
            connection = connections[router.db_for_read(self.model)]
            sql = f"SELECT COUNT(*) FROM {quote(connection, self.model._meta.db_table)} WHERE {self.where}"
            self.total = fetch_one(connection, sql, self.params)[0]
        return self.total

    def __getitem__(self, window):
        start, stop = window.start, window.stop
        if stop <= start:
            return []
        total = self.total
        # Past the middle, OFFSET is shorter from the other end: the last page of 10,000 walks 25
        # index entries backwards instead of 10,000 forwards.
        if total is not None and start > total // 2 and stop <= total:
            return self._rows(offset=total - stop, limit=stop - start, backwards=True)
        return self._rows(offset=start, limit=stop - start, backwards=False)


def ids_window(connection, model, *, where, order, backwards):
    """``IN (SELECT id …)`` for a page's query: the ids of one window of ``model``'s rows that match
    ``where``, in ``order`` ((column, "ASC" or "DESC") pairs), counted from the end when
    ``backwards``; LIMIT and OFFSET are its last two parameters. PostgreSQL walks OFFSET along the
    ordering index alone instead of reading (and joining) every row it skips; the outer query
    restores ``order``."""
    ordering = ", ".join(f"{quote(connection, column)} {_REVERSED[direction] if backwards else direction}"
                         for column, direction in order)
    return (f"IN (SELECT {quote(connection, model._meta.pk.column)} FROM {quote(connection, model._meta.db_table)} "
            f"WHERE {where} ORDER BY {ordering} LIMIT %s OFFSET %s)")
