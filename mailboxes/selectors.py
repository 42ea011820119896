from functools import cache, partial

from django.db import connections, router
from django.http import Http404
from django.utils.formats import date_format

from accounts.selectors import holder_counts
from addons.models import Addon, AddonType
from pecportal.paging import ListPage
from pecportal.rowsql import ModelColumns, fetch_all, fetch_one

from .models import Mailbox, Plan

# Lista caselle PEC's page: the mailboxes with their plan's name, soonest expiry first.
_LISTED_MAILBOX = ModelColumns(Mailbox, "m", only={"id", "address", "status", "expires_on"})
_LISTED_PLAN = ModelColumns(Plan, "p", only={"name"})
_LIST_ORDER = (("expires_on", "ASC"), ("id", "ASC"))


@cache
def _list_select(alias):
    c = connections[alias]
    return (f"SELECT {_LISTED_MAILBOX.sql(c)}, {_LISTED_PLAN.sql(c)} FROM {_LISTED_MAILBOX.table(c)} "
            f"INNER JOIN {_LISTED_PLAN.table(c)} ON {_LISTED_PLAN.column(c, 'id')} = {_LISTED_MAILBOX.column(c, 'plan_id')}")


def mailbox_list_for_holder(*, holder, q="", status=""):
    """The holder's mailboxes for Lista caselle PEC, for a Paginator: soonest expiry first, id to keep
    pages stable (the (holder, expires_on, id) index); each row as mailbox_rows builds it. ``q``: part
    of the address, any case."""
    connection = connections[router.db_for_read(Mailbox)]
    column = partial(_LISTED_MAILBOX.column, connection)
    conditions, params = [f"{column('holder_id')} = %s"], [holder.pk]
    if q:
        # As the ORM's address__contains: LIKE with the backend's escaping of % and _.
        conditions.append(f"{column('address')} {connection.operators['contains'] % '%s'}")
        params.append(f"%{connection.ops.prep_for_like_query(q.strip().lower())}%")
    if status:
        conditions.append(f"{column('status')} = %s")
        params.append(status)
    return ListPage(connection=connection, model=Mailbox, alias=_LISTED_MAILBOX.alias,
                    select=_list_select(connection.alias), where=" AND ".join(conditions), params=params,
                    order=_LIST_ORDER, convert=mailbox_rows,
                    total=None if q or status else holder_counts(holder).mailboxes)


def mailbox_rows(connection, rows):
    """A page of the list as plain dicts with the text each cell shows, built in one pass: through
    model instances, get_status_display and the date filter the template spent ~80 µs a row."""
    status_labels = {status.value: str(status.label) for status in Mailbox.Status}
    plan_name = len(_LISTED_MAILBOX.fields)
    mailboxes = [(_LISTED_MAILBOX.values(connection, row), row[plan_name]) for row in rows]
    # Each distinct date formatted once (~12 µs each): mailboxes bought together expire together,
    # so a page sorted by expiry holds few.
    dates = {day: date_format(day, "SHORT_DATE_FORMAT") for day in {mailbox["expires_on"] for mailbox, _ in mailboxes}}
    return [
        {
            "address": mailbox["address"], "plan": plan,
            "status": status_labels.get(mailbox["status"], mailbox["status"]),
            "expires_on": dates[mailbox["expires_on"]], "pk": mailbox["id"],
        }
        for mailbox, plan in mailboxes
    ]


# The mailbox pages' reads as hand-written SQL (pecportal.rowsql): built by the ORM, the mailbox with
# its plan and the prefetch of its add-ons cost ~0.8 ms of CPU per mailbox page, the SQL ~0.1 ms.
_MAILBOX = ModelColumns(Mailbox, "m")
_PLAN = ModelColumns(Plan, "p")
_ADDON = ModelColumns(Addon, "a")
_ADDON_TYPE = ModelColumns(AddonType, "t")


