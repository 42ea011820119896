"""The queries of each read do not grow with the rows: 1 mailbox or 60, the first page or the last."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiToken
from addons.services import order_place, order_quote
from tests.addons.conftest import give_credit
from tests.factories import make_mailboxes, make_operations
from tests.invoices.conftest import issue

ENDPOINTS = ["/api/v1/mailboxes/", "/api/v1/mailboxes/?status=certificata&q=pec&expires_after=2000-01-01",
             "/api/v1/mailboxes/{mailbox}/", "/api/v1/credit/", "/api/v1/credit/ledger/", "/api/v1/operations/",
             "/api/v1/operations/?kind=topup", "/api/v1/invoices/", "/api/v1/renewals/forecast/"]


def queries(client, path):
    # Within the minute of the last use, so no request records it.
    ApiToken.objects.update(last_used_at=timezone.now())
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.content[:300])
    return len(captured), response


def grow(holder, mailbox, n):
    make_mailboxes(holder, n)
    make_operations(holder, n)
    for i in range(n):
        give_credit(holder, 2_000, reference=f"test:grow:{n}:{i}")
    for i in range(n):
        issue(holder, f"test:grow:{n}:{i}")
    for i in range(min(n, 3)):
        quote = order_quote(mailbox=mailbox, addon_type_code="inbox_extra", quantity=1 + i)
        order_place(holder=holder, mailbox_id=mailbox.pk, addon_type_code="inbox_extra", quantity=1 + i,
                    expected_gross_cents=quote.price.gross_cents, order_key=f"00000000-0000-0000-0000-{n:06d}{i:06d}")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_queries_are_the_same_for_one_row_and_many(holder, mailbox, reader, endpoint):
    path = endpoint.format(mailbox=mailbox.pk)
    few, _ = queries(reader, path)
    grow(holder, mailbox, 60)
    many, response = queries(reader, path)
    assert many == few, path
    if "results" in response.json():
        assert response.json()["next"], path
        last = response.json()
        while last["next"]:
            count, page = queries(reader, last["next"])
            assert count == few, last["next"]
            last = page.json()
