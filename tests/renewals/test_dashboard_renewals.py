"""The dashboard's renewal line: the next 30 days' total and the date the credit runs out."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import make_holder, make_mailbox

from .conftest import STANDARD_GROSS, give_credit, make_addon


def in_days(days):
    return timezone.localdate() + timedelta(days=days)


def test_it_shows_the_next_30_days_total_and_when_the_credit_runs_out(holder_client, holder, mailbox):
    mailbox.expires_on = in_days(30)
    mailbox.save()
    make_addon(mailbox, quantity=1)
    make_mailbox(holder, expires_on=in_days(31))
    give_credit(holder, 2 * STANDARD_GROSS)

    page = holder_client.get("/").content.decode()

    assert "Rinnovi dei prossimi 30 giorni: € 9,15." in page  # 6,10 + 3,05; day 31 is not in it
    assert f"Il credito non copre i rinnovi dal {in_days(31):%d/%m/%Y}." in page
    assert '<a href="/renewals/forecast/">Previsione rinnovi</a>' in page


def test_a_credit_that_covers_the_year_is_said_so(holder_client, holder, mailbox):
    give_credit(holder, STANDARD_GROSS)
    mailbox.expires_on = in_days(200)
    mailbox.save()

    page = holder_client.get("/").content.decode()

    assert "Rinnovi dei prossimi 30 giorni: € 0,00." in page
    assert "Il credito copre i rinnovi dei prossimi 12 mesi." in page


def test_another_holders_renewals_do_not_count(holder_client, mailbox):
    make_mailbox(make_holder(), expires_on=in_days(3))

    assert "Rinnovi dei prossimi 30 giorni: € 0,00." in holder_client.get("/").content.decode()


def test_the_dashboard_runs_as_many_queries_for_30_mailboxes_as_for_3(holder_client, holder, mailbox):
    def add(count):
        for n in range(count):
            make_addon(make_mailbox(holder, expires_on=in_days(3 + 12 * n)))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert holder_client.get("/").status_code == 200
        return len(captured)

    add(2)
    few = queries()
    add(27)
    assert queries() == few
