from dataclasses import dataclass, replace

from django.db import connection
from django.http import Http404
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.selectors import holder_counts
from core.paging import FIRST_PAGE, PAGE_SIZE, KeysetPage, fetch_all

from .models import Mailbox, Plan


def login_mailbox_get(*, mailbox_id, user_id):
    """The session's login mailbox if it still belongs to the user's holder and is not terminated,
    else None, with only the fields the check and the header use. Every request of a holder runs it:
    written as SQL it costs a sixth of the ORM's 0.4 ms to build the same query."""
    found = Mailbox.objects.raw(
        """
        SELECT m.id, m.holder_id, m.address, m.password_hash, m.status
          FROM mailboxes_mailbox m
          JOIN accounts_holder h ON h.id = m.holder_id
         WHERE m.id = %s AND h.user_id = %s AND m.status <> %s
        """,
        [mailbox_id, user_id, Mailbox.Status.TERMINATED],
    )
    return next(iter(found), None)


def mailbox_list_conditions(*, holder_id, q="", status="", expires_from=None, expires_until=None):
    """The SQL condition on ``mailboxes_mailbox m`` that picks the rows of Lista caselle PEC and its
    parameters, for every query that must pick the same rows (the list, its count, its CSV export).
    ``q``: part of the address, any case; ``expires_from`` / ``expires_until``: expiry dates, both
    included (the API's filters)."""
    conditions, params = ["m.holder_id = %(holder)s"], {"holder": holder_id}
    if q:
        # Addresses are stored lowercase (a check constraint), so LIKE on the lowered text ignores case.
        conditions.append("m.address LIKE %(address)s ESCAPE '\\'")
        params["address"] = f"%{connection.ops.prep_for_like_query(q.strip().lower())}%"
    if status:
        conditions.append("m.status = %(status)s")
        params["status"] = status
    if expires_from is not None:
        conditions.append("m.expires_on >= %(expires_from)s")
        params["expires_from"] = expires_from
    if expires_until is not None:
        conditions.append("m.expires_on <= %(expires_until)s")
        params["expires_until"] = expires_until
    return " AND ".join(conditions), params


class MailboxSelectionInvalid(Exception):
    """A selection of Lista caselle PEC that picks nothing usable; the message is shown as it is."""


@dataclass(frozen=True)
class MailboxSelection:
    """The holder's own mailboxes a bulk action covers, in id order, and how they were picked:
    ``filters`` ({"q", "status"}) for "all that match the filter", else None for ticked ids."""

    ids: list
    filters: dict | None

    def __len__(self):
        return len(self.ids)

    def as_fields(self):
        """(name, value) pairs that post the same selection again (a quote's confirm button)."""
        if self.filters is not None:
            return [("all", "1"), *self.filters.items()]
        return [("mailbox", str(mailbox_id)) for mailbox_id in self.ids]


MAILBOX_ID_MAX = 2**63 - 1


def mailbox_selection(*, holder, data):
    """The selection a bulk form on Lista caselle PEC posts (``data``, a QueryDict): ``mailbox``
    ids, or ``all=1`` with the list's own ``q``/``status``, turned into the holder's own mailboxes
    by one query. Ids of other holders are dropped silently, like missing ones, so the answer never
    tells whether an id exists. Raises MailboxSelectionInvalid for ids that are not numbers and for
    a selection with no mailbox of the holder's."""
    if data.get("all") == "1":
        filters = {"q": data.get("q", "").strip(), "status": data.get("status", "")}
        if len(filters["q"]) > 254 or filters["status"] not in {"", *Mailbox.Status.values}:
            raise MailboxSelectionInvalid(_("Filtro non valido: torna alla lista e ripeti la ricerca."))
        listed, params = mailbox_list_conditions(holder_id=holder.pk, **filters)
    else:
        filters = None
        ids = {_mailbox_id(value) for value in data.getlist("mailbox")}
        listed = "m.holder_id = %(holder)s AND m.id = ANY(%(ids)s)"
        params = {"holder": holder.pk, "ids": sorted(ids)}
    ids = [row[0] for row in fetch_all(f"SELECT m.id FROM mailboxes_mailbox m WHERE {listed} ORDER BY m.id", params)]
    if not ids:
        raise MailboxSelectionInvalid(
            _("Nessuna casella selezionata: spunta almeno una casella o «tutte le caselle del filtro»."))
    return MailboxSelection(ids=ids, filters=filters)


def _mailbox_id(value):
    text = value.strip()
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= MAILBOX_ID_MAX:
        raise MailboxSelectionInvalid(
            _("Selezione non valida: «%(value)s» non è il numero di una casella.") % {"value": value[:40]})
    return int(text)


def mailbox_list_for_holder(*, holder, q="", status="", cursor=FIRST_PAGE):
    """A page of Lista caselle PEC (mailbox_list_page) with each cell as the page shows it."""
    page = mailbox_list_page(holder=holder, q=q, status=status, cursor=cursor)
    return replace(page, rows=_mailbox_rows(page.rows))


