"""Paginator input for the portal's long lists, read with hand-written SQL (pecportal.rowsql): on a
list page the ORM spent more CPU building the count and page queries than the database spent
running them (docs/load-ops.md)."""


class ListPage:
    """What ``Paginator`` reads, a ``count()`` and a slice.

    ``count()`` counts the list's rows (Paginator asks before it slices); ``total``, when the
    caller already knows it (accounts.HolderCounts for an unfiltered list), spares that COUNT(*):
    ~1 ms of PostgreSQL for 10,000 rows. ``rows(offset=, limit=, backwards=)`` returns that window of the list in the
    list's order, counted from its end when ``backwards``. A page should be one query of the form
    ``WHERE id IN (SELECT id … ORDER BY … LIMIT … OFFSET …)``: PostgreSQL walks OFFSET along the
    ordering index alone instead of reading (and joining) every row it skips."""

    def __init__(self, *, count, rows, total=None):
        self._count, self._rows, self.total = count, rows, total

    def count(self):
        if self.total is None:
            self.total = self._count()  # counted once, and known to the slice below
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
