"""/renewals/forecast/ and /renewals/forecast.csv as a holder's browser gets them."""

import csv
import io
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from addons.models import AddonType
from renewals.forecast import FORECAST_PAGE_ROWS
from tests.factories import make_holder, make_mailbox, make_mailboxes

from .conftest import INBOX_GB_GROSS, STANDARD_GROSS, give_credit, make_addon

PAGE, CSV = "/renewals/forecast/", "/renewals/forecast.csv"


def in_days(days):
    return timezone.localdate() + timedelta(days=days)


def csv_rows(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"), newline="")))


def test_the_page_shows_the_rows_months_and_where_the_credit_runs_out(holder_client, holder, mailbox):
    mailbox.expires_on = in_days(10)
    mailbox.save()
    make_addon(mailbox, quantity=1)
    later = make_mailbox(holder, address="later@pec.example.it", expires_on=in_days(60))
    give_credit(holder, STANDARD_GROSS + INBOX_GB_GROSS)

    page = holder_client.get(PAGE).content.decode()

    assert page.count('data-testid="forecast-row"') == 3
    assert mailbox.address in page and later.address in page
    assert "Spazio extra inbox 1 GB" in page
    assert page.count(">Coperto<") == 2 and page.count(">Non coperto<") == 1
    assert f"Il credito si esaurisce il {in_days(60):%d/%m/%Y}" in page
    # 50 days apart: two months, each with its total and the running total
    assert "totale € 9,15 · progressivo € 9,15" in page
    assert "totale € 6,10 · progressivo € 15,25" in page
    assert "Previsione rinnovi" in page


def test_each_need_has_a_one_click_topup_and_a_covered_need_has_none(holder_client, holder, mailbox):
    mailbox.expires_on = in_days(10)
    mailbox.save()
    make_mailbox(holder, plan="pro", expires_on=in_days(80))
    give_credit(holder, STANDARD_GROSS)

    page = holder_client.get(PAGE).content.decode()

    assert 'data-testid="topup-30"' not in page
    assert 'href="/credit/topup/?amount=30,50" data-testid="topup-90"' in page
    assert "Ricarica € 30,50" in page


def test_a_need_under_the_minimum_topup_links_the_minimum(holder_client, holder, mailbox):
    mailbox.expires_on = in_days(5)
    mailbox.save()
    give_credit(holder, STANDARD_GROSS - 10)

    page = holder_client.get(PAGE).content.decode()

    assert "mancano € 0,10" in page
    assert 'href="/credit/topup/?amount=5,00" data-testid="topup-30"' in page


def test_the_csv_gives_the_same_rows_with_euros_and_yes_or_no(holder_client, holder, mailbox):
    mailbox.expires_on = in_days(10)
    mailbox.save()
    make_addon(mailbox, quantity=2)
    give_credit(holder, STANDARD_GROSS)

    response = holder_client.get(CSV)

    assert response["Content-Disposition"] == (
        f'attachment; filename="previsione-rinnovi-{timezone.localdate().isoformat()}.csv"')
    assert csv_rows(response) == [
        ["due_on", "address", "item", "net", "vat", "gross", "covered"],
        [in_days(10).isoformat(), mailbox.address, "Casella Standard", "5.00", "1.10", "6.10", "yes"],
        [in_days(10).isoformat(), mailbox.address, "Spazio extra inbox 2 GB", "5.00", "1.10", "6.10", "no"],
    ]


def test_csv_cells_a_spreadsheet_would_run_are_neutralised(holder_client, holder):
    AddonType.objects.filter(code="inbox_extra").update(name="=HYPERLINK(\"http://x\")")
    dangerous = make_mailbox(holder, address="-2+3@pec.example.it", expires_on=in_days(10))
    make_addon(dangerous)

    rows = csv_rows(holder_client.get(CSV))

    assert [row[1:3] for row in rows if row[1].startswith("'")] == [
        ["'-2+3@pec.example.it", "Casella Standard"],
        ["'-2+3@pec.example.it", "'=HYPERLINK(\"http://x\") 1 GB"],
    ]


def test_another_holders_renewals_are_on_neither(holder_client, mailbox):
    stranger = make_mailbox(make_holder(credit_cents=1000), address="altro@pec.example.it", expires_on=in_days(10))

    assert stranger.address not in holder_client.get(PAGE).content.decode()
    assert stranger.address not in {cell for row in csv_rows(holder_client.get(CSV)) for cell in row}


def test_without_renewals_the_page_says_so(holder_client, mailbox):
    mailbox.auto_renew = False
    mailbox.save()

    page = holder_client.get(PAGE).content.decode()

    assert "Nessun rinnovo automatico nei prossimi 12 mesi." in page
    assert csv_rows(holder_client.get(CSV)) == [["due_on", "address", "item", "net", "vat", "gross", "covered"]]


def test_a_large_holder_gets_the_rows_page_by_page_and_every_month_in_the_summary(holder_client, holder):
    make_mailboxes(holder, FORECAST_PAGE_ROWS + 30)  # expiring 30 days from now onward, one a day

    first = holder_client.get(PAGE).content.decode()
    second = holder_client.get(PAGE + "?page=2").content.decode()

    assert first.count('data-testid="forecast-row"') == FORECAST_PAGE_ROWS
    assert second.count('data-testid="forecast-row"') == 30
    assert "Pagina 2 di 2" in second
    # 130 days of expiries: five or six months, each linked to the page where it starts.
    assert first.count('href="?page=1#mese-') + first.count('href="?page=2#mese-') >= 5
    for junk in ("?page=abc", "?page=0", "?page=999"):
        assert holder_client.get(PAGE + junk).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    for url in (PAGE, CSV):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_the_page_and_the_csv_run_as_many_queries_for_30_mailboxes_as_for_3(holder_client, holder, mailbox):
    def add(count):
        for n in range(count):
            added = make_mailbox(holder, expires_on=in_days(5 + 11 * n))
            if n % 2:
                make_addon(added)

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert holder_client.get(url).status_code == 200
        return len(captured)

    add(2)
    few = [queries(PAGE), queries(CSV)]
    add(27)
    assert [queries(PAGE), queries(CSV)] == few


def test_every_holder_page_links_the_forecast_from_the_menu(holder_client):
    for url in ("/", "/profile/", "/mailboxes/"):
        assert '<a class="list-group-item list-group-item-action" href="/renewals/forecast/">Previsione rinnovi</a>' in (
            holder_client.get(url).content.decode())
