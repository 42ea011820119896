from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mailboxes.models import Mailbox
from tests.factories import make_holder, make_mailbox, make_mailboxes
from tests.paging import column, page_link, walk_both_ways


def rows(response):
    return column(response.content.decode(), 0)


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


def _ordered(holder, **filters):
    return list(Mailbox.objects.filter(holder=holder, **filters).order_by("expires_on", "id")
                .values_list("address", flat=True))


def _with_many_sharing_an_expiry(holder, count):
    # Rows that tie on the expiry date: only the id tells where a page ends among them.
    mailboxes = make_mailboxes(holder, count)
    Mailbox.objects.filter(pk__in=[m.pk for m in mailboxes[10:50]]).update(expires_on=mailboxes[10].expires_on)


@pytest.mark.parametrize("query", ["", "?q=MASSIVA&status=certificata"], ids=["all", "filtered"])
def test_every_row_is_listed_once_in_order_forwards_and_back(holder_client, mailbox, query):
    _with_many_sharing_an_expiry(mailbox.holder, 78)
    make_mailbox(mailbox.holder, address="scaduta-massiva@pec.example.it", status=Mailbox.Status.EXPIRED)
    expected = _ordered(mailbox.holder, **({"address__contains": "massiva", "status": "certificata"} if query else {}))
    assert len(expected) == (78 if query else 80)
    forwards, backwards = walk_both_ways(holder_client, f"/mailboxes/{query}", cell=0)
    assert [len(page) for page in forwards] == [25, 25, 25, len(expected) - 75]
    assert [address for page in forwards for address in page] == expected
    assert backwards == forwards


def test_the_page_links_keep_the_filters_and_the_count_covers_the_whole_list(holder_client, mailbox):
    make_mailboxes(mailbox.holder, 60)
    first = holder_client.get("/mailboxes/?q=massiva").content.decode()
    assert "60 caselle" in first
    assert 'rel="prev"' not in first and "« Precedente" in first
    second = holder_client.get("/mailboxes/" + page_link(first, "next")).content.decode()
    assert page_link(first, "next").startswith("?q=massiva&after=")
    assert page_link(second, "prev").startswith("?q=massiva&before=")
    assert "60 caselle" in second and len(column(second, 0)) == 25


def test_a_short_list_has_no_page_links(holder_client, mailbox):
    page = holder_client.get("/mailboxes/").content.decode()
    assert "1 casella" in page and "Successiva" not in page and "Precedente" not in page


def test_a_bookmarked_page_number_leads_to_the_first_page_with_the_same_filters(holder_client, mailbox):
    make_mailboxes(mailbox.holder, 60)
    response = holder_client.get("/mailboxes/?q=massiva&page=3")
    assert response.status_code == 302 and response["Location"] == "/mailboxes/?q=massiva"
    assert holder_client.get("/mailboxes/?page=abc")["Location"] == "/mailboxes/"
    assert column(holder_client.get("/mailboxes/?q=massiva").content.decode(), 0) == _ordered(
        mailbox.holder, address__contains="massiva")[:25]


def test_another_holders_mailbox_as_cursor_shows_nothing_of_theirs(holder_client, mailbox):
    make_mailboxes(mailbox.holder, 30)
    stranger = make_holder()
    make_mailboxes(stranger, 30)
    theirs = list(Mailbox.objects.filter(holder=stranger).order_by("expires_on", "id"))
    for parameter in ("after", "before"):
        response = holder_client.get(f"/mailboxes/?status=certificata&{parameter}={theirs[10].pk}", follow=True)
        assert response.redirect_chain == [("/mailboxes/?status=certificata", 302)]
        page = response.content.decode()
        assert column(page, 0) == _ordered(mailbox.holder)[:25]
        assert not {m.address for m in theirs} & set(column(page, 0))


@pytest.mark.parametrize("cursor", ["after=abc", "before=-3", "after=", "after=1e3", "after=99999999999999999999",
                                    "before=123456789", "after=12&after=x"])
def test_a_cursor_that_is_not_a_row_of_the_list_leads_to_the_first_page(holder_client, mailbox, cursor):
    response = holder_client.get(f"/mailboxes/?q=rossi&{cursor}")
    assert response.status_code == 302 and response["Location"] == "/mailboxes/?q=rossi"


def test_the_list_runs_the_same_number_of_queries_for_1_10_and_1000_mailboxes(holder_client, mailbox):
    # Filtered, the list counts its rows; unfiltered it reads the holder's count kept by triggers.
    urls = ("/mailboxes/", "/mailboxes/?status=certificata&q=pec")

    def queries():
        return [_queries_for(holder_client, url) for url in urls]

    one = queries()
    make_mailboxes(mailbox.holder, 9)
    ten = queries()
    make_mailboxes(mailbox.holder, 990)
    assert "1000 caselle" in holder_client.get("/mailboxes/").content.decode()
    assert queries() == ten == one
    assert one[1] == one[0] + 1
    middle = Mailbox.objects.filter(holder=mailbox.holder).order_by("expires_on", "id")[500]
    assert _queries_for(holder_client, f"/mailboxes/?after={middle.pk}") == one[0]
    assert _queries_for(holder_client, f"/mailboxes/?before={middle.pk}&q=pec") == one[1]


def test_without_kept_counts_the_list_counts_its_rows(holder_client, mailbox, monkeypatch):
    make_mailboxes(mailbox.holder, 30)
    monkeypatch.setattr("mailboxes.selectors.holder_counts", lambda holder: None)
    assert "31 caselle" in holder_client.get("/mailboxes/").content.decode()
