"""The nightly e-mails speak the language the holder last chose with the switch."""

from datetime import timedelta

from django.utils import timezone

from renewals.emails import expiry_alert_message
from tests.factories import make_mailbox


def alert_for(holder, *, days_left):
    today = timezone.localdate()
    mailbox = make_mailbox(holder, address="mario.rossi@pec.ording.roma.it", expires_on=today + timedelta(days=days_left))
    mailbox.active_addons = []
    return mailbox, expiry_alert_message(holder=holder, mailboxes=[mailbox], balance_cents=248, on_date=today)


def test_the_expiry_alert_is_in_italian_by_default(holder):
    mailbox, message = alert_for(holder, days_left=30)
    assert message.subject == "La tua casella PEC è in scadenza"
    assert f"Gentile {holder.full_name}," in message.body
    assert f"scadenza {mailbox.expires_on:%d/%m/%Y} (tra 30 giorni)" in message.body


def test_the_expiry_alert_is_in_english_for_a_holder_who_chose_english(holder):
    holder.language = "en"
    holder.save(update_fields=["language"])
    mailbox, message = alert_for(holder, days_left=1)
    assert message.subject == "Your PEC mailbox is about to expire"
    assert f"Dear {holder.full_name}," in message.body
    assert f"expires {mailbox.expires_on:%d/%m/%Y} (in 1 day)" in message.body
    assert "Remaining credit: € 2,48" in message.body
    assert "Missing credit: € 3,62" in message.body
    html = message.alternatives[0][0]
    assert "Mailbox / service" in html
    assert "€ 2,48" in html
