from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Holder, Operation, User
from audit.models import AuditEntry
from mailboxes.models import Mailbox, Plan, ProvisioningRequest
from tests.factories import PASSWORD, make_holder, make_mailbox, make_mailboxes


@pytest.fixture
def staff_client(client, db):
    User.objects.create_user("operatore", password=PASSWORD, is_staff=True, is_superuser=True)
    assert client.post("/admin/login/?next=/admin/", {"username": "operatore", "password": PASSWORD}).status_code == 302
    return client


def test_a_holder_session_never_enters_the_admin(holder_client):
    response = holder_client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/admin/login/")
    page = response.content.decode()
    assert 'name="username"' in page
    assert "mailboxes/mailbox/" not in page
    assert holder_client.get("/admin/mailboxes/mailbox/").status_code == 302


def test_a_holders_mailbox_password_does_not_open_the_admin(client, mailbox):
    response = client.post("/admin/login/", {"username": mailbox.address, "password": PASSWORD})
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_holder_users_are_never_staff_and_have_no_usable_password(holder):
    assert not holder.user.is_staff
    assert not holder.user.has_usable_password()


def test_staff_see_the_admin_index(staff_client):
    page = staff_client.get("/admin/").content.decode()
    for path in ["accounts/holder/", "accounts/user/", "accounts/operation/", "mailboxes/mailbox/",
                 "mailboxes/plan/", "mailboxes/provisioningrequest/"]:
        assert path in page, path


def _changelist_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200
    return len(captured), response


def test_the_mailbox_changelist_runs_the_same_queries_for_10_and_1000_rows(staff_client, holder):
    make_mailboxes(holder, 10)
    small, response = _changelist_queries(staff_client, "/admin/mailboxes/mailbox/")
    assert response.context["cl"].result_count == 10
    make_mailboxes(holder, 990)
    large, response = _changelist_queries(staff_client, "/admin/mailboxes/mailbox/")
    assert response.context["cl"].result_count == 1000
    assert large == small


def test_the_holder_changelist_runs_the_same_queries_for_few_and_many_holders(staff_client):
    for _ in range(3):
        make_mailbox(make_holder())
    small, _response = _changelist_queries(staff_client, "/admin/accounts/holder/")
    for _ in range(40):
        make_mailbox(make_holder())
    large, _response = _changelist_queries(staff_client, "/admin/accounts/holder/")
    assert large == small


def test_staff_find_mailboxes_by_address_fiscal_code_and_holder_name(staff_client):
    holder = make_holder(fiscal_code="RSSMRA80A01H501U", last_name="Verdibianchi")
    mailbox = make_mailbox(holder, address="studio@pec.example.it")
    make_mailbox(make_holder())
    for term in ["studio@pec", "RSSMRA80A01H501U", "verdibianchi"]:
        result = staff_client.get("/admin/mailboxes/mailbox/", {"q": term}).context["cl"].result_list
        assert [m.pk for m in result] == [mailbox.pk], term
    holders = staff_client.get("/admin/accounts/holder/", {"q": "studio@pec.example.it"}).context["cl"].result_list
    assert [h.pk for h in holders] == [holder.pk]


def test_the_mailbox_list_filters_by_status_and_plan(staff_client, holder):
    pro = make_mailbox(holder, plan="pro")
    make_mailbox(holder, status=Mailbox.Status.SUSPENDED)
    result = staff_client.get("/admin/mailboxes/mailbox/", {"plan__id__exact": pro.plan_id}).context["cl"].result_list
    assert [m.pk for m in result] == [pro.pk]
    result = staff_client.get("/admin/mailboxes/mailbox/", {"status__exact": "sospesa"}).context["cl"].result_list
    assert [m.status for m in result] == ["sospesa"]


def test_suspending_and_reactivating_go_through_the_logged_service(staff_client, mailbox):
    url = "/admin/mailboxes/mailbox/"
    staff_client.post(url, {"action": "suspend", "_selected_action": [mailbox.pk]})
    mailbox.refresh_from_db()
    assert mailbox.status == Mailbox.Status.SUSPENDED
    response = staff_client.post(url, {"action": "reactivate", "_selected_action": [mailbox.pk]}, follow=True)
    assert "Caselle riattivate: 1." in response.content.decode()
    mailbox.refresh_from_db()
    assert mailbox.status == Mailbox.Status.CERTIFIED
    log = Operation.objects.filter(holder=mailbox.holder, kind=Operation.Kind.STATUS).order_by("id")
    assert [operation.description for operation in log] == [
        "Casella sospesa dallo staff (operatore)", "Casella riattivata dallo staff (operatore)"]
    actions = ProvisioningRequest.objects.filter(mailbox=mailbox).order_by("id").values_list("action", flat=True)
    assert list(actions) == ["suspend", "reactivate"]


