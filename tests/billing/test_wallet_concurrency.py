import threading

import pytest
from django.db import connection

from billing.models import LedgerEntry, Wallet
from billing.services import InsufficientCredit, wallet_post
from tests.factories import make_holder

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_concurrent_debits_spend_exactly_the_ten_the_wallet_holds():
    holder = make_holder(credit_cents=10 * 150)
    barrier = threading.Barrier(50)
    results = []

    def debit(n):
        try:
            barrier.wait()
            wallet_post(holder_id=holder.pk, amount_cents=-150, kind=LedgerEntry.Kind.ORDER,
                        reference=f"test:race:{n}", description="Addebito concorrente")
            results.append("ok")
        except InsufficientCredit:
            results.append("refused")
        except Exception as exc:  # anything else is a bug the assertion below must show
            results.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=debit, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["ok"] * 10 + ["refused"] * 40
    assert Wallet.objects.get(holder=holder).balance_cents == 0
    assert LedgerEntry.objects.filter(wallet__holder=holder, kind=LedgerEntry.Kind.ORDER).count() == 10


def test_a_reference_already_posted_moves_money_once():
    holder = make_holder()
    for _ in range(3):
        wallet_post(holder_id=holder.pk, amount_cents=500, kind=LedgerEntry.Kind.TOPUP,
                    reference="topup:pi_once", description="Ricarica")
    assert Wallet.objects.get(holder=holder).balance_cents == 500