@cache
def _mailbox_sql(alias):
    c = connections[alias]
    return (f"SELECT {_MAILBOX.sql(c)}, {_PLAN.sql(c)} FROM {_MAILBOX.table(c)} "
            f"INNER JOIN {_PLAN.table(c)} ON {_PLAN.column(c, 'id')} = {_MAILBOX.column(c, 'plan_id')} "
            f"WHERE {_MAILBOX.column(c, 'id')} = %s AND {_MAILBOX.column(c, 'holder_id')} = %s")


@cache
def _mailbox_with_addons_sql(alias):
    # One row per add-on (one with NULL add-on columns when there is none), the mailbox repeated:
    # a mailbox has a handful, and a second statement cost the page more than the repeats.
    c = connections[alias]
    return (f"SELECT {_MAILBOX.sql(c)}, {_PLAN.sql(c)}, {_ADDON.sql(c)}, {_ADDON_TYPE.sql(c)} FROM {_MAILBOX.table(c)} "
            f"INNER JOIN {_PLAN.table(c)} ON {_PLAN.column(c, 'id')} = {_MAILBOX.column(c, 'plan_id')} "
            f"LEFT OUTER JOIN {_ADDON.table(c)} ON {_ADDON.column(c, 'mailbox_id')} = {_MAILBOX.column(c, 'id')} "
            f"LEFT OUTER JOIN {_ADDON_TYPE.table(c)} ON {_ADDON_TYPE.column(c, 'id')} = {_ADDON.column(c, 'addon_type_id')} "
            f"WHERE {_MAILBOX.column(c, 'id')} = %s AND {_MAILBOX.column(c, 'holder_id')} = %s "
            f"ORDER BY {_ADDON.column(c, 'activated_on')}, {_ADDON.column(c, 'id')}")


def mailbox_page_get(*, holder, mailbox_id):
    """mailbox_get_for_holder for the mailbox page, with all its add-ons in order of activation, their
    types loaded, as prefetch_related leaves them (mailbox.addons.all() reads no more), in one query:
    the page lists them and prices the renewal of the active ones."""
    connection = connections[router.db_for_read(Mailbox)]
    rows = fetch_all(connection, _mailbox_with_addons_sql(connection.alias), [mailbox_id, holder.pk])
    if not rows:
        raise Http404("No Mailbox matches the given query.")
    mailbox = _mailbox_of(connection, rows[0], holder)
    addon_start = len(_MAILBOX.fields) + len(_PLAN.fields)
    addons = []
    for row in rows:
        addon = _ADDON.instance(connection, row, addon_start)
        if addon is None:
            continue  # the mailbox has none
        Addon.addon_type.field.set_cached_value(
            addon, _ADDON_TYPE.instance(connection, row, addon_start + len(_ADDON.fields)))
        Addon.mailbox.field.set_cached_value(addon, mailbox)
        addons.append(addon)
    # What Django's prefetch_related_objects stores (there is no public way to hand it the rows): the
    # addons section and the renewal block read them through mailbox.addons.all().
    prefetched = mailbox.addons.get_queryset()
    prefetched._result_cache, prefetched._prefetch_done = addons, True
    mailbox._prefetched_objects_cache = {Mailbox.addons.rel.cache_name: prefetched}
    return mailbox


def mailbox_get_for_holder(*, holder, mailbox_id):
    """One of the holder's mailboxes with its plan loaded, or 404: another holder's id looks exactly
    like a missing one."""
    connection = connections[router.db_for_read(Mailbox)]
    row = fetch_one(connection, _mailbox_sql(connection.alias), [mailbox_id, holder.pk])
    if row is None:
        raise Http404("No Mailbox matches the given query.")
    return _mailbox_of(connection, row, holder)


def _mailbox_of(connection, row, holder):
    mailbox = _MAILBOX.instance(connection, row)
    Mailbox.plan.field.set_cached_value(mailbox, _PLAN.instance(connection, row, len(_MAILBOX.fields)))
    mailbox.holder = holder  # the caller's own instance: no join and no second copy of the holder
    return mailbox
