"""Staff see every alert sent, resend one, and read renewal charges without editing them."""

from datetime import date

import pytest
from django.core import mail

from renewals.alerts import expiry_alerts_run
from renewals.models import ExpiryAlert, RenewalCharge
from renewals.night import renewals_run

from .conftest import due_mailbox


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("staff", "staff@example.it", "Staff-Pass1!")
    client.force_login(user, backend="accounts.backends.StaffBackend")
    return client


def test_staff_filter_alerts_by_stage_search_by_address_and_resend_one(staff_client):
    mailbox = due_mailbox(expires_on=date(2026, 4, 10), address="cercami@pec.example.it")
    due_mailbox(expires_on=date(2026, 6, 1))
    expiry_alerts_run(on_date=date(2026, 4, 1))
    mail.outbox.clear()
    alert = ExpiryAlert.objects.get(mailbox=mailbox)

    listing = staff_client.get("/admin/renewals/expiryalert/", {"stage__exact": "15"}).content.decode()
    assert "cercami@pec.example.it" in listing
    assert "cercami@" in staff_client.get("/admin/renewals/expiryalert/", {"q": "cercami"}).content.decode()
    assert "cercami@" not in staff_client.get("/admin/renewals/expiryalert/", {"stage__exact": "90"}).content.decode()

    response = staff_client.post("/admin/renewals/expiryalert/", {
        "action": "resend", "_selected_action": [alert.pk]}, follow=True)

    assert "1 e-mail reinviata." in response.content.decode()
    [message] = mail.outbox
    assert message.to == [mailbox.holder.email] and "cercami@pec.example.it" in message.body
    alert.refresh_from_db()
    assert alert.resent_at is not None


def test_renewal_charges_are_read_only(staff_client):
    due_mailbox(credit_cents=5000)
    renewals_run(on_date=date(2026, 3, 30))
    charge = RenewalCharge.objects.get()

    assert staff_client.get("/admin/renewals/renewalcharge/").status_code == 200
    assert staff_client.get("/admin/renewals/renewalcharge/add/").status_code == 403
    staff_client.post(f"/admin/renewals/renewalcharge/{charge.pk}/delete/", {"post": "yes"})
    assert RenewalCharge.objects.filter(pk=charge.pk).exists()
