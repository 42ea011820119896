from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.test.utils import CaptureQueriesContext

from accounts.models import Operation
from accounts.services import operation_log
from tests.factories import make_holder, make_operations
from tests.paging import column, page_link, walk_both_ways

pytestmark = pytest.mark.django_db


def test_operations_are_listed_newest_first_with_mailbox_amount_and_outcome(holder_client, holder):
    operation_log(holder_id=holder.pk, kind=Operation.Kind.TOPUP, description="Ricarica con carta",
                  amount_cents=1000, outcome=Operation.Outcome.PENDING)
    operation_log(holder_id=holder.pk, kind=Operation.Kind.PASSWORD, description="Cambio password",
                  mailbox_address="mario.rossi@pec.ording.roma.it")
    page = holder_client.get("/operations/").content.decode()
    assert page.index("Cambio password") < page.index("Ricarica con carta")
    assert "mario.rossi@pec.ording.roma.it" in page
    assert "€ 10,00" in page
    assert "In attesa di pagamento" in page and "Completato" in page


def test_date_and_time_are_shown_in_rome_time(holder_client, holder):
    operation = operation_log(holder_id=holder.pk, kind=Operation.Kind.TOPUP, description="Ricarica")
    Operation.objects.filter(pk=operation.pk).update(created_at=datetime(2026, 7, 1, 22, 30, tzinfo=ZoneInfo("UTC")))
    assert "02/07/2026 00:30" in holder_client.get("/operations/").content.decode()


def test_the_list_can_be_filtered_by_type(holder_client, holder):
    operation_log(holder_id=holder.pk, kind=Operation.Kind.TOPUP, description="Ricarica con carta")
    operation_log(holder_id=holder.pk, kind=Operation.Kind.RENEWAL, description="Rinnovo casella")
    page = holder_client.get("/operations/?type=renewal").content.decode()
    assert "Rinnovo casella" in page
    assert "Ricarica con carta" not in page


def test_an_unknown_type_shows_everything_instead_of_failing(holder_client, holder):
    operation_log(holder_id=holder.pk, kind=Operation.Kind.TOPUP, description="Ricarica con carta")
    response = holder_client.get("/operations/?type=nonsense")
    assert response.status_code == 200
    assert "Ricarica con carta" in response.content.decode()


def test_another_holders_operations_are_never_shown(holder_client):
    operation_log(holder_id=make_holder().pk, kind=Operation.Kind.TOPUP, description="Ricarica di un altro")
    page = holder_client.get("/operations/").content.decode()
    assert "Ricarica di un altro" not in page
    assert "Non è stato trovato nessun elemento." in page


def test_the_list_is_paginated_by_25_and_keeps_the_filter(holder_client, holder):
    make_operations(holder, 30, kind=Operation.Kind.ORDER)
    make_operations(holder, 3, kind=Operation.Kind.TOPUP)
    first = holder_client.get("/operations/?type=order").content.decode()
    assert len(column(first, 2)) == 25 and "30 operazioni" in first
    assert page_link(first, "next").startswith("?type=order&after=")
    second = holder_client.get("/operations/" + page_link(first, "next")).content.decode()
    assert len(column(second, 2)) == 5 and "30 operazioni" in second
    assert page_link(second, "next") is None and page_link(second, "prev").startswith("?type=order&before=")


def _ordered(holder, **filters):
    return list(Operation.objects.filter(holder=holder, **filters).order_by("-created_at", "-id")
                .values_list("description", flat=True))


@pytest.mark.parametrize("query", ["", "?type=order"], ids=["all", "filtered"])
def test_every_operation_is_listed_once_newest_first_forwards_and_back(holder_client, holder, query):
    orders = make_operations(holder, 40, kind=Operation.Kind.ORDER)
    make_operations(holder, 40, kind=Operation.Kind.TOPUP)
    # Operations logged in the same instant: only the id tells where a page ends among them.
    Operation.objects.filter(pk__in=[o.pk for o in orders[5:35]]).update(created_at=orders[5].created_at)
    Operation.objects.filter(holder=holder).update(description=Concat(Value("Operazione n. "), Cast("id", CharField())))
    expected = _ordered(holder, **({"kind": "order"} if query else {}))
    forwards, backwards = walk_both_ways(holder_client, f"/operations/{query}", cell=2)
    assert [description for page in forwards for description in page] == expected
    assert len(expected) == (40 if query else 80) and len(forwards[0]) == 25
    assert backwards == forwards


def test_a_bookmarked_page_number_leads_to_the_first_page_with_the_same_filter(holder_client, holder):
    make_operations(holder, 30, kind=Operation.Kind.ORDER)
    response = holder_client.get("/operations/?type=order&page=2")
    assert response.status_code == 302 and response["Location"] == "/operations/?type=order"
    response = holder_client.get("/operations/?type=nonsense&page=zzz", follow=True)
    assert response.status_code == 200 and len(column(response.content.decode(), 2)) == 25


def test_another_holders_operation_as_cursor_shows_nothing_of_theirs(holder_client, holder):
    make_operations(holder, 30)
    theirs = make_operations(make_holder(), 30, mailbox_address="altro@pec.example.it")
    for parameter in ("after", "before"):
        response = holder_client.get(f"/operations/?{parameter}={theirs[10].pk}", follow=True)
        assert response.redirect_chain == [("/operations/", 302)]
        page = response.content.decode()
        assert "altro@pec.example.it" not in page and column(page, 2) == _ordered(holder)[:25]


@pytest.mark.parametrize("cursor", ["after=abc", "before=-1", "after=99999999999999999999", "before=987654321"])
def test_a_cursor_that_is_not_an_operation_of_the_list_leads_to_the_first_page(holder_client, holder, cursor):
    response = holder_client.get(f"/operations/?type=order&{cursor}")
    assert response.status_code == 302 and response["Location"] == "/operations/?type=order"


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_page_runs_the_same_number_of_queries_for_1_10_and_1000_operations(holder_client, holder):
    make_operations(holder, 1)
    one = _queries(holder_client, "/operations/")
    make_operations(holder, 9)
    ten = _queries(holder_client, "/operations/")
    make_operations(holder, 990, outcome=Operation.Outcome.FAILED, mailbox_address="x@pec.example.it")
    deep = Operation.objects.filter(holder=holder).order_by("-created_at", "-id")[900]
    assert _queries(holder_client, "/operations/") == _queries(holder_client, f"/operations/?after={deep.pk}") == ten == one
    # Filtered, the page counts its rows; unfiltered it reads the holder's count kept by triggers.
    assert _queries(holder_client, f"/operations/?type=topup&before={deep.pk}") == one + 1


def test_without_kept_counts_the_page_counts_the_operations(holder_client, holder, monkeypatch):
    make_operations(holder, 30)
    monkeypatch.setattr("billing.selectors.holder_counts", lambda holder: None)
    assert "30 operazioni" in holder_client.get("/operations/").content.decode()
