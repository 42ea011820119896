"""The mailbox page reads its mailbox with the plan (mailboxes.selectors.mailbox_get_for_holder) and
its add-ons with their types (renewals.selectors.mailbox_page_get) in statements written out: they
must give what the ORM gives, field for field, and a 404 for anything not the holder's."""

from datetime import date

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from addons.models import Addon
from mailboxes.models import Mailbox
from mailboxes.selectors import mailbox_get_for_holder
from renewals.selectors import mailbox_page_get
from tests.factories import make_holder, make_mailbox

from .conftest import make_addon


def fields(instance):
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def as_loaded(instance):
    assert instance.get_deferred_fields() == set()
    assert instance._state.adding is False and instance._state.db == connection.alias
    return fields(instance)


def test_the_mailbox_and_its_add_ons_are_the_orms_with_nothing_deferred(holder, mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(cancelled_on=date(2026, 5, 1), end_client=True, auto_renew=False)
    later = make_addon(mailbox, code="conservazione", quantity=2, activated_on=date(2026, 3, 1))
    first = make_addon(mailbox, activated_on=date(2026, 1, 10))
    Addon.objects.filter(pk=first.pk).update(status=Addon.Status.DEACTIVATED, deactivated_on=date(2026, 2, 1))
    make_addon(make_mailbox(holder))  # another mailbox's add-on stays off this page

    with CaptureQueriesContext(connection) as queries:
        loaded, addons = mailbox_page_get(holder=holder, mailbox_id=mailbox.pk)
        related = [(addon.addon_type.code, addon.mailbox is loaded) for addon in addons] + [loaded.plan.code]

    expected = Mailbox.objects.select_related("plan").get(pk=mailbox.pk)
    expected_addons = list(Addon.objects.filter(mailbox=mailbox).select_related("addon_type")
                           .order_by("activated_on", "id"))
    assert len(queries) == 2
    assert related == [("inbox_extra", True), ("conservazione", True), "standard"]
    assert (as_loaded(loaded), as_loaded(loaded.plan)) == (fields(expected), fields(expected.plan))
    assert [addon.pk for addon in addons] == [first.pk, later.pk]
    assert [(as_loaded(addon), as_loaded(addon.addon_type)) for addon in addons] == [
        (fields(addon), fields(addon.addon_type)) for addon in expected_addons]
    assert loaded.holder is holder


@pytest.mark.parametrize("mailbox_id", [0, -1, 2**63, 10**30])
def test_ids_no_table_holds_are_404s(holder, mailbox_id):
    with pytest.raises(Http404):
        mailbox_get_for_holder(holder=holder, mailbox_id=mailbox_id)


def test_another_holders_mailbox_is_a_404_page(holder_client, holder, mailbox):
    other = make_mailbox(make_holder())
    for path in (f"/mailboxes/{other.pk}/", f"/mailboxes/{10**30}/", f"/mailboxes/{other.pk}/addons/new/"):
        assert holder_client.get(path).status_code == 404
