"""The selection of Lista caselle PEC and the bulk auto-renew switch."""

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Operation
from mailboxes.models import Mailbox
from mailboxes.selectors import MailboxSelectionInvalid, mailbox_selection
from renewals.cancellation import mailbox_cancel
from tests.factories import make_holder, make_mailbox, make_mailboxes

from .conftest import reload


def posted(**fields):
    data = QueryDict(mutable=True)
    for name, value in fields.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    return data


@pytest.fixture
def boxes(holder, mailbox):
    return [mailbox, make_mailbox(holder, address="anna.bianchi@pec.ording.roma.it"),
            make_mailbox(holder, address="luca.verdi@pec.ording.roma.it", status=Mailbox.Status.SUSPENDED)]


def test_the_list_offers_a_checkbox_per_row_and_select_all_matching(holder_client, boxes):
    html = holder_client.get("/mailboxes/?q=ording").content.decode()

    for mailbox in boxes:
        assert f'name="mailbox" value="{mailbox.pk}"' in html
    assert 'name="all" value="1"' in html
    assert "Seleziona tutte le 3 caselle che corrispondono al filtro" in html
    assert '<input type="hidden" name="q" value="ording"><input type="hidden" name="status" value="">' in html
    assert 'formaction="/mailboxes/bulk/auto-renew/"' in html and 'action="/mailboxes/bulk/renew/"' in html


def test_it_selects_the_ticked_ids_in_id_order(holder, boxes):
    selection = mailbox_selection(holder=holder, data=posted(mailbox=[str(boxes[2].pk), str(boxes[0].pk)]))

    assert selection.ids == [boxes[0].pk, boxes[2].pk]
    assert selection.as_fields() == [("mailbox", str(boxes[0].pk)), ("mailbox", str(boxes[2].pk))]


def test_it_selects_all_that_match_the_lists_filter(holder, boxes):
    make_mailbox(make_holder(), address="altro.bianchi@pec.example.it")

    by_address = mailbox_selection(holder=holder, data=posted(all="1", q=" BIANCHI ", status=""))
    by_status = mailbox_selection(holder=holder, data=posted(all="1", q="", status="sospesa"))

    assert by_address.ids == [boxes[1].pk]
    assert by_status.ids == [boxes[2].pk]
    assert by_address.as_fields() == [("all", "1"), ("q", "BIANCHI"), ("status", "")]


def test_all_wins_over_ticked_ids(holder, boxes):
    assert mailbox_selection(holder=holder, data=posted(all="1", mailbox=str(boxes[0].pk))).ids == [
        mailbox.pk for mailbox in boxes]


def test_another_holders_ids_are_ignored_silently(holder, boxes):
    stranger = make_mailbox(make_holder())

    assert mailbox_selection(holder=holder, data=posted(mailbox=[str(stranger.pk), str(boxes[1].pk)])).ids == [
        boxes[1].pk]
    with pytest.raises(MailboxSelectionInvalid, match="Nessuna casella selezionata"):
        mailbox_selection(holder=holder, data=posted(mailbox=[str(stranger.pk)]))


@pytest.mark.parametrize("value", ["abc", "-3", "0", "1.5", "٣", "99999999999999999999999"])
def test_garbage_ids_get_a_clear_message(holder, boxes, value):
    with pytest.raises(MailboxSelectionInvalid, match="non è il numero di una casella"):
        mailbox_selection(holder=holder, data=posted(mailbox=[str(boxes[0].pk), value]))


def test_an_empty_selection_or_a_bad_filter_gets_a_clear_message(holder, boxes):
    with pytest.raises(MailboxSelectionInvalid, match="Nessuna casella selezionata"):
        mailbox_selection(holder=holder, data=posted())
    with pytest.raises(MailboxSelectionInvalid, match="Nessuna casella selezionata"):
        mailbox_selection(holder=holder, data=posted(all="1", q="nessuno"))
    with pytest.raises(MailboxSelectionInvalid, match="Filtro non valido"):
        mailbox_selection(holder=holder, data=posted(all="1", status="inventato"))


def test_bulk_auto_renew_switches_off_the_selection_in_one_update_and_logs_each(holder_client, holder, boxes):
    response = holder_client.post("/mailboxes/bulk/auto-renew/", {"all": "1", "q": "ording", "auto_renew": "no"},
                                  follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/mailboxes/?q=ording"
    assert "Rinnovo automatico disattivato per 2 caselle." in html
    assert "1 caselle selezionate erano già così o sono in uno stato che non lo consente." in html
    assert [reload(mailbox).auto_renew for mailbox in boxes] == [False, False, True]  # suspended: left alone
    assert sorted(Operation.objects.filter(holder=holder, kind=Operation.Kind.RENEWAL)
                  .values_list("mailbox_address", "description")) == [
        ("anna.bianchi@pec.ording.roma.it", "Rinnovo automatico disattivato"),
        ("mario.rossi@pec.ording.roma.it", "Rinnovo automatico disattivato")]


def test_bulk_auto_renew_on_changes_and_logs_only_what_was_off(holder_client, holder, boxes):
    Mailbox.objects.filter(pk=boxes[1].pk).update(auto_renew=False)

    response = holder_client.post("/mailboxes/bulk/auto-renew/",
                                  {"mailbox": [boxes[0].pk, boxes[1].pk], "auto_renew": "yes"}, follow=True)

    assert "Rinnovo automatico attivato per 1 caselle." in response.content.decode()
    assert reload(boxes[1]).auto_renew is True
    assert list(Operation.objects.filter(holder=holder).values_list("mailbox_address", flat=True)) == [
        boxes[1].address]


def test_bulk_auto_renew_never_touches_another_holders_mailbox(holder_client, boxes):
    stranger = make_mailbox(make_holder())

    response = holder_client.post("/mailboxes/bulk/auto-renew/", {"mailbox": [stranger.pk], "auto_renew": "no"},
                                  follow=True)

    assert "Nessuna casella selezionata" in response.content.decode()
    assert reload(stranger).auto_renew is True
    assert not Operation.objects.exists()


def test_bulk_auto_renew_needs_yes_or_no(holder_client, boxes):
    response = holder_client.post("/mailboxes/bulk/auto-renew/", {"mailbox": [boxes[0].pk], "auto_renew": "1"},
                                  follow=True)

    assert "Scegli se attivare o disattivare il rinnovo automatico." in response.content.decode()
    assert reload(boxes[0]).auto_renew is True


def test_bulk_auto_renew_refuses_a_get(holder_client, boxes):
    assert holder_client.get("/mailboxes/bulk/auto-renew/").status_code == 405


def _auto_renew_queries(client, holder, count):
    mailboxes = make_mailboxes(holder, count)
    with CaptureQueriesContext(connection) as queries:
        client.post("/mailboxes/bulk/auto-renew/", {"mailbox": [m.pk for m in mailboxes], "auto_renew": "no"})
    assert not Mailbox.objects.filter(pk__in=[m.pk for m in mailboxes], auto_renew=True).exists()
    return len(queries)


def test_bulk_auto_renew_queries_do_not_grow_with_the_selection(holder_client, holder):
    assert _auto_renew_queries(holder_client, holder, 3) == _auto_renew_queries(holder_client, holder, 30)


def test_bulk_auto_renew_on_leaves_a_cancelled_mailbox_off(holder_client, holder, boxes):
    mailbox_cancel(holder=holder, mailbox_id=boxes[1].pk, today=timezone.localdate())

    holder_client.post("/mailboxes/bulk/auto-renew/", {"mailbox": [boxes[1].pk], "auto_renew": "yes"})

    assert reload(boxes[1]).auto_renew is False
