"""Retries that arrive together: one order, and every one of them gets its answer."""

from functools import partial

import pytest

from accounts.models import ApiToken
from addons.models import Order
from billing.models import LedgerEntry
from tests.addons.conftest import give_credit
from tests.api.conftest import api_client
from tests.factories import make_holder, make_mailbox
from tests.races import run_together

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded")]


def test_simultaneous_requests_with_one_key_place_one_order():
    holder = make_holder()
    mailbox = make_mailbox(holder)
    give_credit(holder, 20_000)
    clients = [api_client(holder, ApiToken.Scope.ORDERS, name=f"sistema {n}") for n in range(4)]
    path, order = f"/api/v1/mailboxes/{mailbox.pk}/orders/", {"addon_type": "inbox_extra", "quantity": 1}

    responses = run_together(*(partial(client.post, path, order, idempotency_key="insieme") for client in clients))

    answers = [(response.status_code, response.json()) for response in responses]
    assert len(answers) == len(clients)
    assert {status for status, _ in answers} == {201}
    assert all(body == answers[0][1] for _, body in answers)
    assert Order.objects.count() == 1
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ORDER).count() == 1