def test_reactivating_an_active_mailbox_is_refused_and_changes_nothing(staff_client, mailbox):
    response = staff_client.post("/admin/mailboxes/mailbox/",
                                 {"action": "reactivate", "_selected_action": [mailbox.pk]}, follow=True)
    assert "Solo una casella sospesa può essere riattivata." in response.content.decode()
    assert not Operation.objects.filter(kind=Operation.Kind.STATUS).exists()


def test_the_status_cannot_be_edited_in_the_mailbox_form(staff_client, mailbox):
    page = staff_client.get(f"/admin/mailboxes/mailbox/{mailbox.pk}/change/").content.decode()
    assert 'name="status"' not in page
    assert 'name="password_hash"' not in page


def test_a_change_form_post_cannot_move_a_mailboxs_expiry_plan_holder_or_status(staff_client, mailbox):
    before = Mailbox.objects.values().get(pk=mailbox.pk)
    other_holder = make_holder()
    url = f"/admin/mailboxes/mailbox/{mailbox.pk}/change/"
    page = staff_client.get(url).content.decode()
    for field in ["expires_on", "plan", "holder", "status", "inbox_extra_gb"]:
        assert f'name="{field}"' not in page, field

    response = staff_client.post(url, {
        "address": mailbox.address, "end_client": "on", "auto_renew": "on",
        "expires_on": "2099-12-31", "plan": Plan.objects.get(code="pro").pk, "holder": other_holder.pk,
        "status": Mailbox.Status.CERTIFIED, "inbox_extra_gb": "50", "certified_on": "2020-01-01",
    })

    assert response.status_code == 302
    after = Mailbox.objects.values().get(pk=mailbox.pk)
    assert after == {**before, "end_client": True}
    assert after["expires_on"] != date(2099, 12, 31)
    assert not AuditEntry.objects.exists()
    assert not Operation.objects.filter(kind=Operation.Kind.STATUS).exists()


def test_staff_still_give_a_new_mailbox_its_holder_plan_and_expiry(staff_client, holder):
    page = staff_client.get("/admin/mailboxes/mailbox/add/").content.decode()
    for field in ["expires_on", "plan", "holder"]:
        assert f'name="{field}"' in page, field
    assert 'name="status"' not in page


def test_a_status_change_by_action_is_audited_with_who_before_and_after(staff_client, mailbox):
    staff_client.post("/admin/mailboxes/mailbox/", {"action": "suspend", "_selected_action": [mailbox.pk]})

    entry = AuditEntry.objects.get()
    assert (entry.user.username, entry.action, entry.object_id) == ("operatore", "mailbox_suspend", str(mailbox.pk))
    assert (entry.before, entry.after) == ({"status": "certificata"}, {"status": "sospesa"})


def test_staff_edits_of_a_holder_are_validated_and_logged(staff_client, holder):
    url = f"/admin/accounts/holder/{holder.pk}/change/"
    data = {"first_name": holder.first_name, "last_name": holder.last_name, "fiscal_code": "RSSMRA80A01H501X",
            "email": holder.email, "country": "IT", "language": "it"}
    assert "Codice fiscale non valido." in staff_client.post(url, data).content.decode()
    response = staff_client.post(url, {**data, "fiscal_code": "rssmra80a01h501u", "city": "Roma"})
    assert response.status_code == 302
    holder.refresh_from_db()
    assert (holder.fiscal_code, holder.city) == ("RSSMRA80A01H501U", "Roma")
    operation = Operation.objects.get(holder=holder, kind=Operation.Kind.PROFILE)
    assert "operatore" in operation.description and "codice fiscale" in operation.description


def test_staff_add_a_holder_with_its_own_login_less_user(staff_client):
    response = staff_client.post("/admin/accounts/holder/add/", {
        "first_name": "Anna", "last_name": "Neri", "fiscal_code": "00743110157", "email": "anna@example.it",
        "country": "IT", "language": "it"})
    assert response.status_code == 302
    holder = Holder.objects.get(fiscal_code="00743110157")
    assert not holder.user.is_staff and not holder.user.has_usable_password()


def test_operations_and_provisioning_requests_are_read_only(staff_client, mailbox):
    assert staff_client.get("/admin/accounts/operation/add/").status_code == 403
    assert staff_client.get("/admin/mailboxes/provisioningrequest/add/").status_code == 403
