from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mailboxes.models import Mailbox
from tests.factories import make_holder, make_mailbox, make_mailboxes


def rows(response):
    return [mailbox["address"] for mailbox in response.context["page"].object_list]


def test_it_lists_the_holders_mailboxes_with_plan_status_expiry_and_a_link(holder_client, mailbox):
    page = holder_client.get("/mailboxes/").content.decode()
    assert "Lista caselle PEC" in page
    assert mailbox.address in page
    assert "Standard" in page
    assert "Certificato" in page
    assert mailbox.expires_on.strftime("%d/%m/%Y") in page
    assert f'href="/mailboxes/{mailbox.pk}/"' in page


def test_it_never_lists_another_holders_mailboxes(holder_client, mailbox):
    stranger = make_mailbox(make_holder(), address="estraneo@pec.example.it")
    assert stranger.address not in holder_client.get("/mailboxes/").content.decode()


def test_it_sorts_by_expiry_then_id(holder_client, mailbox):
    today = timezone.localdate()
    late = make_mailbox(mailbox.holder, expires_on=today + timedelta(days=900))
    soon = make_mailbox(mailbox.holder, expires_on=today + timedelta(days=10))
    soon_twin = make_mailbox(mailbox.holder, expires_on=today + timedelta(days=10))
    assert rows(holder_client.get("/mailboxes/")) == [soon.address, soon_twin.address, mailbox.address, late.address]


def test_it_pages_by_25_and_keeps_the_filters_in_the_page_links(holder_client, mailbox):
    make_mailboxes(mailbox.holder, 60)
    first = holder_client.get("/mailboxes/?q=massiva")
    assert len(rows(first)) == 25
    assert "Pagina 1 di 3" in first.content.decode()
    assert 'href="?q=massiva&amp;page=2"' in first.content.decode()
    last = holder_client.get("/mailboxes/?q=massiva&page=3")
    assert len(rows(last)) == 10
    assert "60 caselle" in last.content.decode()


def test_a_page_number_out_of_range_shows_the_last_page_not_an_error(holder_client, mailbox):
    response = holder_client.get("/mailboxes/?page=999")
    assert response.status_code == 200
    assert rows(response) == [mailbox.address]
    assert holder_client.get("/mailboxes/?page=abc").status_code == 200


def test_it_searches_by_address_ignoring_case(holder_client, mailbox):
    make_mailbox(mailbox.holder, address="segreteria@pec.example.it")
    assert rows(holder_client.get("/mailboxes/?q=  MARIO.Rossi ")) == [mailbox.address]


def test_it_filters_by_status(holder_client, mailbox):
    expired = make_mailbox(mailbox.holder, status=Mailbox.Status.EXPIRED, expires_in_days=-5)
    assert rows(holder_client.get("/mailboxes/?status=scaduta")) == [expired.address]
    assert rows(holder_client.get("/mailboxes/?status=certificata")) == [mailbox.address]


def test_an_unknown_status_is_reported_and_the_list_is_unfiltered(holder_client, mailbox):
    response = holder_client.get("/mailboxes/?status=bogus")
    assert response.status_code == 200
    assert "Scegli un&#x27;opzione valida" in response.content.decode()
    assert rows(response) == [mailbox.address]


def test_no_match_says_so(holder_client, mailbox):
    assert "Non è stato trovato nessun elemento." in holder_client.get("/mailboxes/?q=zzz").content.decode()


def _queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_runs_the_same_number_of_queries_for_1_10_and_1000_mailboxes(holder_client, mailbox):
    # Filtered, the list counts its rows; unfiltered it reads the holder's count kept by triggers.
    urls = ("/mailboxes/", "/mailboxes/?page=30", "/mailboxes/?page=20&status=certificata&q=pec")

    def queries():
        return [_queries_for(holder_client, url) for url in urls]

    one = queries()
    make_mailboxes(mailbox.holder, 9)
    ten = queries()
    make_mailboxes(mailbox.holder, 990)
    assert holder_client.get("/mailboxes/").context["page"].paginator.count == 1000
    assert queries() == ten == one
    assert one[2] == one[0] + 1


@pytest.fixture(params=["ids subquery", "direct"])
def page_query(request, monkeypatch):
    """Each page read by either of core.paging's two query shapes, whatever its offset."""
    monkeypatch.setattr("core.paging.DIRECT_OFFSET_MAX", -1 if request.param == "ids subquery" else 10**9)


@pytest.mark.usefixtures("page_query")
def test_pages_past_the_middle_list_the_same_rows_as_reading_forwards(holder_client, mailbox):
    # Read from the far end (core.paging): the last pages must still follow expiry then id.
    make_mailboxes(mailbox.holder, 79)
    expected = list(Mailbox.objects.filter(holder=mailbox.holder).order_by("expires_on", "id")
                    .values_list("address", flat=True))
    listed = [address for page in range(1, 5) for address in rows(holder_client.get(f"/mailboxes/?page={page}"))]
    assert listed == expected
    assert len(rows(holder_client.get("/mailboxes/?page=4"))) == 5


@pytest.mark.usefixtures("page_query")
def test_filtered_pages_past_the_middle_list_the_same_rows_as_reading_forwards(holder_client, mailbox):
    make_mailboxes(mailbox.holder, 79)
    expected = list(Mailbox.objects.filter(holder=mailbox.holder, address__contains="massiva")
                    .order_by("expires_on", "id").values_list("address", flat=True))
    listed = [address for page in range(1, 5)
              for address in rows(holder_client.get(f"/mailboxes/?q=massiva&status=certificata&page={page}"))]
    assert listed == expected and len(expected) == 79
