"""/mailboxes/export.csv: Lista caselle PEC as a streamed CSV, with the list's filters."""

import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from addons.models import Addon, AddonType, Order
from addons.selectors import MAILBOX_EXPORT_COLUMNS, mailbox_export_rows
from core.csv_download import ROWS_PER_CHUNK
from mailboxes.models import Mailbox, Plan
from tests.factories import make_holder, make_mailbox, make_mailboxes

HEADER = ("address,plan,status,expires_on,auto_renew,inbox_gb,archive_gb,addons,"
          "conservation_gb,requested_on,certified_on,end_client,id,cancelled_on")


def add_addon(mailbox, *, code="inbox_extra", quantity=1, status=Addon.Status.ACTIVE, activated_on=date(2026, 1, 10)):
    addon_type = AddonType.objects.get(code=code)
    order = Order.objects.create(
        holder_id=mailbox.holder_id, mailbox=mailbox, addon_type=addon_type, quantity=quantity, unit_price_cents=250,
        years=1, net_cents=250, vat_cents=55, gross_cents=305, ends_on=mailbox.expires_on,
        status=Order.Status.COMPLETED, completed_at=timezone.now(),
    )
    return Addon.objects.create(mailbox=mailbox, addon_type=addon_type, order=order, quantity=quantity,
                                activated_on=activated_on, expires_on=mailbox.expires_on, status=status)


def download(client, query=""):
    response = client.get(f"/mailboxes/export.csv{query}")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8")


def records(text):
    return list(csv.DictReader(io.StringIO(text)))


def addresses(client, query=""):
    return [row["address"] for row in records(download(client, query))]


def test_it_exports_every_column_of_a_mailbox_with_its_active_addons(holder_client, holder):
    mailbox = make_mailbox(holder, address="studio@pec.example.it", plan="pro", auto_renew=False, end_client=True,
                           requested_on=date(2025, 2, 1), certified_on=date(2025, 2, 3), expires_on=date(2027, 2, 3),
                           inbox_extra_gb=2, archive_extra_gb=5, conservation_gb=1)
    add_addon(mailbox, code="inbox_extra", quantity=2, activated_on=date(2026, 1, 10))
    add_addon(mailbox, code="conservazione", quantity=1, activated_on=date(2026, 2, 1))
    add_addon(mailbox, code="archive_extra", quantity=5, activated_on=date(2026, 3, 1))
    add_addon(mailbox, code="archive_extra", quantity=9, status=Addon.Status.DEACTIVATED)
    text = download(holder_client)
    assert text.startswith(HEADER + "\r\n")
    assert records(text)[0] == {  # expiring before the login mailbox, so listed first
        "address": "studio@pec.example.it", "plan": "pro", "status": "certificata", "expires_on": "2027-02-03",
        "auto_renew": "no", "inbox_gb": "4", "archive_gb": "8",
        "addons": "Spazio extra inbox 2 GB; Conservazione sostitutiva 1 GB; Spazio archivio 5 GB",
        "conservation_gb": "1", "requested_on": "2025-02-01", "certified_on": "2025-02-03", "end_client": "yes",
        "id": str(mailbox.pk), "cancelled_on": "",
    }


def test_a_mailbox_without_addons_has_an_empty_addons_cell_and_a_requested_one_no_certification_date(
        holder_client, mailbox):
    requested = make_mailbox(mailbox.holder, address="nuova@pec.example.it", status=Mailbox.Status.REQUESTED,
                             certified_on=None, expires_in_days=800)
    rows = records(download(holder_client))
    assert [row["address"] for row in rows] == [mailbox.address, requested.address]
    assert rows[0]["addons"] == "" and rows[0]["auto_renew"] == "yes" and rows[0]["end_client"] == "no"
    assert rows[0]["inbox_gb"] == "1" and rows[0]["archive_gb"] == "0"  # the Standard plan's own sizes
    assert rows[1]["status"] == "richiesta" and rows[1]["certified_on"] == ""


def test_the_file_is_utf8_without_a_byte_order_mark_and_says_what_it_is(holder_client, mailbox):
    AddonType.objects.filter(code="inbox_extra").update(name="Capacità inbox")
    add_addon(mailbox, quantity=3)
    response = holder_client.get("/mailboxes/export.csv")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"address,plan,")
    assert "Capacità inbox 3 GB".encode() in body
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="caselle-pec-{timezone.localdate()}.csv"'
    assert response["Cache-Control"] == "private, no-store"


def test_it_honours_the_lists_search_and_status_filter(holder_client, mailbox):
    make_mailbox(mailbox.holder, address="segreteria@pec.example.it")
    expired = make_mailbox(mailbox.holder, address="rossi.vecchia@pec.example.it", status=Mailbox.Status.EXPIRED,
                           expires_in_days=-5)
    assert addresses(holder_client, "?q=  ROSSI ") == [expired.address, mailbox.address]
    assert addresses(holder_client, "?q=rossi&status=certificata") == [mailbox.address]
    assert addresses(holder_client, "?status=scaduta") == [expired.address]
    assert addresses(holder_client, "?q=zzz") == []


