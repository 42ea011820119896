"""Keyset paging for the long lists (STYLE.md, "Long lists: keyset paging"): a page is the rows
after (or before) the last (or first) row shown, read from the list's ordering index starting at
that row's key, so the last page of 10,000 rows costs what the first does. Each list writes its
own query in its selector; this module holds what the lists share: where a page starts (the
URL's ``after`` / ``before``), and the page itself."""

import re
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection
from django.http import HttpResponseRedirect, QueryDict

PAGE_SIZE = 25

# A row id as the lists' URLs carry it; anything longer or signed is not one of ours.
_ROW_ID = re.compile(r"[0-9]{1,18}")

POSITION_PARAMETERS = ("after", "before", "page")


class Cursor(NamedTuple):
    """Where a page starts: right after the row ``row_id`` (the last row of the page shown, for
    "Successiva") or, ``backwards``, right before it (the first row, for "Precedente"); no row: the
    first page. A list's query reads the row's sort key itself, among the holder's rows only, so
    the URL carries nothing but an id, and another holder's id reads as no row at all."""

    row_id: int | None = None
    backwards: bool = False

    def reading(self, *, ascending):
        """The comparison with the cursor row's key and the ORDER BY direction that read the
        page's rows nearest the cursor first, for a list sorted ``ascending`` (or descending)."""
        forwards = ascending != self.backwards
        return (">", "ASC") if forwards else ("<", "DESC")


FIRST_PAGE = Cursor()


def cursor_from_query(query: QueryDict):
    """The page a list's URL asks for, or None when the URL names a position this list cannot
    read: a page number from before keyset paging, or a cursor that is not a row id."""
    for name, backwards in (("after", False), ("before", True)):
        if name in query:
            value = query[name]
            return Cursor(int(value), backwards) if _ROW_ID.fullmatch(value) else None
    return None if "page" in query else FIRST_PAGE


def filters_query(query: QueryDict):
    """The list's filters from its URL, URL-encoded, without the page position: what the first page's
    URL and the page links keep."""
    filters = query.copy()
    for name in POSITION_PARAMETERS:
        filters.pop(name, None)
    return filters.urlencode()


def first_page_redirect(request):
    """To the list's first page with the same filters: for a bookmarked page number, a cursor that
    is not a row id, or one that reads nothing (another holder's row, or one deleted since)."""
    filters = filters_query(request.GET)
    return HttpResponseRedirect(f"{request.path}?{filters}" if filters else request.path)


@dataclass(frozen=True)
class KeysetPage:
    """One page of a list: ``rows`` in the list's order (dicts with the row's ``id``), the ids the
    "Precedente" / "Successiva" links start from (None: no such page), and ``total``, the number
    of rows in the whole list when the page shows it; ``cursor_lost`` sends the view to the first
    page (first_page_redirect)."""

    rows: list
    previous_before: int | None
    next_after: int | None
    total: int | None = None
    # A cursor that read nothing: another holder's row, or one deleted since the link was made.
    cursor_lost: bool = False

    @classmethod
    def from_rows(cls, rows, *, cursor, size=PAGE_SIZE, total=None):
        """The page from the up to ``size`` + 1 rows a list's query read from ``cursor``, nearest it
        first: the extra row only says that there is more beyond the page."""
        more = len(rows) > size
        rows = rows[:size]
        if cursor.backwards:
            rows.reverse()
            # Rows read before the cursor row: that row, at least, follows them.
            has_previous, has_next = more, bool(rows)
        else:
            has_previous, has_next = cursor.row_id is not None and bool(rows), more
        return cls(
            rows=rows,
            previous_before=rows[0]["id"] if has_previous else None,
            next_after=rows[-1]["id"] if has_next else None,
            total=total,
            cursor_lost=cursor.row_id is not None and not rows,
        )


def fetch_all(sql, params):
    """The rows of one of the lists' hand-written queries, as tuples."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
