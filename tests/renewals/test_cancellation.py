"""Disdetta of a mailbox or an add-on: recorded, revoked before expiry, honoured by the night."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Operation
from addons.models import Addon
from billing.models import LedgerEntry
from mailboxes.models import Mailbox
from renewals.alerts import expiry_alerts_run
from renewals.cancellation import CancellationRefused, mailbox_cancel_revoke
from renewals.forecast import forecast_for_holder
from renewals.models import RenewalCharge
from renewals.night import renewals_run
from tests.factories import make_holder, make_mailbox

from .conftest import INBOX_GB_GROSS, STANDARD_GROSS, balance, give_credit, make_addon, reload


@pytest.fixture
def expiring(mailbox):
    """The login mailbox, 30 days from expiry, with auto-renew on."""
    Mailbox.objects.filter(pk=mailbox.pk).update(expires_on=timezone.localdate() + timedelta(days=30), auto_renew=True)
    return reload(mailbox)


def cancel(client, mailbox, **data):
    return client.post(f"/mailboxes/{mailbox.pk}/cancel/", data, follow=True)


def cancel_addon(client, addon, **data):
    return client.post(f"/mailboxes/{addon.mailbox_id}/addons/{addon.pk}/cancel/", data, follow=True)


def test_without_confirm_it_only_asks(holder_client, expiring):
    response = cancel(holder_client, expiring)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Conferma la disdetta" in html and 'name="confirm" value="1"' in html
    assert f"resterà attiva fino al {expiring.expires_on:%d/%m/%Y}" in html
    assert reload(expiring).cancelled_on is None and reload(expiring).auto_renew


def test_confirmed_it_records_the_date_turns_auto_renew_off_logs_and_mails(
        holder_client, holder, expiring, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = cancel(holder_client, expiring, confirm="1")

    mailbox = reload(expiring)
    assert mailbox.cancelled_on == timezone.localdate()
    assert mailbox.auto_renew is False
    html = response.content.decode()
    assert "Disdetta registrata" in html and 'data-testid="cancel-revoke"' in html
    assert f"la casella cesserà il {mailbox.expires_on:%d/%m/%Y}" in html
    assert Operation.objects.filter(holder=holder, kind=Operation.Kind.STATUS,
                                    description__startswith="Disdetta della casella").count() == 1
    [message] = mail.outbox
    assert message.to == [holder.email]
    assert message.subject == f"Disdetta registrata: {mailbox.address}"
    assert f"resta attivo fino alla scadenza del {mailbox.expires_on:%d/%m/%Y}" in message.body


def test_cancelling_twice_changes_nothing(holder_client, expiring):
    cancel(holder_client, expiring, confirm="1")
    cancel(holder_client, expiring, confirm="1")

    assert Operation.objects.filter(description__startswith="Disdetta della casella").count() == 1


def test_the_night_at_expiry_makes_it_cessata_uncharged_and_without_grace(holder_client, holder, expiring):
    addon = make_addon(expiring, quantity=1)
    give_credit(holder, 5000)
    cancel(holder_client, expiring, confirm="1")

    summary = renewals_run(on_date=expiring.expires_on)

    mailbox = reload(expiring)
    assert mailbox.status == Mailbox.Status.TERMINATED
    assert mailbox.status_changed_on == expiring.expires_on
    assert reload(addon).status == Addon.Status.DEACTIVATED
    assert balance(holder) == 5000
    assert not RenewalCharge.objects.exists()
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.RENEWAL).exists()
    assert (summary.terminated, summary.expired, summary.renewed) == (1, 0, 0)
    assert Operation.objects.filter(description__startswith="Casella cessata: disdetta del").exists()


def test_the_night_before_expiry_leaves_it_alone(holder_client, expiring):
    cancel(holder_client, expiring, confirm="1")

    renewals_run(on_date=expiring.expires_on - timedelta(days=1))

    assert reload(expiring).status == Mailbox.Status.CERTIFIED


def test_revoked_before_expiry_it_renews_normally(holder_client, holder, expiring, django_capture_on_commit_callbacks):
    expiry = expiring.expires_on
    give_credit(holder, 5000)
    cancel(holder_client, expiring, confirm="1")
    with django_capture_on_commit_callbacks(execute=True):
        response = cancel(holder_client, expiring, revoke="1")

    mailbox = reload(expiring)
    assert "Disdetta revocata" in response.content.decode()
    assert (mailbox.cancelled_on, mailbox.auto_renew) == (None, True)
    assert mail.outbox[-1].subject == f"Disdetta revocata: {mailbox.address}"
    assert Operation.objects.filter(description__startswith="Disdetta della casella revocata").exists()

    renewals_run(on_date=expiry)

    mailbox = reload(expiring)
    assert mailbox.status == Mailbox.Status.CERTIFIED
    assert mailbox.expires_on == expiry.replace(year=expiry.year + 1)
    assert balance(holder) == 5000 - STANDARD_GROSS


def test_revoke_after_expiry_is_refused(holder_client, holder):
    # Not the mailbox the session logged in with: a cessata one is signed out.
    other = make_mailbox(holder, expires_in_days=30, auto_renew=True)
    cancel(holder_client, other, confirm="1")
    with pytest.raises(CancellationRefused):
        mailbox_cancel_revoke(holder=holder, mailbox_id=other.pk, today=other.expires_on)
    renewals_run(on_date=other.expires_on)

    response = cancel(holder_client, other, revoke="1")

    assert "La disdetta può essere revocata solo prima della scadenza della casella." in response.content.decode()
    assert reload(other).status == Mailbox.Status.TERMINATED


def test_renew_now_and_auto_renew_are_refused_until_revoked(holder_client, holder, expiring):
    expiry = expiring.expires_on
    give_credit(holder, 5000)
    cancel(holder_client, expiring, confirm="1")

    renew = holder_client.post(f"/mailboxes/{expiring.pk}/renew/", follow=True).content.decode()
    switch = holder_client.post(f"/mailboxes/{expiring.pk}/auto-renew/", {"auto_renew": "1"}, follow=True)

    refusal = "La casella è stata disdetta e cesserà alla scadenza: revoca prima la disdetta."
    assert refusal in renew and refusal in switch.content.decode()
    assert 'data-testid="renew-now"' not in renew
    mailbox = reload(expiring)
    assert mailbox.expires_on == expiry and mailbox.auto_renew is False
    assert balance(holder) == 5000


def test_only_a_certified_mailbox_can_be_cancelled(holder_client, holder):
    expired = make_mailbox(holder, status=Mailbox.Status.EXPIRED, expires_in_days=-5)

    response = cancel(holder_client, expired, confirm="1")

    assert "Si può disdire solo una casella attiva (certificata)." in response.content.decode()
    assert reload(expired).cancelled_on is None


def test_a_cancelled_addon_stays_active_until_expiry_and_is_not_renewed(
        holder_client, holder, expiring, django_capture_on_commit_callbacks):
    kept = make_addon(expiring, code="archive_extra", quantity=1)
    addon = make_addon(expiring, quantity=2)
    give_credit(holder, 5000)
    without_confirm = cancel_addon(holder_client, addon)
    assert "Conferma la disdetta" in without_confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = cancel_addon(holder_client, addon, confirm="1")

    assert "il servizio aggiuntivo resta attivo fino alla scadenza" in response.content.decode()
    assert reload(addon).status == Addon.Status.ACTIVE and reload(addon).cancelled_on == timezone.localdate()
    assert f"disdetto il {timezone.localdate():%d/%m/%Y}" in response.content.decode()
    [message] = mail.outbox
    assert message.subject == f"Disdetta registrata: Spazio extra inbox 2 GB ({expiring.address})"

    renewals_run(on_date=expiring.expires_on)

    addon, kept = reload(addon), reload(kept)
    assert addon.status == Addon.Status.DEACTIVATED and addon.deactivated_on == expiring.expires_on
    assert kept.status == Addon.Status.ACTIVE and kept.expires_on > expiring.expires_on
    assert reload(expiring).inbox_extra_gb == 0
    assert not RenewalCharge.objects.filter(addon=addon).exists()
    assert balance(holder) == 5000 - STANDARD_GROSS - RenewalCharge.objects.get(addon=kept).gross_cents
    assert Operation.objects.filter(kind=Operation.Kind.DEACTIVATION, description="Disattivazione per disdetta").exists()


def test_a_cancelled_addon_left_by_a_renewal_by_hand_ends_on_its_own_expiry(holder_client, holder, expiring):
    addon = make_addon(expiring, quantity=1)
    give_credit(holder, 5000)
    cancel_addon(holder_client, addon, confirm="1")

    holder_client.post(f"/mailboxes/{expiring.pk}/renew/")

    assert balance(holder) == 5000 - STANDARD_GROSS  # the add-on is not renewed
    assert reload(addon).status == Addon.Status.ACTIVE
    renewals_run(on_date=expiring.expires_on - timedelta(days=1))
    assert reload(addon).status == Addon.Status.ACTIVE
    renewals_run(on_date=expiring.expires_on)
    assert reload(addon).status == Addon.Status.DEACTIVATED
    assert reload(expiring).status == Mailbox.Status.CERTIFIED


def test_a_revoked_addon_cancellation_renews_with_the_mailbox(holder_client, holder, expiring):
    addon = make_addon(expiring, quantity=1)
    give_credit(holder, 5000)
    cancel_addon(holder_client, addon, confirm="1")
    response = cancel_addon(holder_client, addon, revoke="1")

    assert "Disdetta del servizio aggiuntivo revocata" in response.content.decode()
    renewals_run(on_date=expiring.expires_on)

    assert reload(addon).status == Addon.Status.ACTIVE
    assert balance(holder) == 5000 - STANDARD_GROSS - INBOX_GB_GROSS


def test_other_holders_ids_are_404(holder_client, expiring):
    other = make_mailbox(make_holder(), expires_in_days=30)
    foreign_addon = make_addon(other, quantity=1)
    own_addon = make_addon(expiring, quantity=1)

    assert holder_client.post(f"/mailboxes/{other.pk}/cancel/", {"confirm": "1"}).status_code == 404
    assert holder_client.post(f"/mailboxes/{other.pk}/addons/{foreign_addon.pk}/cancel/",
                              {"confirm": "1"}).status_code == 404
    assert holder_client.post(f"/mailboxes/{expiring.pk}/addons/{foreign_addon.pk}/cancel/",
                              {"confirm": "1"}).status_code == 404
    assert holder_client.post(f"/mailboxes/{other.pk}/addons/{own_addon.pk}/cancel/",
                              {"confirm": "1"}).status_code == 404
    assert reload(other).cancelled_on is None and reload(foreign_addon).cancelled_on is None


def test_the_confirmation_mail_speaks_the_holders_language(holder_client, holder, expiring,
                                                            django_capture_on_commit_callbacks):
    holder.language = "en"
    holder.save(update_fields=["language"])

    with django_capture_on_commit_callbacks(execute=True):
        cancel(holder_client, expiring, confirm="1")

    [message] = mail.outbox
    assert message.subject == f"Cancellation recorded: {expiring.address}"


def test_a_cancelled_mailbox_gets_no_renewal_alert_and_is_out_of_the_forecast(holder_client, holder, expiring):
    cancel(holder_client, expiring, confirm="1")

    expiry_alerts_run(on_date=timezone.localdate())
    forecast = forecast_for_holder(holder=holder, today=timezone.localdate())

    assert mail.outbox == []
    assert forecast.total_gross_cents == 0


def test_the_export_shows_both_cancellations(holder_client, expiring):
    addon = make_addon(expiring, quantity=1)
    cancel_addon(holder_client, addon, confirm="1")
    cancel(holder_client, expiring, confirm="1")

    response = holder_client.get("/mailboxes/export.csv")
    [row] = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    today = timezone.localdate().isoformat()
    assert row["cancelled_on"] == today
    assert row["addons"] == f"Spazio extra inbox 1 GB (disdetta {today})"


def test_a_cancelled_addon_is_left_out_of_the_renewal_price_and_the_forecast(holder_client, holder, expiring):
    addon = make_addon(expiring, quantity=2)
    give_credit(holder, 5000)
    cancel_addon(holder_client, addon, confirm="1")

    html = holder_client.get(f"/mailboxes/{expiring.pk}/").content.decode()
    forecast = forecast_for_holder(holder=holder, today=timezone.localdate())

    assert 'data-testid="renewal-total">€ 6,10<' in html  # the plan only
    assert forecast.total_gross_cents == STANDARD_GROSS
