import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client

from accounts.models import Operation
from mailboxes.models import Mailbox, ProvisioningRequest
from tests.factories import PASSWORD, make_mailbox

NEW = "Nuova-Pass2?"


def change(client, mailbox, old=PASSWORD, new1=NEW, new2=None):
    return client.post(f"/mailboxes/{mailbox.pk}/password/",
                       {"old_password": old, "new_password1": new1, "new_password2": new2 or new1}, follow=True)


def logged_in(address, password=PASSWORD):
    client = Client()
    assert client.post("/login/", {"username": address, "password": password}).status_code == 302
    return client


def test_it_changes_the_password_keeps_this_session_and_logs_in_with_the_new_one(holder_client, mailbox):
    response = change(holder_client, mailbox)
    assert f"Password della casella {mailbox.address} cambiata." in response.content.decode()
    mailbox.refresh_from_db()
    assert mailbox.password_hash.startswith("argon2$argon2id$")
    assert check_password(NEW, mailbox.password_hash)
    assert holder_client.get("/").status_code == 200
    assert Client().post("/login/", {"username": mailbox.address, "password": PASSWORD}).status_code == 200
    logged_in(mailbox.address, NEW)


def test_it_hands_the_change_to_provisioning_and_logs_it_without_the_password(holder_client, mailbox):
    change(holder_client, mailbox)
    request = ProvisioningRequest.objects.get(mailbox=mailbox, action="password")
    assert NEW not in str(request.payload)
    assert request.payload["password_hash"].startswith("{ARGON2ID}$argon2id$")
    operation = Operation.objects.get(holder=mailbox.holder, kind=Operation.Kind.PASSWORD)
    assert operation.mailbox_address == mailbox.address
    assert NEW not in operation.description and PASSWORD not in operation.description


def test_other_sessions_of_that_mailbox_are_signed_out(holder_client, mailbox):
    other_browser = logged_in(mailbox.address)
    change(holder_client, mailbox)
    assert other_browser.get("/").status_code == 302
    assert holder_client.get("/").status_code == 200


def test_sessions_opened_with_another_mailbox_of_the_holder_stay_valid(holder_client, mailbox):
    sibling = make_mailbox(mailbox.holder)
    sibling_browser = logged_in(sibling.address)
    change(holder_client, mailbox)
    assert sibling_browser.get("/").status_code == 200


def test_changing_a_sibling_mailbox_keeps_this_session_and_ends_the_siblings_sessions(holder_client, mailbox):
    sibling = make_mailbox(mailbox.holder)
    sibling_browser = logged_in(sibling.address)
    change(holder_client, sibling)
    assert holder_client.get("/").status_code == 200
    assert sibling_browser.get("/").status_code == 302


def test_a_wrong_current_password_is_refused(holder_client, mailbox):
    response = change(holder_client, mailbox, old="Sbagliata-1!")
    assert "La password attuale non è corretta." in response.content.decode()
    _assert_unchanged(mailbox)


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("Cor-1a", "La password deve avere da 8 a 64 caratteri."),
        ("Aa1!" * 17, "La password deve avere da 8 a 64 caratteri."),
        ("senzamaiuscole1!", "Serve almeno una lettera maiuscola."),
        ("SENZAMINUSCOLE1!", "Serve almeno una lettera minuscola."),
        ("Senza-Cifre!", "Serve almeno una cifra."),
        ("SenzaSimboli12", "Serve almeno un simbolo"),
        (PASSWORD, "La nuova password deve essere diversa da quella attuale."),
    ],
)
def test_a_weak_or_unchanged_password_is_refused(holder_client, mailbox, new, message):
    response = change(holder_client, mailbox, new1=new)
    assert message in response.content.decode().replace("&#x27;", "'")
    _assert_unchanged(mailbox)


def test_the_address_itself_is_refused_whatever_its_case(holder_client, holder):
    mailbox = make_mailbox(holder, address="a1-b@pec.it")
    response = change(holder_client, mailbox, new1="A1-B@PEC.IT".replace("PEC", "Pec"))
    assert "La password non può essere uguale all&#x27;indirizzo della casella." in response.content.decode()
    _assert_unchanged(mailbox)


def test_the_two_new_passwords_must_match(holder_client, mailbox):
    response = change(holder_client, mailbox, new2="Diversa-Pass3!")
    assert "Le due password non coincidono." in response.content.decode()
    _assert_unchanged(mailbox)


@pytest.mark.parametrize("status", [Mailbox.Status.SUSPENDED, Mailbox.Status.REQUESTED, Mailbox.Status.TERMINATED])
def test_a_mailbox_in_a_frozen_state_cannot_change_password(holder_client, holder, status):
    mailbox = make_mailbox(holder, status=status)
    assert "non può essere cambiata" in holder_client.get(f"/mailboxes/{mailbox.pk}/password/").content.decode()
    response = change(holder_client, mailbox)
    assert "non può essere cambiata" in response.content.decode()
    _assert_unchanged(mailbox)


def test_an_expired_mailbox_can_change_password(holder_client, holder):
    mailbox = make_mailbox(holder, status=Mailbox.Status.EXPIRED, expires_in_days=-3)
    response = holder_client.post(f"/mailboxes/{mailbox.pk}/password/",
                                  {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert response["Location"] == f"/mailboxes/{mailbox.pk}/"
    mailbox.refresh_from_db()
    assert check_password(NEW, mailbox.password_hash)


def _assert_unchanged(mailbox):
    mailbox.refresh_from_db()
    assert check_password(PASSWORD, mailbox.password_hash)
    assert not ProvisioningRequest.objects.filter(mailbox=mailbox).exists()
    assert not Operation.objects.filter(kind=Operation.Kind.PASSWORD).exists()


def test_five_wrong_current_passwords_lock_the_form_for_fifteen_minutes(holder_client, mailbox):
    for _ in range(5):
        change(holder_client, mailbox, old="Sbagliata-1!")
    response = change(holder_client, mailbox)
    assert "Troppi tentativi con la password attuale errata. Riprova tra 15 minuti." in response.content.decode()
    _assert_unchanged(mailbox)
