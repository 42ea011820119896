import logging

from django.core import mail

from core.staff_alerts import staff_alert


def test_staff_alert_mails_every_address(settings):
    settings.STAFF_ALERT_EMAIL = ["ops@pec.example.it", "billing@pec.example.it"]
    staff_alert(subject="Contestazione aperta", body="Ricarica n. 7")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ops@pec.example.it", "billing@pec.example.it"]
    assert mail.outbox[0].subject == "[Area Clienti] Contestazione aperta"


def test_staff_alert_without_address_is_logged_only(settings, caplog):
    settings.STAFF_ALERT_EMAIL = []
    with caplog.at_level(logging.WARNING, logger="pecportal.staff_alerts"):
        staff_alert(subject="Rinnovo fallito", body="x")
    assert mail.outbox == []
    assert "Rinnovo fallito" in caplog.text


def test_staff_alert_survives_a_refusing_mail_server(settings, caplog, monkeypatch):
    settings.STAFF_ALERT_EMAIL = ["ops@pec.example.it"]

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("core.staff_alerts.send_mail", refuse)
    staff_alert(subject="Rimborso", body="x")
    assert "e-mail not sent" in caplog.text
