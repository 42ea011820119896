""""Rinnova ora" over a selection: the quote, one payment, exclusions, shortfall, resubmission,
the dispute freeze and a race with the renewal night."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Operation
from billing.models import LedgerEntry, Wallet
from core.money import format_euro
from invoices.fatturapa import invoice_xml, xml_errors
from invoices.models import Invoice
from invoices.selectors import invoices_for_export
from invoices.vat import gross_cents
from mailboxes.models import Mailbox
from renewals.cancellation import addon_cancel, mailbox_cancel
from renewals.models import RenewalCharge
from renewals.night import renewals_run
from tests.factories import make_holder, make_mailbox, make_mailboxes

from .conftest import INBOX_GB_GROSS, STANDARD_GROSS, balance, give_credit, make_addon, reload

URL = "/mailboxes/bulk/renew/"


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def due(holder, mailbox, today):
    """Two mailboxes "Rinnova ora" renews: one expiring in 60 days with a 2 GB add-on, one expired
    10 days ago (grace period); and three it leaves out."""
    Mailbox.objects.filter(pk=mailbox.pk).update(expires_on=today + timedelta(days=60))
    soon = reload(mailbox)
    make_addon(soon, quantity=2)
    lapsed = make_mailbox(holder, address="scaduta@pec.ording.roma.it", status=Mailbox.Status.EXPIRED,
                          expires_on=today - timedelta(days=10))
    make_mailbox(holder, address="lontana@pec.ording.roma.it", expires_in_days=200)
    make_mailbox(holder, address="sospesa@pec.ording.roma.it", status=Mailbox.Status.SUSPENDED, expires_in_days=30)
    make_mailbox(holder, address="cessata@pec.ording.roma.it", status=Mailbox.Status.TERMINATED, expires_in_days=30)
    return soon, lapsed


# Standard plan twice, 2 GB of inbox; IVA once on the net total.
DUE_NET = 500 + 500 + 2 * 250
DUE_GROSS = gross_cents(DUE_NET)


def quote(client, **selection):
    return client.post(URL, selection or {"all": "1", "q": "", "status": ""})


def confirm(client, *, key=None, gross=DUE_GROSS, **selection):
    return client.post(URL, {**(selection or {"all": "1", "q": "", "status": ""}), "confirm": "1",
                             "renewal_key": str(key or uuid.uuid4()), "quoted_gross_cents": gross}, follow=True)


def test_the_quote_lists_each_mailboxs_price_the_total_and_the_excluded_with_why(holder_client, holder, due):
    give_credit(holder, 5000)

    html = quote(holder_client).content.decode()

    assert "2 caselle da rinnovare per un anno" in html and "3 escluse" in html
    assert "mario.rossi@pec.ording.roma.it" in html and "scaduta@pec.ording.roma.it" in html
    assert "Spazio extra inbox 2 GB € 6,10" in html
    assert "€ 12,20" in html and "€ 6,10" in html  # each mailbox's own total
    assert f'data-testid="bulk-renew-total">€ {DUE_GROSS // 100},{DUE_GROSS % 100:02d}<' in html
    assert "lontana@pec.ording.roma.it: fuori dalla finestra di rinnovo" in html
    assert "sospesa@pec.ording.roma.it: non certificata (stato: Sospesa)" in html
    assert "cessata@pec.ording.roma.it: non certificata (stato: Cessata)" in html
    assert f'name="quoted_gross_cents" value="{DUE_GROSS}"' in html
    assert balance(holder) == 5000 and not RenewalCharge.objects.exists()


def test_confirming_pays_once_bills_once_and_logs_once(holder_client, holder, due, today):
    soon, lapsed = due
    give_credit(holder, 5000)
    old = {soon.pk: soon.expires_on, lapsed.pk: lapsed.expires_on}
    key = uuid.uuid4()

    response = confirm(holder_client, key=key)

    assert "Rinnovate 2 caselle: addebitati € 18,30." in response.content.decode()
    assert DUE_GROSS == 1830 and balance(holder) == 5000 - DUE_GROSS
    for mailbox in (soon, lapsed):
        assert reload(mailbox).expires_on == old[mailbox.pk].replace(year=old[mailbox.pk].year + 1)
    assert reload(lapsed).status == Mailbox.Status.CERTIFIED
    debit = LedgerEntry.objects.get(kind=LedgerEntry.Kind.RENEWAL)
    assert (debit.reference, debit.amount_cents) == (f"renewal:bulk:{key}", -DUE_GROSS)
    charges = RenewalCharge.objects.filter(manual=True)
    assert charges.count() == 3 and {charge.ledger_entry_id for charge in charges} == {debit.pk}
    invoice = invoices_for_export().get(reference=f"renewal:bulk:{key}")
    assert Invoice.objects.count() == 1 and invoice.gross_cents == DUE_GROSS
    assert sorted((line.mailbox_address, line.quantity, line.unit) for line in invoice.lines.all()) == [
        ("mario.rossi@pec.ording.roma.it", 1, "anno"), ("mario.rossi@pec.ording.roma.it", 2, "GB"),
        ("scaduta@pec.ording.roma.it", 1, "anno")]
    assert xml_errors(invoice_xml(invoice)) == []
    payment = Operation.objects.get(kind=Operation.Kind.RENEWAL)
    assert (payment.description, payment.amount_cents) == ("Rinnovo manuale di 2 caselle e 1 servizi aggiuntivi",
                                                          -DUE_GROSS)


def test_the_ticked_mailboxes_only_are_renewed(holder_client, holder, due):
    soon, lapsed = due
    give_credit(holder, 5000)

    confirm(holder_client, gross=STANDARD_GROSS, mailbox=[lapsed.pk])

    assert balance(holder) == 5000 - STANDARD_GROSS
    assert list(RenewalCharge.objects.values_list("mailbox_id", flat=True)) == [lapsed.pk]


def test_a_shortfall_is_refused_with_a_top_up_link_for_what_is_missing(holder_client, holder, due):
    give_credit(holder, 1000)

    html = confirm(holder_client).content.decode()

    assert "Credito insufficiente: il rinnovo costa € 18,30, il credito residuo è € 10,00. " \
           "Ricarica almeno € 8,30 e conferma di nuovo." in html
    assert 'href="/credit/topup/?amount=8,30" data-testid="bulk-renew-topup"' in html
    assert balance(holder) == 1000
    assert not RenewalCharge.objects.exists() and not Invoice.objects.exists()


def test_posting_the_confirmation_twice_pays_once(holder_client, holder, due):
    give_credit(holder, 5000)
    key = uuid.uuid4()
    confirm(holder_client, key=key)

    response = confirm(holder_client, key=key)

    assert "Questo rinnovo è già stato eseguito: nulla è stato addebitato di nuovo." in response.content.decode()
    assert balance(holder) == 5000 - DUE_GROSS
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.RENEWAL).count() == 1
    assert Invoice.objects.count() == 1


def test_a_new_confirmation_after_payment_finds_nothing_left_to_renew(holder_client, holder, due):
    give_credit(holder, 5000)
    confirm(holder_client)

    html = confirm(holder_client).content.decode()

    assert "Nessuna delle caselle selezionate può essere rinnovata ora." in html
    assert balance(holder) == 5000 - DUE_GROSS


def test_a_dispute_freeze_stops_the_payment(holder_client, holder, due):
    give_credit(holder, 5000)
    Wallet.objects.filter(holder=holder).update(spending_frozen=True)

    html = confirm(holder_client).content.decode()

    assert "Il credito è bloccato perché un pagamento con carta è stato contestato" in html
    assert balance(holder) == 5000 and not RenewalCharge.objects.exists()


def test_a_quote_that_changed_is_shown_again_and_not_paid(holder_client, holder, due):
    soon, _lapsed = due
    give_credit(holder, 5000)
    make_addon(soon, quantity=1)  # after the quote was shown

    html = confirm(holder_client).content.decode()

    assert "Il preventivo è cambiato da quando l&#x27;hai visto (ora € 21,35)" in html
    assert f'name="quoted_gross_cents" value="{DUE_GROSS + INBOX_GB_GROSS}"' in html
    assert balance(holder) == 5000


def test_a_mailbox_the_night_renewed_first_is_not_charged_again(holder_client, holder, mailbox, today):
    Mailbox.objects.filter(pk=mailbox.pk).update(expires_on=today)
    later = make_mailbox(holder, expires_in_days=30)
    give_credit(holder, 5000)
    assert f'value="{2 * STANDARD_GROSS}"' in quote(holder_client).content.decode()

    renewals_run(on_date=today)
    stale = confirm(holder_client, gross=2 * STANDARD_GROSS).content.decode()
    confirm(holder_client, gross=STANDARD_GROSS)

    assert "Il preventivo è cambiato" in stale
    assert list(RenewalCharge.objects.filter(mailbox=mailbox).values_list("manual", flat=True)) == [False]
    assert list(RenewalCharge.objects.filter(mailbox=later).values_list("manual", flat=True)) == [True]
    assert balance(holder) == 5000 - 2 * STANDARD_GROSS


def test_another_holders_mailbox_is_never_quoted_nor_renewed(holder_client, holder, due):
    stranger = make_mailbox(make_holder(credit_cents=5000), address="estranea@pec.example.it", expires_in_days=10)
    give_credit(holder, 5000)

    html = quote(holder_client, mailbox=[stranger.pk]).content.decode()
    confirm(holder_client, gross=STANDARD_GROSS, mailbox=[stranger.pk])

    assert "estranea@pec.example.it" not in html
    assert not RenewalCharge.objects.filter(mailbox=stranger).exists() and balance(stranger.holder) == 5000


def test_an_empty_selection_goes_back_to_the_list_with_a_message(holder_client, due):
    response = holder_client.post(URL, {"q": "ording"}, follow=True)

    assert response.redirect_chain[-1][0] == "/mailboxes/?q=ording"
    assert "Nessuna casella selezionata" in response.content.decode()


def _queries(client, holder, count):
    mailboxes = make_mailboxes(holder, count)
    Mailbox.objects.filter(pk__in=[m.pk for m in mailboxes]).update(
        expires_on=timezone.localdate() + timedelta(days=30))
    for mailbox in mailboxes:
        make_addon(mailbox, quantity=1)
    selection = {"mailbox": [m.pk for m in mailboxes]}
    with CaptureQueriesContext(connection) as quoted:
        assert quote(client, **selection).status_code == 200
    with CaptureQueriesContext(connection) as paid:
        confirm(client, gross=gross_cents(count * 750), **selection)
    assert RenewalCharge.objects.filter(mailbox__in=mailboxes).count() == 2 * count
    return len(quoted), len(paid)


def test_the_queries_do_not_grow_with_the_number_of_mailboxes(holder_client, holder):
    give_credit(holder, 100_000)
    assert _queries(holder_client, holder, 3) == _queries(holder_client, holder, 30)


def test_a_period_charged_behind_its_back_is_refused_by_the_unique_charge(holder_client, holder, due):
    soon, _lapsed = due
    give_credit(holder, 5000)
    RenewalCharge.objects.create(holder=holder, mailbox=soon, period_start=soon.expires_on,
                                 period_end=soon.expires_on + timedelta(days=365), net_cents=500, vat_cents=110,
                                 gross_cents=610)

    html = confirm(holder_client).content.decode()

    assert "Una delle caselle è stata rinnovata nel frattempo: nulla è stato addebitato." in html
    assert balance(holder) == 5000 and not Invoice.objects.exists()
    assert reload(soon).expires_on == soon.expires_on


def test_a_cancelled_mailbox_is_left_out_and_a_cancelled_addon_is_not_charged(holder_client, holder, due, today):
    soon, lapsed = due
    give_credit(holder, 5000)
    addon = soon.addons.get()
    addon_cancel(holder=holder, mailbox_id=soon.pk, addon_id=addon.pk, today=today)
    cancelled = make_mailbox(holder, address="disdetta@pec.ording.roma.it", expires_in_days=30)
    mailbox_cancel(holder=holder, mailbox_id=cancelled.pk, today=today)

    html = quote(holder_client).content.decode()
    confirm(holder_client, gross=2 * STANDARD_GROSS)

    assert f"disdetta@pec.ording.roma.it: disdetta il {today:%d/%m/%Y}: cessa alla scadenza senza rinnovo" in html
    assert "Spazio extra inbox" not in html
    assert balance(holder) == 5000 - 2 * STANDARD_GROSS
    assert not RenewalCharge.objects.filter(mailbox=cancelled).exists()
    assert not RenewalCharge.objects.filter(addon=addon).exists()
    assert Operation.objects.get(reference__startswith="renewal:bulk:").description == "Rinnovo manuale di 2 caselle"


def test_a_quote_over_hundreds_shows_the_first_hundred_and_counts_the_rest(holder_client, holder, mailbox, today):
    renewable = make_mailboxes(holder, 103)
    Mailbox.objects.filter(pk__in=[m.pk for m in renewable]).update(expires_on=today + timedelta(days=30))
    far = make_mailboxes(holder, 102)
    Mailbox.objects.filter(pk__in=[m.pk for m in far] + [mailbox.pk]).update(expires_on=today + timedelta(days=300))

    page = quote(holder_client).content.decode()

    rows = page.split('data-testid="bulk-renew-items"')[1].split("</tbody>")[0]
    assert rows.count("<tr><td>") == 100
    assert "… e altre 3 caselle, comprese nei totali" in page
    assert f'data-testid="bulk-renew-total">{format_euro(gross_cents(103 * 500))}<' in page  # all 103 counted
    assert "… e altre 3 escluse" in page  # 103 outside the renewal window, 100 listed