def mailbox_list_page(*, holder, q="", status="", expires_from=None, expires_until=None, cursor=FIRST_PAGE,
                      size=PAGE_SIZE, with_total=True):
    """A page of the holder's mailboxes, soonest expiry first and then by id, so that every row has
    one place and pages never overlap; read from ``cursor`` along the (holder, expires_on, id) index;
    filtered by mailbox_list_conditions. Rows are dicts of the columns' values. ``total`` counts the
    whole list, filtered or not, unless ``with_total`` is off (the API, whose pages carry no total:
    counting a filtered list reads all of it)."""
    listed, params = mailbox_list_conditions(holder_id=holder.pk, q=q, status=status, expires_from=expires_from,
                                             expires_until=expires_until)
    beyond, order = cursor.reading(ascending=True)
    from_cursor = "" if cursor.row_id is None else f"""
          AND (m.expires_on, m.id) {beyond} (SELECT c.expires_on, c.id FROM mailboxes_mailbox c
                                              WHERE c.id = %(cursor)s AND c.holder_id = %(holder)s)"""
    rows = fetch_all(f"""
        SELECT m.id, m.address, m.status, m.expires_on, p.name, p.code, m.auto_renew
          FROM mailboxes_mailbox m JOIN mailboxes_plan p ON p.id = m.plan_id
         WHERE {listed}{from_cursor}
         ORDER BY m.expires_on {order}, m.id {order}
         LIMIT %(limit)s""", {**params, "cursor": cursor.row_id, "limit": size + 1})
    total = None
    if with_total:
        counts = None if q or status or expires_from or expires_until else holder_counts(holder)
        total = counts.mailboxes if counts is not None else (
            fetch_all(f"SELECT COUNT(*) FROM mailboxes_mailbox m WHERE {listed}", params)[0][0])
    return KeysetPage.from_rows([
        {"id": row_id, "address": address, "status": status, "expires_on": expires_on, "plan": plan,
         "plan_code": plan_code, "auto_renew": auto_renew}
        for row_id, address, status, expires_on, plan, plan_code, auto_renew in rows
    ], cursor=cursor, size=size, total=total)


def _mailbox_rows(rows):
    """The page's rows as dicts of the text each cell shows, built in one pass: through model
    instances, get_status_display and the date filter the template spent ~80 µs a row."""
    status_labels = {status.value: str(status.label) for status in Mailbox.Status}
    # Each distinct date formatted once (~12 µs each): mailboxes bought together expire together,
    # so a page sorted by expiry holds few.
    dates = {day: date_format(day, "SHORT_DATE_FORMAT") for day in {row["expires_on"] for row in rows}}
    return [
        {"id": row["id"], "address": row["address"], "status": status_labels.get(row["status"], row["status"]),
         "expires_on": dates[row["expires_on"]], "plan": row["plan"]}
        for row in rows
    ]


def mailbox_get_for_holder(*, holder, mailbox_id):
    """One of the holder's mailboxes with its plan loaded, or 404: another holder's id looks exactly
    like a missing one."""
    if not 0 < mailbox_id < 2**63:  # no table holds such an id (SQLite cannot even be asked)
        raise Http404
    with connection.cursor() as cursor:
        cursor.execute(_MAILBOX_WITH_PLAN, [mailbox_id, holder.pk])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    mailbox = Mailbox.from_db(connection.alias, MAILBOX_FIELDS, row[:len(MAILBOX_FIELDS)])
    mailbox.plan = Plan.from_db(connection.alias, PLAN_FIELDS, row[len(MAILBOX_FIELDS):])
    mailbox.holder = holder  # the caller's own instance: no join and no second copy of the holder
    return mailbox


# Every mailbox page and action reads its mailbox so, and the ORM took 0.5 ms of CPU to build this
# join: it is written out, each model's columns in its field order (Model.from_db takes them so).
_MAILBOX_WITH_PLAN = """
    SELECT m.id, m.holder_id, m.address, m.password_hash, m.plan_id, m.status, m.requested_on,
           m.certified_on, m.expires_on, m.cancelled_on, m.status_changed_on, m.end_client,
           m.auto_renew, m.inbox_extra_gb, m.archive_extra_gb, m.conservation_gb,
           p.id, p.code, p.name, p.inbox_gb, p.archive_gb, p.yearly_price_cents
      FROM mailboxes_mailbox m
      JOIN mailboxes_plan p ON p.id = m.plan_id
     WHERE m.id = %s AND m.holder_id = %s
"""
MAILBOX_FIELDS = ("id", "holder_id", "address", "password_hash", "plan_id", "status", "requested_on",
                  "certified_on", "expires_on", "cancelled_on", "status_changed_on", "end_client", "auto_renew",
                  "inbox_extra_gb", "archive_extra_gb", "conservation_gb")
PLAN_FIELDS = ("id", "code", "name", "inbox_gb", "archive_gb", "yearly_price_cents")
