"""Every signed-in request loads its user with the holder, wallet and counts in one statement
written out (accounts.selectors.active_user_with_holder): it must give what the ORM's
select_related gives, field for field, on PostgreSQL and on the demo's SQLite."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Delegate, Holder, HolderCounts, User
from accounts.selectors import active_user_with_holder, delegate_user_get, holder_counts
from accounts.services import delegate_revoke
from tests.factories import make_delegate, make_holder, make_mailbox

# Left out of the statement on purpose: no request reads them (the module says why).
DEFERRED = {User: {"last_login", "date_joined"}, Holder: {"created_at"},
            Delegate: {"invited_at", "token_expires_at", "accepted_at"}}


def orm_user(user_id):
    return User.objects.select_related("holder__wallet", "holder__counts").get(pk=user_id)


def loaded_fields(instance):
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields
            if field.attname not in DEFERRED.get(type(instance), set())}


@pytest.fixture
def busy_holder(db):
    holder = make_holder(credit_cents=1234, company_name="Studio Rossi", alert_emails=["a@example.it", "b@example.it"])
    make_mailbox(holder)
    return holder


def test_every_column_is_the_orms_and_the_relations_need_no_query(busy_holder):
    expected = orm_user(busy_holder.user_id)

    with CaptureQueriesContext(connection) as queries:
        user = active_user_with_holder(busy_holder.user_id)
        holder = user.holder
        seen = (holder.wallet.balance_cents, holder.counts.mailboxes, holder.wallet.holder is holder,
                holder.user is user, holder_counts(holder))

    assert len(queries) == 1
    assert seen[:4] == (1234, 1, True, True) and seen[4].mailboxes == 1
    for loaded, orm in [(user, expected), (holder, expected.holder), (holder.wallet, expected.holder.wallet),
                        (holder.counts, expected.holder.counts)]:
        assert loaded_fields(loaded) == loaded_fields(orm)
        assert loaded.get_deferred_fields() == DEFERRED.get(type(loaded), set())
        assert loaded._state.adding is False and loaded._state.db == connection.alias
    assert holder.alert_emails == ["a@example.it", "b@example.it"]


def test_a_date_left_out_is_loaded_when_asked_and_a_save_keeps_it(busy_holder):
    holder = active_user_with_holder(busy_holder.user_id).holder
    assert holder.created_at == Holder.objects.get(pk=holder.pk).created_at

    holder = active_user_with_holder(busy_holder.user_id).holder
    holder.city = "Torino"
    holder.save()
    stored = Holder.objects.get(pk=holder.pk)
    assert (stored.city, stored.created_at) == ("Torino", busy_holder.created_at)


def test_a_holder_without_counts_reads_zeros_without_a_query(db):
    holder = make_holder()  # no mailbox, no operation: no counts row yet
    assert not HolderCounts.objects.filter(holder=holder).exists()
    user = active_user_with_holder(holder.user_id)
    with CaptureQueriesContext(connection) as queries:
        counts = holder_counts(user.holder)
    assert (counts.mailboxes, counts.operations, len(queries)) == (0, 0, 0)


def test_staff_have_no_holder_and_asking_costs_no_query(db):
    staff = User.objects.create_user("operatore", password="x", is_staff=True)
    user = active_user_with_holder(staff.pk)
    with CaptureQueriesContext(connection) as queries:
        assert not hasattr(user, "holder")
    assert len(queries) == 0 and user.is_staff is True and user.username == "operatore"


def test_inactive_or_unknown_users_are_none(busy_holder):
    User.objects.filter(pk=busy_holder.user_id).update(is_active=False)
    assert active_user_with_holder(busy_holder.user_id) is None
    assert active_user_with_holder(10**9) is None


def test_a_delegated_users_read_is_the_orms_too_and_ends_with_the_revocation(busy_holder):
    delegate = make_delegate(busy_holder, "tecnico")
    expected = User.objects.select_related("delegate__holder__wallet", "delegate__holder__counts").get(
        pk=delegate.user_id)

    with CaptureQueriesContext(connection) as queries:
        user = delegate_user_get(delegate.user_id)
        loaded = user.delegate
        seen = (loaded.user is user, loaded.holder.wallet.balance_cents, loaded.holder.counts.mailboxes)

    assert len(queries) == 1 and seen == (True, 1234, 1)
    for mine, orm in [(user, expected), (loaded, expected.delegate), (loaded.holder, expected.delegate.holder),
                      (loaded.holder.wallet, expected.delegate.holder.wallet)]:
        assert loaded_fields(mine) == loaded_fields(orm)
        assert mine.get_deferred_fields() == DEFERRED.get(type(mine), set())
    assert loaded.accepted_at == expected.delegate.accepted_at  # a deferred date, loaded when asked

    delegate_revoke(delegate_id=delegate.pk, holder_id=busy_holder.pk)
    assert delegate_user_get(delegate.user_id) is None
    assert delegate_user_get(busy_holder.user_id) is None  # a holder's user is no delegated user


SQLITE_CHECK = """
from accounts.models import User
from accounts.selectors import active_user_with_holder
from tests.factories import make_holder, make_mailbox
holder = make_holder(credit_cents=50, alert_emails=["a@example.it"])
make_mailbox(holder)
user = active_user_with_holder(holder.user_id)
orm = User.objects.select_related("holder__wallet").get(pk=holder.user_id)
same = all(getattr(a, f.attname) == getattr(b, f.attname)
           for a, b in [(user, orm), (user.holder, orm.holder), (user.holder.wallet, orm.holder.wallet)]
           for f in type(a)._meta.concrete_fields)
print(same, user.is_active is True, user.holder.wallet.spending_frozen is False, user.holder.alert_emails)
"""


def test_on_the_demos_sqlite_too(tmp_path):
    env = {"DEBUG": "1", "PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}"}
    for command in (["migrate", "-v", "0"], ["shell", "-c", SQLITE_CHECK]):
        finished = subprocess.run([sys.executable, "manage.py", *command], env=env, cwd=settings.BASE_DIR,
                                  capture_output=True, text=True, timeout=120)
        assert finished.returncode == 0, finished.stderr
    assert finished.stdout.split("\n")[-2] == "True True True ['a@example.it']"
