"""recount_holders rebuilds accounts.HolderCounts from the real rows after something (a restore, a
hand-made UPDATE, a trigger dropped for a while) made them drift; --dry-run only checks."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import HolderCounts, Operation
from mailboxes.models import Mailbox
from tests.accounts.counts import actual, counted
from tests.factories import make_holder, make_mailboxes, make_operations

pytestmark = pytest.mark.django_db


def _recount(*options):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("recount_holders", *options, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue() + err.getvalue() + str(error), False
    return out.getvalue() + err.getvalue(), True


@pytest.fixture
def drifted():
    """Three holders whose counts drifted three ways, and one whose counts are right."""
    wrong_mailboxes, wrong_operations, no_row, right = (make_holder() for _ in range(4))
    for holder in (wrong_mailboxes, wrong_operations, no_row, right):
        make_mailboxes(holder, 3)
        make_operations(holder, 2)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_holdercounts SET mailboxes = 40 WHERE holder_id = %s", [wrong_mailboxes.pk])
        cursor.execute("UPDATE accounts_holdercounts SET operations = -1 WHERE holder_id = %s", [wrong_operations.pk])
        cursor.execute("DELETE FROM accounts_holdercounts WHERE holder_id = %s", [no_row.pk])
    return wrong_mailboxes, wrong_operations, no_row, right


def test_it_rebuilds_the_counts_from_the_rows(drifted):
    wrong_mailboxes, wrong_operations, no_row, right = drifted
    output, succeeded = _recount()
    assert succeeded
    assert "Titolari con conteggi corretti: 3." in output
    assert f"titolare {wrong_mailboxes.pk}: caselle 40 -> 3, operazioni 2 -> 2" in output
    assert f"titolare {no_row.pk}: caselle 0 -> 3, operazioni 0 -> 2" in output
    assert [counted(holder) for holder in drifted] == [actual(holder) for holder in drifted] == [(3, 2)] * 4


def test_the_triggers_keep_counting_from_the_rebuilt_counts(drifted):
    _recount()
    wrong_mailboxes, _, no_row, _ = drifted
    make_mailboxes(wrong_mailboxes, 2)
    Operation.objects.filter(holder=no_row).delete()
    assert counted(wrong_mailboxes) == actual(wrong_mailboxes) == (5, 2)
    assert counted(no_row) == actual(no_row) == (3, 0)


def test_a_second_run_finds_nothing_to_fix(drifted):
    _recount()
    rows_before = list(HolderCounts.objects.order_by("holder_id").values_list())
    output, succeeded = _recount()
    assert succeeded and "Titolari con conteggi corretti: 0." in output
    assert list(HolderCounts.objects.order_by("holder_id").values_list()) == rows_before


def test_a_dry_run_reports_the_wrong_counts_fails_and_writes_nothing(drifted):
    wrong_mailboxes, wrong_operations, no_row, right = drifted
    output, succeeded = _recount("--dry-run")
    assert not succeeded
    assert "Titolari con conteggi sbagliati: 3." in output
    assert f"titolare {wrong_operations.pk}: caselle 3 -> 3, operazioni -1 -> 2" in output
    assert f"titolare {right.pk}:" not in output
    assert [counted(holder) for holder in drifted] == [(40, 2), (3, -1), (0, 0), (3, 2)]
    assert not HolderCounts.objects.filter(holder_id=no_row.pk).exists()


def test_a_dry_run_passes_when_every_count_is_right():
    make_mailboxes(make_holder(), 4)
    output, succeeded = _recount("--dry-run")
    assert succeeded and "Conteggi giusti per tutti i titolari." in output


def test_the_counts_left_by_a_deleted_holder_go_back_to_zero():
    holder = make_holder()
    holder_id = holder.pk
    make_mailboxes(holder, 2)
    Mailbox.objects.filter(holder=holder).delete()
    holder.user.delete()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_holdercounts SET mailboxes = 7 WHERE holder_id = %s", [holder_id])
    output, succeeded = _recount()
    assert succeeded and f"titolare {holder_id}: caselle 7 -> 0" in output
    assert HolderCounts.objects.get(holder_id=holder_id).mailboxes == 0
