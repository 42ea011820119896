from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Operation
from accounts.services import operation_log
from tests.factories import make_holder, make_operations

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
    response = holder_client.get("/operations/?type=nonsense&page=zzz")
    assert response.status_code == 200
    assert "Ricarica con carta" in response.content.decode()


def test_another_holders_operations_are_never_shown(holder_client):
    operation_log(holder_id=make_holder().pk, kind=Operation.Kind.TOPUP, description="Ricarica di un altro")
    page = holder_client.get("/operations/").content.decode()
    assert "Ricarica di un altro" not in page
    assert "Non è stato trovato nessun elemento." in page


def test_the_list_is_paginated_by_25_and_keeps_the_filter(holder_client, holder):
    make_operations(holder, 30, kind=Operation.Kind.ORDER)
    first = holder_client.get("/operations/?type=order").content.decode()
    assert first.count("<tr>") == 26  # header + 25
    assert "Pagina 1 di 2" in first
    assert "?type=order&amp;page=2" in first
    second = holder_client.get("/operations/?type=order&page=2").content.decode()
    assert second.count("<tr>") == 6


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
    assert _queries(holder_client, "/operations/") == _queries(holder_client, "/operations/?page=40") == ten == one
    # Filtered, the page counts its rows; unfiltered it reads the holder's count kept by triggers.
    assert _queries(holder_client, "/operations/?type=topup&page=2") == one + 1


@pytest.mark.parametrize("direct_offset_max", [-1, 10**9], ids=["ids subquery", "direct"])
@pytest.mark.parametrize("query", ["", "type=order&"])
def test_every_page_lists_the_operations_in_order_whichever_the_query_shape(
        holder_client, holder, monkeypatch, direct_offset_max, query):
    # core.paging reads a page with either of two queries, and past the middle from the far end.
    monkeypatch.setattr("core.paging.DIRECT_OFFSET_MAX", direct_offset_max)
    make_operations(holder, 40, kind=Operation.Kind.ORDER, mailbox_address="ordini@pec.example.it")
    make_operations(holder, 40, kind=Operation.Kind.TOPUP, mailbox_address="ricariche@pec.example.it")
    expected = list(Operation.objects.filter(holder=holder, **({"kind": "order"} if query else {}))
                    .order_by("-created_at", "-id").values_list("mailbox_address", "description"))
    pages = -(-len(expected) // 25)
    listed = [(row["mailbox_address"], row["description"]) for page in range(1, pages + 1)
              for row in holder_client.get(f"/operations/?{query}page={page}").context["page"].object_list]
    assert listed == expected and len(expected) == (40 if query else 80)
