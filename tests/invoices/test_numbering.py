import threading
from datetime import date

import pytest
from django.db import connection, transaction

from invoices.models import Invoice, InvoiceCounter
from invoices.services import invoice_issue
from tests.factories import make_holder

from .conftest import addon_line, issue


@pytest.mark.django_db
def test_numbers_run_yyyy_slash_six_digits_and_restart_each_year(holder):
    numbers = [issue(holder, f"order:{n}", issued_on=date(2026, 12, 30 + n % 2)).number for n in range(3)]
    assert numbers == ["2026/000001", "2026/000002", "2026/000003"]
    assert issue(holder, "order:new-year", issued_on=date(2027, 1, 1)).number == "2027/000001"
    assert InvoiceCounter.objects.get(year=2026).last_sequence == 3


@pytest.mark.django_db
def test_an_invoice_is_never_dated_before_the_one_numbered_before_it(holder):
    issue(holder, "order:1", issued_on=date(2026, 11, 24))
    late = issue(holder, "order:2", issued_on=date(2026, 11, 20))
    assert (late.number, late.issued_on) == ("2026/000002", date(2026, 11, 24))


@pytest.mark.django_db
def test_a_rolled_back_payment_gives_its_number_back(holder):
    issue(holder, "order:1", issued_on=date(2026, 5, 1))
    with pytest.raises(RuntimeError), transaction.atomic():
        invoice_issue(holder=holder, reference="order:2", lines=[addon_line()], issued_on=date(2026, 5, 1))
        raise RuntimeError("the debit failed after the invoice was written")
    assert not Invoice.objects.filter(reference="order:2").exists()
    assert issue(holder, "order:3", issued_on=date(2026, 5, 1)).number == "2026/000002"


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_payments_get_twenty_consecutive_numbers():
    holders = [make_holder() for _ in range(4)]
    barrier = threading.Barrier(20)
    errors = []

    def pay(n):
        try:
            barrier.wait()
            with transaction.atomic():
                invoice_issue(holder=holders[n % 4], reference=f"order:race:{n}", lines=[addon_line()],
                              issued_on=date(2026, 11, 24))
                if n % 5 == 4:
                    raise RuntimeError("rolled back")  # four payments fail after taking a number
        except RuntimeError:
            pass
        except Exception as exc:  # anything else is a bug the assertion below must show
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    sequences = sorted(Invoice.objects.filter(year=2026).values_list("sequence", flat=True))
    assert sequences == list(range(1, 17))
    assert InvoiceCounter.objects.get(year=2026).last_sequence == 16
