import pytest
from django.core.management import CommandError, call_command

from accounts.models import Operation
from billing.models import LedgerEntry, Wallet
from billing.selectors import wallet_balance_cents
from tests.factories import make_holder, make_mailbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def address():
    holder = make_holder(credit_cents=848)
    return make_mailbox(holder, address="studio.bianchi@pec.example.it").address


def test_adjust_credit_adds_an_entry_with_the_reason_and_no_staff_user(address, capsys):
    call_command("adjust_credit", "Studio.Bianchi@pec.example.it", "10,00", "--reason", "Rimborso disservizio")
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.ADJUSTMENT, reason="Rimborso disservizio")
    assert (entry.amount_cents, entry.balance_after_cents, entry.created_by) == (1000, 1848, None)
    assert "credito residuo € 18,48" in capsys.readouterr().out
    operation = Operation.objects.get(kind=Operation.Kind.ADJUSTMENT)
    assert operation.amount_cents == 1000 and "Rimborso disservizio" in operation.description


@pytest.mark.parametrize("amount", ["-3,48", "-3.48"])
def test_adjust_credit_debits_with_a_negative_amount_with_comma_or_dot(address, amount):
    call_command("adjust_credit", address, amount, "--reason", "Correzione")
    assert Wallet.objects.get(holder__mailboxes__address=address).balance_cents == 500


@pytest.mark.parametrize("args, message", [
    (["nessuno@pec.example.it", "10"], "Nessuna casella"),
    (["studio.bianchi@pec.example.it", "dieci"], "Importo non valido"),
    (["studio.bianchi@pec.example.it", "0"], "non può essere zero"),
    (["studio.bianchi@pec.example.it", "-8,49"], "Credito insufficiente: il saldo è € 8,48, mancano € 0,01."),
])
def test_adjust_credit_refuses_bad_input_and_changes_nothing(address, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("adjust_credit", *args, "--reason", "Prova")
    assert Wallet.objects.get(holder__mailboxes__address=address).balance_cents == 848
    assert not Operation.objects.filter(kind=Operation.Kind.ADJUSTMENT).exists()
    assert LedgerEntry.objects.count() == 1


def test_adjust_credit_requires_a_reason(address):
    with pytest.raises(CommandError):
        call_command("adjust_credit", address, "10", "--reason", "   ")
    assert wallet_balance_cents(holder_id=Wallet.objects.get().holder_id) == 848


def test_check_ledger_passes_when_every_balance_is_the_sum_of_its_entries(address, capsys):
    call_command("adjust_credit", address, "1,52", "--reason", "Arrotondamento")
    call_command("check_ledger")
    assert "Ledger OK" in capsys.readouterr().out


def test_check_ledger_fails_on_a_balance_edited_behind_the_ledgers_back(address, capsys):
    wallet = Wallet.objects.get()
    Wallet.objects.filter(pk=wallet.pk).update(balance_cents=9999)
    with pytest.raises(CommandError, match="1 discrepanze"):
        call_command("check_ledger")
    assert "saldo 9999 c, somma dei movimenti 848 c" in capsys.readouterr().err
    Wallet.objects.filter(pk=wallet.pk).update(balance_cents=848)


def test_check_ledger_fails_on_a_broken_balance_after_chain(address, capsys):
    call_command("adjust_credit", address, "1,00", "--reason", "Prova")
    entry = LedgerEntry.objects.get(reason="Prova")
    LedgerEntry.objects.filter(pk=entry.pk).update(balance_after_cents=1)
    with pytest.raises(CommandError):
        call_command("check_ledger")
    assert f"movimento {entry.reference}: saldo dopo 1 c, atteso 948 c" in capsys.readouterr().err
    LedgerEntry.objects.filter(pk=entry.pk).update(balance_after_cents=948)