def test_the_page_position_of_the_list_is_ignored_the_whole_list_is_exported(holder_client, mailbox):
    others = make_mailboxes(mailbox.holder, 30)
    assert len(addresses(holder_client, f"?after={others[20].pk}")) == 31


def test_another_holders_mailboxes_are_never_exported(holder_client, mailbox):
    stranger = make_holder()
    make_mailbox(stranger, address="rossi.estraneo@pec.example.it")
    add_addon(make_mailbox(stranger, address="altro@pec.example.it"))
    for query in ("", "?q=rossi", "?q=estraneo", "?status=certificata"):
        assert "estraneo" not in download(holder_client, query)
        assert "altro@" not in download(holder_client, query)


def test_an_unknown_status_goes_back_to_the_list_which_says_what_is_wrong(holder_client, mailbox):
    response = holder_client.get("/mailboxes/export.csv?q=rossi&status=bogus", follow=True)
    assert response.redirect_chain == [("/mailboxes/?q=rossi&status=bogus", 302)]
    assert "Scegli un&#x27;opzione valida" in response.content.decode()


def test_a_visitor_who_is_not_signed_in_is_sent_to_the_login(client, mailbox):
    response = client.get("/mailboxes/export.csv?status=certificata")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/mailboxes/export.csv%3Fstatus%3Dcertificata"


@pytest.mark.parametrize("address", ["=cmd@pec.example.it", "+39tel@pec.example.it", "-meno@pec.example.it",
                                     "@chiocciola@pec.example.it"])
def test_an_address_a_spreadsheet_would_execute_is_neutralised(holder_client, holder, address):
    make_mailbox(holder, address=address)
    assert addresses(holder_client, "?q=pec.example") == [f"'{address}"]


def test_plan_codes_and_addon_names_a_spreadsheet_would_execute_are_neutralised(holder_client, holder):
    Plan.objects.create(code="=1+1", name="Formula", inbox_gb=1, yearly_price_cents=100)
    mailbox = make_mailbox(holder, plan="=1+1")
    AddonType.objects.filter(code="inbox_extra").update(name='\tHYPERLINK("http://x.example")')
    add_addon(mailbox)
    other = make_mailbox(holder, plan="=1+1", expires_in_days=900)
    AddonType.objects.filter(code="conservazione").update(name="\rcmd")
    add_addon(other, code="conservazione")
    rows = records(download(holder_client, "?q=pec.example"))
    assert [row["plan"] for row in rows] == ["'=1+1", "'=1+1"]
    assert [row["addons"] for row in rows] == ["'\tHYPERLINK(\"http://x.example\") 1 GB", "'\rcmd 1 GB"]


def test_rows_come_in_the_lists_order_whole_across_batches(mailbox):
    holder = mailbox.holder
    many = make_mailboxes(holder, 11)
    # Ties on the expiry date, and add-ons whose rows straddle the batch boundaries.
    Mailbox.objects.filter(pk__in=[m.pk for m in many[:6]]).update(expires_on=many[0].expires_on)
    for extra in many[:6]:
        add_addon(extra, quantity=1)
        add_addon(extra, code="conservazione", quantity=2)
    expected = list(Mailbox.objects.filter(holder=holder).order_by("expires_on", "id").values_list("address", flat=True))
    rows = list(mailbox_export_rows(holder=holder, batch_size=4))
    assert [row[0] for row in rows] == expected
    by_address = {row[0]: row[MAILBOX_EXPORT_COLUMNS.index("addons")] for row in rows}
    assert {by_address[m.address] for m in many[:6]} == {"Spazio extra inbox 1 GB; Conservazione sostitutiva 2 GB"}


def test_the_response_is_streamed_in_chunks_of_rows(holder_client, mailbox):
    make_mailboxes(mailbox.holder, 2 * ROWS_PER_CHUNK + 10)
    response = holder_client.get("/mailboxes/export.csv")
    assert isinstance(response, StreamingHttpResponse)
    chunks = list(response.streaming_content)
    assert len(chunks) == 3
    assert sum(chunk.count(b"\r\n") for chunk in chunks) == 1 + 2 * ROWS_PER_CHUNK + 11


def _queries_for_export(client):
    with CaptureQueriesContext(connection) as captured:
        download(client)  # the rows are read while the response streams
    return len(captured)


def _with_addons_on_half(mailboxes):
    for extra in mailboxes[::2]:
        add_addon(extra)


def test_the_export_runs_the_same_number_of_queries_for_10_and_100_mailboxes(holder_client, mailbox):
    _with_addons_on_half([mailbox, *make_mailboxes(mailbox.holder, 9)])
    ten = _queries_for_export(holder_client)
    _with_addons_on_half(make_mailboxes(mailbox.holder, 90))
    assert len(records(download(holder_client))) == 100
    assert _queries_for_export(holder_client) == ten


def test_the_list_links_to_the_export_with_its_current_filters(holder_client, mailbox):
    others = make_mailboxes(mailbox.holder, 30)
    page = holder_client.get(f"/mailboxes/?q=pec&status=certificata&after={others[3].pk}").content.decode()
    assert 'href="/mailboxes/export.csv?q=pec&amp;status=certificata"' in page
    assert "Esporta CSV" in page
    assert 'href="/mailboxes/export.csv"' in holder_client.get("/mailboxes/").content.decode()
