import threading
import uuid

import pytest
from django.db import connection

from addons.models import Addon, Order
from addons.services import order_fulfil, order_place
from billing.models import LedgerEntry, Wallet
from invoices.models import Invoice
from tests.factories import make_holder, make_mailbox

from .conftest import give_credit

# Transactional: each thread has its own connection and sees only committed rows.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded")]


def run_together(target, count):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(target())
        except Exception as exc:  # noqa: BLE001 - collected, then asserted empty by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_concurrent_completions_of_one_pending_order_charge_it_once():
    holder = make_holder()
    mailbox = make_mailbox(holder)
    placement = order_place(holder=holder, mailbox_id=mailbox.pk, addon_type_code="inbox_extra", quantity=3,
                            expected_gross_cents=1830, order_key=uuid.uuid4())
    assert placement.order.status == "pending"
    give_credit(holder, 5000)

    results, errors = run_together(lambda: order_fulfil(order_id=placement.order.pk).status, 6)

    assert errors == []
    assert results == ["completed"] * 6
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ORDER).count() == 1
    assert Wallet.objects.get(holder=holder).balance_cents == 5000 - 1830
    assert Addon.objects.count() == 1
    assert Invoice.objects.filter(reference=f"order:{placement.order.pk}").count() == 1
    mailbox.refresh_from_db()
    assert mailbox.inbox_extra_gb == 3


def test_concurrent_orders_never_spend_the_same_euro():
    holder = make_holder()
    mailbox = make_mailbox(holder)
    give_credit(holder, 2000)  # enough for one order of 18,30, not two
    def place():
        return order_place(holder=holder, mailbox_id=mailbox.pk, addon_type_code="inbox_extra", quantity=3,
                           expected_gross_cents=1830, order_key=uuid.uuid4()).order.status

    results, errors = run_together(place, 4)

    assert errors == []
    assert sorted(results) == ["completed", "pending", "pending", "pending"]
    assert Wallet.objects.get(holder=holder).balance_cents == 170
    assert Order.objects.filter(status="completed").count() == 1
